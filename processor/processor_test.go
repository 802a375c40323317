package processor

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/elastic"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/testenv"
)

func startProcessor(t *testing.T) jetstream.JetStream {
	js, _ := startProcessorVia(t, testenv.ElasticsearchURL(t))
	return js
}

func startProcessorVia(t *testing.T, esURL string) (jetstream.JetStream, *Processor) {
	t.Helper()
	_, _, js := testenv.JetStream(t)
	es, err := elastic.NewClient([]string{esURL})
	if err != nil {
		t.Fatal(err)
	}
	p := New(js, es, zerolog.Nop(), Config{Linger: 10 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("processor: %v", err)
		}
	})
	return js, p
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// A message that can never be written goes to the DLQ with its bytes and the
// reason, is acked (not redelivered forever), and replays after a fix.
func TestDeadLetterAndReplay(t *testing.T) {
	js := startProcessor(t)
	ctx := context.Background()
	if _, err := js.Publish(ctx, broker.EventsSubject, []byte(`{"message": not json`)); err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("dlq-test-%d", time.Now().UnixNano())
	bad := event.Event{Timestamp: time.Now().UTC(), Message: "unmappable", Service: event.Service{Name: "dlq-test"}, Event: event.Meta{ID: id}, Labels: map[string]string{"": "empty name"}}
	data, _ := json.Marshal(bad)
	if _, err := js.Publish(ctx, broker.EventsSubject, data); err != nil {
		t.Fatal(err)
	}
	var dls []DeadLetter
	waitFor(t, "two dead letters", func() bool {
		var err error
		dls, err = ListDLQ(ctx, js, 10)
		return err == nil && len(dls) == 2
	})
	if !strings.Contains(dls[0].Reason, "decode event") || string(dls[0].Data) != `{"message": not json` {
		t.Errorf("first dead letter = %+v %q", dls[0], dls[0].Data)
	}
	if !strings.Contains(dls[1].Reason, "elasticsearch rejected") || dls[1].EventID != id {
		t.Errorf("second dead letter = %+v", dls[1])
	}
	waitFor(t, "both events acked", func() bool {
		c, err := js.Consumer(ctx, broker.EventsStream, ConsumerName)
		if err != nil {
			return false
		}
		info, err := c.Info(ctx)
		return err == nil && info.NumAckPending == 0 && info.NumPending == 0
	})

	// "After a fix": replaying puts the messages back; they fail again, so
	// the DLQ holds them again under new sequence numbers.
	n, err := ReplayDLQ(ctx, js, nil)
	if err != nil || n != 2 {
		t.Fatalf("replay: %d, %v", n, err)
	}
	waitFor(t, "replayed messages dead-lettered again", func() bool {
		again, err := ListDLQ(ctx, js, 10)
		return err == nil && len(again) == 2 && again[0].Seq > dls[1].Seq
	})
}

// A processor that crashed after writing events but before counting them:
// the redelivered events are duplicates, and the group count is repaired
// from the data stream instead of staying low.
func TestCountsSurviveACrashBetweenWriteAndCount(t *testing.T) {
	js := startProcessor(t)
	ctx := context.Background()
	es, err := elastic.NewClient([]string{testenv.ElasticsearchURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	store := NewStore(es)
	service := fmt.Sprintf("crash-%d", time.Now().UnixNano())
	mk := func(i int) *event.Event {
		return &event.Event{Timestamp: time.Now().UTC(), Message: "Job failed", Log: event.Log{Level: "ERROR", Logger: "com.acme.Jobs"},
			Service: event.Service{Name: service}, Event: event.Meta{ID: fmt.Sprintf("%s-%d", service, i)},
			Faultline: event.Faultline{MessageTemplate: "Job {} failed"}}
	}
	var evs []*event.Event
	for i := 0; i < 4; i++ {
		ev := mk(i)
		ev.Faultline.Fingerprint = NewFingerprinter().Compute(ev).Fingerprint
		evs = append(evs, ev)
	}
	// The "crashed" delivery wrote three events and never counted them.
	if _, err := store.CreateEvents(ctx, evs[:3]); err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		data, _ := json.Marshal(ev)
		if _, err := js.Publish(ctx, broker.EventsSubject, data); err != nil {
			t.Fatal(err)
		}
	}
	fp := evs[0].Faultline.Fingerprint
	waitFor(t, "group count 4", func() bool {
		g, err := store.getGroups(ctx, []Delta{{Fingerprint: fp}})
		return err == nil && g[fp].Count == 4
	})
	// And it stays 4: nothing is counted twice.
	time.Sleep(300 * time.Millisecond)
	if g, _ := store.getGroups(ctx, []Delta{{Fingerprint: fp}}); g[fp].Count != 4 {
		t.Errorf("count = %d, want 4", g[fp].Count)
	}
}

// Elasticsearch gone for a while: events wait in JetStream, the processor
// says it is not ready, and when Elasticsearch is back every event is
// written once and counted once.
func TestElasticsearchOutage(t *testing.T) {
	esURL := testenv.ElasticsearchURL(t)
	proxy := testenv.NewProxy(t, strings.TrimPrefix(esURL, "http://"))
	js, p := startProcessorVia(t, "http://"+proxy.Addr())
	ctx := context.Background()
	store := testStore(t)
	service := fmt.Sprintf("outage-%d", time.Now().UnixNano())
	publishN := func(from, to int) {
		for i := from; i < to; i++ {
			ev := event.Event{Timestamp: time.Now().UTC(), Message: "Payment failed", Log: event.Log{Level: "ERROR", Logger: "com.acme.Pay"},
				Service: event.Service{Name: service}, Event: event.Meta{ID: fmt.Sprintf("%s-%d", service, i)},
				Faultline: event.Faultline{MessageTemplate: "Payment {} failed"}}
			data, _ := json.Marshal(ev)
			if _, err := js.Publish(ctx, broker.EventsSubject, data); err != nil {
				t.Fatal(err)
			}
		}
	}
	fp := NewFingerprinter().Compute(&event.Event{Service: event.Service{Name: service}, Log: event.Log{Logger: "com.acme.Pay"}, Faultline: event.Faultline{MessageTemplate: "Payment {} failed"}}).Fingerprint
	count := func() int64 {
		g, err := store.getGroups(ctx, []Delta{{Fingerprint: fp}})
		if err != nil {
			return -1
		}
		return g[fp].Count
	}
	publishN(0, 10)
	waitFor(t, "the first 10 events counted", func() bool { return count() == 10 })

	proxy.Down()
	publishN(10, 60)
	waitFor(t, "the processor to report not ready", func() bool { return !p.Ready() })
	cons, err := js.Consumer(ctx, broker.EventsStream, ConsumerName)
	if err != nil {
		t.Fatal(err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if backlog := info.NumPending + uint64(info.NumAckPending); backlog == 0 {
		t.Error("no backlog while Elasticsearch is down: events were acked without being written")
	}

	proxy.Up()
	waitFor(t, "all 60 events counted after the outage", func() bool { return count() == 60 })
	waitFor(t, "readiness back", p.Ready)
	if err := elastic.Check(store.es.Indices.Refresh(store.es.Indices.Refresh.WithIndex(elastic.EventsDataStream))); err != nil {
		t.Fatal(err)
	}
	res, err := store.es.Count(store.es.Count.WithIndex(elastic.EventsDataStream), store.es.Count.WithBody(strings.NewReader(fmt.Sprintf(`{"query":{"term":{"service.name":%q}}}`, service))))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var c struct {
		Count int `json:"count"`
	}
	json.NewDecoder(res.Body).Decode(&c)
	if c.Count != 60 {
		t.Errorf("%d events stored, want exactly 60", c.Count)
	}
}
