package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/elastic"
	"github.com/faultline/faultline/internal/testenv"
	"github.com/faultline/faultline/processor"
)

func TestIDRules(t *testing.T) {
	ts := time.Date(2026, 11, 25, 7, 0, 0, 123_000_000, time.UTC)
	filled := ts.Add(time.Hour)
	line, other := []byte(`{"message":"a"}`), []byte(`{"message":"b"}`)
	keyed := func(scope, key string) *idRules { return &idRules{scope: scope, key: key} }

	// An idempotency key: a function of the request's key, the line's
	// position and the line, whatever the time ingest fills in.
	k := keyed("shop", "req-1").id(line, 1, time.Time{}, filled)
	for _, c := range []struct {
		name string
		id   string
		same bool
	}{
		{"the same request again", keyed("shop", "req-1").id(line, 1, time.Time{}, filled.Add(time.Second)), true},
		{"another position", keyed("shop", "req-1").id(line, 2, time.Time{}, filled), false},
		{"another line at that position", keyed("shop", "req-1").id(other, 1, time.Time{}, filled), false},
		{"another key", keyed("shop", "req-2").id(line, 1, time.Time{}, filled), false},
		{"another API key's service", keyed("cart", "req-1").id(line, 1, time.Time{}, filled), false},
	} {
		if (c.id == k) != c.same {
			t.Errorf("idempotency key, %s: %q against %q, want same=%v", c.name, c.id, k, c.same)
		}
	}
	if id := keyed("shop", "req-1").id(line, 1, ts, filled); !strings.HasPrefix(id, fmt.Sprintf("%012x", ts.UnixMilli())) {
		t.Errorf("keyed id of a timestamped line %q does not start with its time", id)
	}

	// Its own timestamp: the line, and which copy of it in the body.
	r := &idRules{}
	first, second, third := r.id(line, 1, ts, filled), r.id(line, 2, ts, filled), r.id(line, 3, ts, filled)
	if first != DerivedID(line, ts) || second == first || third == first || third == second {
		t.Errorf("copies of a timestamped line: %q %q %q, want the derived id and then distinct ids", first, second, third)
	}
	shop, cart := (&idRules{scope: "shop"}).id(line, 1, ts, filled), (&idRules{scope: "cart"}).id(line, 1, ts, filled)
	if shop == cart || shop == first {
		t.Errorf("the same timestamped line from two API keys' services: %q and %q (no keys: %q), want distinct ids", shop, cart, first)
	}
	if again := (&idRules{scope: "shop"}).id(line, 4, ts, filled); again != shop {
		t.Errorf("the line resent with the same key: %q, want %q", again, shop)
	}
	if again := (&idRules{}).id(line, 7, ts, filled); again != first {
		t.Errorf("the line resent: %q, want %q", again, first)
	}
	if again := (&idRules{}); again.id(line, 1, ts, filled) != first || again.id(line, 2, ts, filled) != second {
		t.Error("a body of copies resent does not get the same ids")
	}
	for _, id := range []string{first, second, third} {
		if !strings.HasPrefix(id, fmt.Sprintf("%012x", ts.UnixMilli())) || len(id) != 32 {
			t.Errorf("id %q: want 32 hex digits starting with the line's time", id)
		}
	}

	// Nothing to go by: every send is new, still in time order.
	a, b := (&idRules{}).id(line, 1, time.Time{}, filled), (&idRules{}).id(line, 1, time.Time{}, filled)
	if a == b || !strings.HasPrefix(a, fmt.Sprintf("%012x", filled.UnixMilli())) {
		t.Errorf("ids without key or timestamp: %q and %q, want distinct ids starting with the time ingest filled in", a, b)
	}
}

// What is stored and counted when the same line is sent several times,
// end to end: ingest, JetStream, the processor, Elasticsearch.
func TestRetriesAndOccurrences(t *testing.T) {
	esURL := testenv.ElasticsearchURL(t)
	h := newHarness(t, Config{})
	es, err := elastic.NewClient([]string{esURL})
	if err != nil {
		t.Fatal(err)
	}
	p := processor.New(h.js, es, zerolog.Nop(), processor.Config{Linger: 10 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("processor: %v", err)
		}
	})

	run := time.Now().UnixNano()
	ts := time.Now().UTC().Format(time.RFC3339Nano)
	line := func(service, extra string) string {
		return fmt.Sprintf(`{"log.level":"ERROR","message":"Lost connection to the ledger","service.name":%q%s}`, service, extra)
	}
	bulkLine := func(action string, doc string) string { return action + "\n" + doc }
	cases := []struct {
		name   string
		bulk   bool
		header map[string]string
		body   func(service string) string
		sends  int
		want   int
	}{
		{"no id, no timestamp, no key", false, nil, func(s string) string { return line(s, "") }, 3, 3},
		{"Idempotency-Key", false, map[string]string{"Idempotency-Key": "k-1"}, func(s string) string { return line(s, "") }, 3, 1},
		{"X-Request-Id", false, map[string]string{"X-Request-Id": "r-1"}, func(s string) string { return line(s, "") }, 3, 1},
		{"Idempotency-Key, two copies in the body", false, map[string]string{"Idempotency-Key": "k-2"}, func(s string) string { return line(s, "") + "\n" + line(s, "") }, 2, 2},
		{"event.id", false, nil, func(s string) string { return line(s, `,"event.id":"`+s+`-1"`) }, 3, 1},
		{"own timestamp", false, nil, func(s string) string { return line(s, `,"@timestamp":"`+ts+`"`) }, 3, 1},
		{"own timestamp, two copies in the body", false, nil, func(s string) string {
			l := line(s, `,"@timestamp":"`+ts+`"`)
			return l + "\n" + l
		}, 2, 2},
		{"bulk: no id, no timestamp, no key", true, nil, func(s string) string { return bulkLine(`{"create":{}}`, line(s, "")) }, 3, 3},
		{"bulk: _id", true, nil, func(s string) string { return bulkLine(`{"create":{"_id":"`+s+`-1"}}`, line(s, "")) }, 3, 1},
		{"bulk: Idempotency-Key", true, map[string]string{"Idempotency-Key": "k-3"}, func(s string) string { return bulkLine(`{"index":{}}`, line(s, "")) }, 3, 1},
		{"bulk: own timestamp", true, nil, func(s string) string { return bulkLine(`{"create":{}}`, line(s, `,"@timestamp":"`+ts+`"`)) }, 3, 1},
		{"bulk: own timestamp, two copies in the body", true, nil, func(s string) string {
			l := bulkLine(`{"create":{}}`, line(s, `,"@timestamp":"`+ts+`"`))
			return l + "\n" + l
		}, 2, 2},
	}
	services := make([]string, len(cases))
	for i, c := range cases {
		services[i] = fmt.Sprintf("ids-%d-%d", run, i)
		for range c.sends {
			path, ct := "/v1/logs", "application/json"
			if c.bulk {
				path, ct = "/_bulk", "application/x-ndjson"
			}
			req, _ := http.NewRequest(http.MethodPost, h.http.URL+path, strings.NewReader(c.body(services[i])+"\n"))
			req.Header.Set("Content-Type", ct)
			for k, v := range c.header {
				req.Header.Set(k, v)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var answer struct {
				Accepted int  `json:"accepted"`
				Errors   bool `json:"errors"`
			}
			err = json.NewDecoder(res.Body).Decode(&answer)
			res.Body.Close()
			if err != nil || c.bulk && (res.StatusCode != http.StatusOK || answer.Errors) || !c.bulk && res.StatusCode != http.StatusAccepted {
				t.Fatalf("%s: status %d, answer %+v, %v", c.name, res.StatusCode, answer, err)
			}
		}
	}
	// Every event the stream kept is written and counted before it is acked.
	testenv.Eventually(t, "the processor acked every event", 30*time.Second, func() bool {
		c, err := h.js.Consumer(ctx, broker.EventsStream, processor.ConsumerName)
		if err != nil {
			return false
		}
		info, err := c.Info(ctx)
		return err == nil && info.NumPending == 0 && info.NumAckPending == 0
	})
	for _, index := range []string{elastic.EventsDataStream, elastic.GroupsIndex} {
		if err := elastic.Check(es.Indices.Refresh(es.Indices.Refresh.WithIndex(index))); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range cases {
		stored, count := storedAndCounted(t, esURL, services[i])
		if stored != c.want || count != int64(c.want) {
			t.Errorf("%s, sent %d times: %d stored, group count %d; want %d", c.name, c.sends, stored, count, c.want)
		}
	}
}

// storedAndCounted is the number of a service's events in the data stream
// and the sum of its groups' counts.
func storedAndCounted(t *testing.T, esURL, service string) (int, int64) {
	t.Helper()
	search := func(index string, out any) {
		testenv.ESQuery(t, esURL, "/"+index+"/_search", fmt.Sprintf(`{"size":100,"query":{"term":{"service.name":%q}}}`, service), out)
	}
	var events struct {
		Hits struct {
			Hits []json.RawMessage `json:"hits"`
		} `json:"hits"`
	}
	search(elastic.EventsDataStream, &events)
	var groups struct {
		Hits struct {
			Hits []struct {
				Source struct {
					Count int64 `json:"count"`
				} `json:"_source"`
			} `json:"hits"`
		} `json:"hits"`
	}
	search(elastic.GroupsIndex, &groups)
	var count int64
	for _, g := range groups.Hits.Hits {
		count += g.Source.Count
	}
	return len(events.Hits.Hits), count
}
