package sentry

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/faultline/faultline/ingest"
	"github.com/faultline/faultline/ingest/ingesttest"
	"github.com/faultline/faultline/internal/auth"
	"github.com/faultline/faultline/internal/config"
)

const envelopeEvent = `{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","platform":"python","level":"error","message":"boom"}`

// envelope frames items after a header, without lengths.
func envelope(header string, items ...string) []byte {
	var b strings.Builder
	b.WriteString(header + "\n")
	for _, it := range items {
		b.WriteString(it + "\n")
	}
	return []byte(b.String())
}

func compress(t *testing.T, enc string, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w interface {
		Write([]byte) (int, error)
		Close() error
	}
	if enc == "gzip" {
		w = gzip.NewWriter(&buf)
	} else {
		w = zlib.NewWriter(&buf)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestHostileEnvelopes: broken, oversized and unauthenticated requests get
// Sentry's error shape with a status and a reason that names the problem,
// and nothing of them is stored.
func TestHostileEnvelopes(t *testing.T) {
	keys, err := auth.New([]auth.Key{
		{Service: "hostile", Hash: auth.Hash("good-key")},
		{Name: "dash", Roles: []auth.Role{auth.RoleRead}, Hash: auth.Hash("read-key")},
	})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, ingest.Config{Auth: keys, MaxEventBytes: 4096})
	const path = "/api/1/envelope/"
	keyed := map[string]string{"X-Sentry-Auth": "Sentry sentry_version=7, sentry_client=test/1.0, sentry_key=good-key"}
	many := make([]string, 0, 20000)
	for range 10000 {
		many = append(many, `{"type":"client_report"}`, `{}`)
	}
	bomb := compress(t, "gzip", make([]byte, 8<<20)) // 8 MiB of zeros in a few KiB
	cases := []struct {
		name   string
		path   string
		header map[string]string
		body   []byte
		status int
		detail string
	}{
		{"bad header JSON", path, keyed, envelope(`{"event_id":`, `{"type":"event"}`, envelopeEvent), 400, "invalid envelope: envelope header: unexpected end of JSON input"},
		{"empty body", path, keyed, nil, 400, "invalid envelope: envelope header: empty"},
		{"item header not JSON", path, keyed, envelope(`{}`, `type=event`, envelopeEvent), 400, "invalid envelope: item 1 header: invalid character"},
		{"item without a type", path, keyed, envelope(`{}`, `{"length":2}`, `{}`), 400, `invalid envelope: item 1 header: no "type"`},
		{"length beyond the body", path, keyed, envelope(`{}`, `{"type":"event","length":5000}`, envelopeEvent), 400,
			"invalid envelope: item 1 (event): length 5000 runs past the end of the body (101 bytes left)"},
		{"negative length", path, keyed, envelope(`{}`, `{"type":"event","length":-1}`, envelopeEvent), 400, "invalid envelope: item 1 (event): length -1 is not a byte count"},
		{"10 000 items", path, keyed, envelope(`{}`, many...), 413, "invalid envelope: envelope has more than 1000 items"},
		{"event not JSON", path, keyed, envelope(`{}`, `{"type":"event"}`, `not json`), 400, "item 1: event: invalid character"},
		{"event without a message", path, keyed, envelope(`{}`, `{"type":"event"}`, `{"level":"error"}`), 400, "item 1: event has no message, logentry or exception"},
		{"event over max_event_bytes", path, keyed, envelope(`{}`, `{"type":"event"}`, `{"message":"`+strings.Repeat("a", 5000)+`"}`), 413,
			"item 1 (event) is 5014 bytes, larger than the 4096 byte limit"},
		{"gzip bomb", path, map[string]string{"X-Sentry-Auth": keyed["X-Sentry-Auth"], "Content-Encoding": "gzip"}, bomb, 413, "decompressed body larger than 5242880 bytes"},
		{"broken gzip", path, map[string]string{"X-Sentry-Auth": keyed["X-Sentry-Auth"], "Content-Encoding": "gzip"}, []byte("not gzip"), 400, "gzip body: "},
		{"brotli", path, map[string]string{"X-Sentry-Auth": keyed["X-Sentry-Auth"], "Content-Encoding": "br"}, []byte("x"), 415,
			`content encoding "br" not supported (use gzip); Sentry SDKs send gzip, deflate or plain bodies`},
		{"missing key", path, nil, envelope(`{}`, `{"type":"event"}`, envelopeEvent), 401, "missing API key: use a DSN with the key as its public key"},
		{"missing key, dsn without one", path, nil, envelope(`{"dsn":"http://127.0.0.1/1"}`, `{"type":"event"}`, envelopeEvent), 401, "missing API key"},
		{"wrong key", path, map[string]string{"X-Sentry-Auth": "Sentry sentry_key=bad-key"}, envelope(`{}`, `{"type":"event"}`, envelopeEvent), 403, "unknown API key"},
		{"wrong key in the dsn", path, nil, envelope(`{"dsn":"https://bad-key@faultline.example/1"}`, `{"type":"event"}`, envelopeEvent), 403, "unknown API key"},
		{"read key", path, map[string]string{"X-Sentry-Auth": "Sentry sentry_key=read-key"}, envelope(`{}`, `{"type":"event"}`, envelopeEvent), 403,
			`forbidden: key "dash" does not have the ingest role`},
		{"store: wrong key", "/api/1/store/?sentry_key=bad-key", nil, []byte(envelopeEvent), 403, "unknown API key"},
		{"store: not JSON", "/api/1/store/", keyed, []byte("{"), 400, "event: unexpected end of JSON input"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, out := h.post(t, c.path, c.body, c.header)
			if res.StatusCode != c.status || !strings.HasPrefix(out["detail"], c.detail) {
				t.Errorf("%d %q, want %d %q", res.StatusCode, out["detail"], c.status, c.detail)
			}
		})
	}
	if evs := h.stored(t); len(evs) != 0 {
		t.Errorf("%d events stored from hostile requests", len(evs))
	}
}

// TestEnvelopeAnswers: what SDKs send in every shape they use, and the
// answers Sentry gives.
func TestEnvelopeAnswers(t *testing.T) {
	h := newHarness(t, ingesttest.WithKey(t, "answer-key", "answers"))
	keyed := map[string]string{"X-Sentry-Auth": "Sentry sentry_key=answer-key"}
	event := func(n int) string {
		return fmt.Sprintf(`{"event_id":"%032x","level":"warning","logentry":{"message":"order %%s failed","params":["%d"],"formatted":"order %d failed"}}`, n, n, n)
	}
	cases := []struct {
		name   string
		path   string
		header map[string]string
		body   []byte
		id     string
	}{
		{"plain, key in X-Sentry-Auth", "/api/1/envelope/", keyed, envelope(`{}`, `{"type":"event"}`, event(1)), fmt.Sprintf("%032x", 1)},
		{"length-delimited with CRLF and no final newline", "/api/1/envelope/", keyed,
			[]byte(fmt.Sprintf("{}\r\n{\"type\":\"event\",\"length\":%d}\r\n%s", len(event(2)), event(2))), fmt.Sprintf("%032x", 2)},
		{"gzip, key in the query", "/api/1/envelope/?sentry_key=answer-key", map[string]string{"Content-Encoding": "gzip"},
			compress(t, "gzip", envelope(`{}`, `{"type":"event"}`, event(3))), fmt.Sprintf("%032x", 3)},
		{"deflate, key in the dsn", "/api/1/envelope/", map[string]string{"Content-Encoding": "deflate"},
			compress(t, "deflate", envelope(`{"dsn":"http://answer-key@localhost:8080/1"}`, `{"type":"event"}`, event(4))), fmt.Sprintf("%032x", 4)},
		{"an event between skipped items", "/api/1/envelope/", keyed,
			envelope(`{"event_id":"5"}`, `{"type":"session"}`, `{"sid":"x"}`, `{"type":"attachment","length":3}`, "a\nb", `{"type":"event"}`, event(5), `{"type":"made_up"}`, `{}`),
			fmt.Sprintf("%032x", 5)},
		{"only skipped items", "/api/1/envelope/", keyed,
			envelope(`{"event_id":"00000000-0000-0000-0000-000000000006"}`, `{"type":"session"}`, `{}`), "00000000000000000000000000000006"},
		{"store", "/api/1/store/", keyed, []byte(event(7)), fmt.Sprintf("%032x", 7)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, out := h.post(t, c.path, c.body, c.header)
			if res.StatusCode != http.StatusOK || out["id"] != c.id {
				t.Errorf("%d %v, want 200 with id %s", res.StatusCode, out, c.id)
			}
		})
	}
	evs := h.stored(t)
	if len(evs) != 6 {
		t.Fatalf("%d events stored, want 6", len(evs))
	}
	for _, ev := range evs {
		if ev.Service.Name != "answers" || ev.Log.Level != "WARN" || ev.Faultline.MessageTemplate != "order %s failed" || !strings.HasPrefix(ev.Message, "order ") {
			t.Errorf("stored %+v", ev)
		}
	}
	if n := testutil.ToFloat64(h.metrics.skipped.WithLabelValues("other")); n != 1 {
		t.Errorf("made-up item types counted %v, want 1 (as other)", n)
	}
	if n := testutil.ToFloat64(h.metrics.skipped.WithLabelValues("session")); n != 2 {
		t.Errorf("sessions counted %v, want 2", n)
	}
}

// TestBackOffAnswers: the rate limit, a quota and a JetStream outage are
// answered with the headers SDKs obey.
func TestBackOffAnswers(t *testing.T) {
	body := envelope(`{}`, `{"type":"event"}`, envelopeEvent)
	keyed := map[string]string{"X-Sentry-Auth": "Sentry sentry_key=limited-key"}

	cfg := ingesttest.WithKey(t, "limited-key", "limited")
	cfg.RateLimit, cfg.Burst = 0.01, 1
	h := newHarness(t, cfg)
	if res, out := h.post(t, "/api/1/envelope/", body, keyed); res.StatusCode != 200 {
		t.Fatalf("first: %d %v", res.StatusCode, out)
	}
	res, out := h.post(t, "/api/1/envelope/", body, keyed)
	if res.StatusCode != 429 || res.Header.Get("Retry-After") != "100" || res.Header.Get("X-Sentry-Rate-Limits") != "100:error:key" ||
		!strings.Contains(out["detail"], "rate limit of 0.01 events/s exceeded") {
		t.Errorf("over the rate limit: %d %v %v", res.StatusCode, res.Header, out)
	}

	cfg = ingesttest.WithKey(t, "limited-key", "limited")
	cfg.Quotas = config.Quotas{Default: config.Quota{EventsPerSecond: 0.5}}
	h = newHarness(t, cfg)
	if res, out := h.post(t, "/api/1/envelope/", body, keyed); res.StatusCode != 200 {
		t.Fatalf("first: %d %v", res.StatusCode, out)
	}
	res, out = h.post(t, "/api/1/envelope/", body, keyed)
	if res.StatusCode != 429 || res.Header.Get("Retry-After") != "2" || res.Header.Get("X-Sentry-Rate-Limits") != "2:error:project" ||
		!strings.Contains(out["detail"], `service "limited" is over its quota of 0.5 events/s`) {
		t.Errorf("over the quota: %d %v %v", res.StatusCode, res.Header, out)
	}

	h = newHarness(t, ingesttest.WithKey(t, "limited-key", "limited"))
	h.NS.Shutdown()
	for h.NC.IsConnected() {
		time.Sleep(10 * time.Millisecond)
	}
	res, out = h.post(t, "/api/1/envelope/", body, keyed)
	if res.StatusCode != 503 || res.Header.Get("Retry-After") != "5" || !strings.Contains(out["detail"], "event stream unavailable, retry later: publish: not connected to NATS") {
		t.Errorf("JetStream down: %d %v %v", res.StatusCode, res.Header, out)
	}
}

// An event id that is not Sentry's 32 hex digits is not used (it would be a
// NATS header and an Elasticsearch _id): ingest derives one, and the answer
// names it.
func TestForeignEventID(t *testing.T) {
	h := newHarness(t, ingest.Config{})
	res, out := h.post(t, "/api/1/store/", []byte(`{"event_id":"x\r\nNats-Msg-Id: forged","message":"m","tags":{"service":"foreign-id"}}`), nil)
	evs := h.stored(t)
	if res.StatusCode != http.StatusOK || len(evs) != 1 || evs[0].Event.ID != out["id"] || len(out["id"]) != 32 || strings.ContainsAny(out["id"], "\r\n") ||
		evs[0].Service.Name != "foreign-id" {
		t.Errorf("%d %v, stored %+v", res.StatusCode, out, evs)
	}
}
