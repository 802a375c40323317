package ingest

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/auth"
)

func TestElasticsearchHandshake(t *testing.T) {
	h := newHarness(t, Config{})
	for _, tc := range []struct{ method, path string }{{"GET", "/"}, {"HEAD", "/"}, {"GET", "/_license"}, {"PUT", "/_index_template/logs"}, {"GET", "/_ilm/policy/logs"}} {
		req, _ := http.NewRequest(tc.method, h.http.URL+tc.path, strings.NewReader("{}"))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || res.Header.Get("X-Elastic-Product") != "Elasticsearch" {
			t.Errorf("%s %s: %d, X-Elastic-Product %q", tc.method, tc.path, res.StatusCode, res.Header.Get("X-Elastic-Product"))
		}
		if tc.method == "GET" && tc.path == "/" && (!strings.Contains(string(body), `"tagline"`) || !strings.Contains(string(body), `"number":"8.`)) {
			t.Errorf("GET / = %s", body)
		}
	}
}

func TestBulkAnswersItemByItem(t *testing.T) {
	h := newHarness(t, Config{Auth: keys(t, auth.Key{Service: "orders", Hash: auth.Hash("k3y")})})
	body := strings.Join([]string{
		`{"create":{"_id":"evt-1"}}`,
		`{"@timestamp":"2026-11-25T01:00:00.000Z","message":"boom","logger_name":"com.acme.A","thread_name":"main","level":"ERROR","level_value":40000}`,
		`{"index":{"_index":"other"}}`,
		`{"no_message_here":true}`,
		`{"delete":{"_id":"x"}}`,
		`{"index":{}}`,
		`{"log.level":"WARN","message":"slow","ecs.version":"8.11"}`,
	}, "\n") + "\n"
	req, _ := http.NewRequest(http.MethodPost, h.http.URL+"/logs-app/_bulk", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Authorization", "ApiKey "+base64.StdEncoding.EncodeToString([]byte("id1:k3y")))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Errors bool                        `json:"errors"`
		Items  []map[string]map[string]any `json:"items"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || res.Header.Get("X-Elastic-Product") != "Elasticsearch" || !out.Errors || len(out.Items) != 4 {
		t.Fatalf("status %d, answer %+v", res.StatusCode, out)
	}
	want := []struct {
		op     string
		status float64
		index  string
	}{{"create", 201, "logs-app"}, {"index", 400, "other"}, {"delete", 400, "logs-app"}, {"index", 201, "logs-app"}}
	for i, w := range want {
		it := out.Items[i][w.op]
		if it == nil || it["status"] != w.status || it["_index"] != w.index {
			t.Errorf("item %d = %v, want %s %v in %q", i, out.Items[i], w.op, w.status, w.index)
		}
	}
	if out.Items[0]["create"]["_id"] != "evt-1" {
		t.Errorf("the action's _id must be the event id: %v", out.Items[0])
	}
	if reason, _ := out.Items[1]["index"]["error"].(map[string]any)["reason"].(string); !strings.Contains(reason, "line 4") {
		t.Errorf("bad document's reason must name its line: %q", reason)
	}
	evs := h.stored(t)
	if len(evs) != 2 || evs[0].Event.ID != "evt-1" || evs[0].Service.Name != "orders" || evs[1].Log.Level != "WARN" {
		t.Errorf("stored = %+v", evs)
	}

	// Without credentials the bulk route answers like Elasticsearch would.
	res2, err := http.Post(h.http.URL+"/_bulk", "application/x-ndjson", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res2.Body.Close()
	if res2.StatusCode != http.StatusUnauthorized {
		t.Errorf("no credentials: %d", res2.StatusCode)
	}
}

type bulkAnswer struct {
	Errors bool                        `json:"errors"`
	Items  []map[string]map[string]any `json:"items"`
	Error  struct {
		Type   string `json:"type"`
		Reason string `json:"reason"`
	} `json:"error"`
	Status int `json:"status"`
}

func (h *harness) bulk(t *testing.T, lines ...string) (*http.Response, bulkAnswer) {
	t.Helper()
	res, err := http.Post(h.http.URL+"/logs-app/_bulk", "application/x-ndjson", strings.NewReader(strings.Join(lines, "\n")+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out bulkAnswer
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatalf("decode answer: %v", err)
	}
	return res, out
}

// The action's _id is held to the same limit as event.id (it used to be
// applied after the check), a document too large for a stream message fails
// only its own item, and both count as invalid events.
func TestBulkItemLimits(t *testing.T) {
	h := newHarness(t, Config{})
	const invalid = `faultline_ingest_events_rejected_total{reason="invalid"}`
	before := h.metric(t, invalid)
	longID, maxID := strings.Repeat("x", 600), strings.Repeat("y", 256)
	res, out := h.bulk(t,
		`{"create":{"_id":"`+longID+`"}}`,
		`{"message":"long id"}`,
		`{"index":{}}`,
		bigTraceEvent(20000),
		`{"index":{"_id":"`+maxID+`"}}`,
		`{"message":"fits"}`,
	)
	if res.StatusCode != 200 || !out.Errors || len(out.Items) != 3 {
		t.Fatalf("status %d, answer %+v", res.StatusCode, out)
	}
	want := []struct {
		op     string
		status float64
		reason string
	}{
		{"create", 400, "line 2: _id is 600 bytes, longer than 256"},
		{"index", 400, "line 4: event is "},
		{"index", 201, ""},
	}
	for i, w := range want {
		it := out.Items[i][w.op]
		e, _ := it["error"].(map[string]any)
		reason, _ := e["reason"].(string)
		if it == nil || it["status"] != w.status || !strings.HasPrefix(reason, w.reason) || (w.reason == "") != (reason == "") {
			t.Errorf("item %d = %v, want %s %v with reason %q", i, out.Items[i], w.op, w.status, w.reason)
		}
	}
	if reason, _ := out.Items[1]["index"]["error"].(map[string]any)["reason"].(string); !strings.Contains(reason, "once normalised, more than the event stream's") {
		t.Errorf("too large document's reason = %q, want the size and the stream's limit", reason)
	}
	if evs := h.stored(t); len(evs) != 1 || evs[0].Event.ID != maxID {
		t.Errorf("stored = %+v, want only the event with the 256-byte _id", evs)
	}
	if got := h.metric(t, invalid) - before; got != 2 {
		t.Errorf("%s grew by %g, want 2", invalid, got)
	}
}

// A bulk request larger than the burst is refused with 413, not with a 429
// whose Retry-After no wait satisfies; a short bucket answers 429 with the
// wait rounded up, as /v1/logs does.
func TestBulkRateLimit(t *testing.T) {
	h := newHarness(t, Config{RateLimit: 1, Burst: 2})
	fixed := time.Now()
	h.srv.now = func() time.Time { return fixed }
	doc := func(msg string) string { return `{"message":"` + msg + `"}` }
	res, out := h.bulk(t, `{"index":{}}`, doc("a"), `{"index":{}}`, doc("b"), `{"index":{}}`, doc("c"))
	want := "batch of 3 events is more than the rate limit's burst of 2; send at most 2 per request"
	if res.StatusCode != http.StatusRequestEntityTooLarge || out.Status != 413 || out.Error.Type == "" || out.Error.Reason != want || res.Header.Get("X-Elastic-Product") != "Elasticsearch" {
		t.Errorf("3 documents with a burst of 2: %d, %+v; want 413 %q", res.StatusCode, out, want)
	}
	if res, out := h.bulk(t, `{"index":{}}`, doc("a"), `{"index":{}}`, doc("b")); res.StatusCode != 200 || out.Errors {
		t.Errorf("2 documents after the refused request: %d, %+v", res.StatusCode, out)
	}
	res, out = h.bulk(t, `{"index":{}}`, doc("c"))
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "1" || out.Error.Type != "es_rejected_execution_exception" {
		t.Errorf("over the limit: %d, Retry-After %q, %+v", res.StatusCode, res.Header.Get("Retry-After"), out)
	}
	if n := len(h.stored(t)); n != 2 {
		t.Errorf("%d events stored, want 2", n)
	}
}
