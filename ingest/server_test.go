package ingest

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/faultline/faultline/internal/auth"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/ops"
	"github.com/faultline/faultline/internal/testenv"
)

type harness struct {
	srv  *Server
	http *httptest.Server
	nc   *nats.Conn
	js   jetstream.JetStream
	stop func()
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	ns, nc, js := testenv.JetStream(t)
	if cfg.PublishTimeout == 0 {
		cfg.PublishTimeout = 2 * time.Second
	}
	// Its own registry: /metrics counts this server's requests only.
	reg := ops.NewRegistry()
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics(reg)
	}
	srv, err := New(nc, js, zerolog.Nop(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := ops.Mux(map[string]ops.Check{"jetstream": srv.Ready}, cfg.Auth, reg)
	srv.Register(mux)
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	return &harness{srv: srv, http: hs, nc: nc, js: js, stop: ns.Shutdown}
}

// keys is the key set of a test's configuration.
func keys(t *testing.T, ks ...auth.Key) *auth.Keys {
	t.Helper()
	k, err := auth.New(ks)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func (h *harness) post(t *testing.T, body []byte, header map[string]string) (*http.Response, Response) {
	t.Helper()
	hdr := map[string]string{"Content-Type": "application/json"}
	for k, v := range header {
		hdr[k] = v
	}
	res, b := testenv.Post(t, h.http.URL+"/v1/logs", body, hdr)
	var r Response
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("decode answer: %v", err)
	}
	return res, r
}

// stored reads every event on the events stream.
func (h *harness) stored(t *testing.T) []event.Event {
	t.Helper()
	return testenv.StreamEvents(t, h.js)
}

const good = `{"level":"ERROR","loggerName":"com.acme.A","threadName":"main","message":"boom {}","arguments":["x"],"context":{"name":"shop"}}`

func TestPartialBatchAcceptsGoodLines(t *testing.T) {
	h := newHarness(t, Config{})
	body := good + "\n{not json\n" + `{"message":"plain one"}` + "\n" + `[1,2]` + "\n"
	key := map[string]string{"Idempotency-Key": "partial-1"}
	res, r := h.post(t, []byte(body), key)
	if res.StatusCode != http.StatusAccepted || r.Accepted != 2 {
		t.Fatalf("status %d, answer %+v", res.StatusCode, r)
	}
	lines := map[int]bool{}
	for _, rej := range r.Rejected {
		lines[rej.Line] = true
		if rej.Reason == "" {
			t.Errorf("line %d rejected without a reason", rej.Line)
		}
	}
	if !lines[2] || !lines[4] || len(r.Rejected) != 2 {
		t.Errorf("rejected = %+v, want lines 2 and 4", r.Rejected)
	} else if want := "invalid JSON: invalid character 'n' looking for beginning of object key string (at byte 2)"; r.Rejected[0].Reason != want {
		t.Errorf("line 2 reason = %q, want %q", r.Rejected[0].Reason, want)
	}
	evs := h.stored(t)
	if len(evs) != 2 {
		t.Fatalf("%d events on the stream, want 2", len(evs))
	}
	if evs[0].Service.Name != "shop" || evs[0].Message != "boom x" || evs[0].Event.ID == "" || evs[0].Event.Ingested.IsZero() {
		t.Errorf("first event = %+v", evs[0])
	}
	if evs[1].Service.Name != "unknown" {
		t.Errorf("service of an event without one = %q, want unknown", evs[1].Service.Name)
	}

	// A client retrying the same request (its events have no timestamps)
	// is deduplicated by the stream.
	if res, _ := h.post(t, []byte(body), key); res.StatusCode != http.StatusAccepted {
		t.Fatalf("retry: %d", res.StatusCode)
	}
	if n := len(h.stored(t)); n != 2 {
		t.Errorf("%d events after a retried request, want 2", n)
	}
}

func TestRejections(t *testing.T) {
	h := newHarness(t, Config{MaxBodyBytes: 1 << 16})
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	zw.Write(bytes.Repeat([]byte(" "), 1<<20))
	zw.Close()
	var truncated bytes.Buffer
	zw = gzip.NewWriter(&truncated)
	zw.Write([]byte(good))
	zw.Close()
	cases := []struct {
		name   string
		body   []byte
		header map[string]string
		status int
		reason string
	}{
		{"empty body", nil, nil, 400, "empty body"},
		{"only bad lines", []byte("{\"a\":1}\nnope\n"), nil, 400, `"rejected":[{"line":1,"reason":"no \"message\" field`},
		{"too large", bytes.Repeat([]byte("x"), 1<<17), nil, 413, "larger than"},
		{"gzip bomb", bomb.Bytes(), map[string]string{"Content-Encoding": "gzip"}, 413, "decompressed"},
		{"truncated gzip", truncated.Bytes()[:truncated.Len()-6], map[string]string{"Content-Encoding": "gzip"}, 400, "body"},
		{"not json", []byte(good), map[string]string{"Content-Type": "text/html"}, 415, "text/html"},
		{"unknown encoding", []byte(good), map[string]string{"Content-Encoding": "br"}, 415, "br"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, r := h.post(t, tc.body, tc.header)
			text, _ := json.Marshal(r)
			if res.StatusCode != tc.status || !strings.Contains(string(text), tc.reason) {
				t.Errorf("status %d, answer %s; want %d naming %q", res.StatusCode, text, tc.status, tc.reason)
			}
		})
	}
	if n := len(h.stored(t)); n != 0 {
		t.Errorf("%d events stored from rejected requests", n)
	}
}

func TestAPIKeys(t *testing.T) {
	h := newHarness(t, Config{Auth: keys(t, auth.Key{Service: "billing", Hash: auth.Hash("s3cret")})})
	if res, _ := h.post(t, []byte(good), nil); res.StatusCode != http.StatusUnauthorized || res.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("no key: %d", res.StatusCode)
	}
	if res, _ := h.post(t, []byte(good), map[string]string{"Authorization": "Bearer wrong"}); res.StatusCode != http.StatusForbidden {
		t.Errorf("wrong key: %d", res.StatusCode)
	}
	if res, _ := h.post(t, []byte(good), map[string]string{"Authorization": "Bearer s3cret"}); res.StatusCode != http.StatusAccepted {
		t.Fatalf("right key: %d", res.StatusCode)
	}
	if evs := h.stored(t); len(evs) != 1 || evs[0].Service.Name != "billing" {
		t.Errorf("the key's service must win: %+v", evs)
	}
}

// With JetStream gone, ingest must say 503 and never 202.
func TestJetStreamDownAnswers503(t *testing.T) {
	// A publish timeout longer than a shipper waits: the 503 must come from
	// knowing the connection is down, not from waiting for an ack.
	h := newHarness(t, Config{PublishTimeout: time.Minute})
	if res, _ := h.post(t, []byte(good), nil); res.StatusCode != http.StatusAccepted {
		t.Fatalf("before: %d", res.StatusCode)
	}
	h.stop()
	// Once the client knows the server is gone, a publish would sit in
	// nats.go's reconnect buffer until the timeout.
	for h.nc.IsConnected() {
		time.Sleep(10 * time.Millisecond)
	}
	res, r := h.post(t, []byte(strings.Replace(good, "boom", "other", 1)), nil)
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" || r.Accepted != 0 {
		t.Errorf("while down: status %d, Retry-After %q, answer %+v", res.StatusCode, res.Header.Get("Retry-After"), r)
	}
	if !strings.Contains(r.Error, "not connected to NATS") {
		t.Errorf("while down: the error must say NATS is unreachable: %q", r.Error)
	}
	ready, err := http.Get(h.http.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	ready.Body.Close()
	if ready.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("readyz while JetStream is down: %d", ready.StatusCode)
	}
}

func TestRateLimitPerKey(t *testing.T) {
	h := newHarness(t, Config{RateLimit: 1, Burst: 3})
	fixed := time.Now()
	h.srv.now = func() time.Time { return fixed }
	three := good + "\n" + strings.Replace(good, "boom", "b2", 1) + "\n" + strings.Replace(good, "boom", "b3", 1)
	if res, _ := h.post(t, []byte(three), nil); res.StatusCode != http.StatusAccepted {
		t.Fatalf("within the burst: %d", res.StatusCode)
	}
	res, r := h.post(t, []byte(strings.Replace(good, "boom", "b4", 1)), nil)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "1" || !strings.Contains(r.Error, "rate limit") {
		t.Errorf("over the limit: %d, Retry-After %q, %+v", res.StatusCode, res.Header.Get("Retry-After"), r)
	}
	fixed = fixed.Add(2 * time.Second)
	if res, _ := h.post(t, []byte(strings.Replace(good, "boom", "b5", 1)), nil); res.StatusCode != http.StatusAccepted {
		t.Errorf("after refill: %d", res.StatusCode)
	}
	if n := len(h.stored(t)); n != 4 {
		t.Errorf("%d events stored, want 4 (the limited one is not)", n)
	}
}

// bigTraceEvent is an ECS event with a stack trace of n frames. Its raw line
// grows by about 24 bytes a frame, its canonical form by about 80, since that
// carries the trace text and its parsed frames.
func bigTraceEvent(n int) string {
	var b strings.Builder
	b.WriteString("x.Y: boom")
	for range n {
		b.WriteString("\n\tat a.b.C.m(C.java:1)")
	}
	trace, _ := json.Marshal(b.String())
	return `{"@timestamp":"2026-11-25T01:00:00.000Z","log.level":"ERROR","message":"boom","ecs.version":"8.11","error.stack_trace":` + string(trace) + `}`
}

// metric reads one sample from the harness's /metrics; absent is 0.
func (h *harness) metric(t *testing.T, sample string) float64 {
	t.Helper()
	res, err := http.Get(h.http.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, sample+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("metric %s: %v", sample, err)
			}
			return f
		}
	}
	return 0
}

// An event that fits MaxEventBytes but not a stream message once normalised
// used to fail the whole request with 503 on every retry.
func TestEventTooLargeOnceNormalisedFailsAlone(t *testing.T) {
	h := newHarness(t, Config{})
	big := bigTraceEvent(20000)
	if len(big) >= 1<<20 {
		t.Fatalf("test event is %d bytes: it must fit the default MaxEventBytes", len(big))
	}
	res, r := h.post(t, []byte(good+"\n"+big+"\n"), nil)
	if res.StatusCode != http.StatusAccepted || r.Accepted != 1 || len(r.Rejected) != 1 {
		t.Fatalf("status %d, answer %+v", res.StatusCode, r)
	}
	if rej := r.Rejected[0]; rej.Line != 2 || !strings.Contains(rej.Reason, "bytes once normalised, more than the event stream's") || !strings.Contains(rej.Reason, "byte message limit") {
		t.Errorf("rejected = %+v, want line 2 naming the size and the stream's limit", rej)
	}
	if evs := h.stored(t); len(evs) != 1 || evs[0].Service.Name != "shop" {
		t.Errorf("stored = %+v, want only the good event", evs)
	}
}

// A batch larger than the burst can never pass the bucket: 429 would have
// the client retry it forever.
func TestBatchOverBurstAnswers413(t *testing.T) {
	h := newHarness(t, Config{RateLimit: 1, Burst: 2})
	fixed := time.Now()
	h.srv.now = func() time.Time { return fixed }
	three := good + "\n" + strings.Replace(good, "boom", "b2", 1) + "\n" + strings.Replace(good, "boom", "b3", 1)
	res, r := h.post(t, []byte(three), nil)
	want := "batch of 3 events is more than the rate limit's burst of 2; send at most 2 per request"
	if res.StatusCode != http.StatusRequestEntityTooLarge || r.Error != want || res.Header.Get("Retry-After") != "" {
		t.Errorf("3 events with a burst of 2: %d, Retry-After %q, %+v; want 413 %q", res.StatusCode, res.Header.Get("Retry-After"), r, want)
	}
	// The refused batch took no tokens.
	if res, r := h.post(t, []byte(good+"\n"+strings.Replace(good, "boom", "b2", 1)), nil); res.StatusCode != http.StatusAccepted {
		t.Errorf("2 events after the refused batch: %d, %+v", res.StatusCode, r)
	}
	if n := len(h.stored(t)); n != 2 {
		t.Errorf("%d events stored, want 2", n)
	}
}

func TestDerivedID(t *testing.T) {
	ts := time.Date(2026, 11, 25, 7, 0, 0, 123_000_000, time.UTC)
	line := []byte(`{"message":"a"}`)
	id := DerivedID(line, ts)
	if want := fmt.Sprintf("%012x", ts.UnixMilli()); len(id) != 32 || !strings.HasPrefix(id, want) {
		t.Errorf("id %q: want 32 hex digits starting with the timestamp %s", id, want)
	}
	if DerivedID(line, ts) != id || DerivedID([]byte(`{"message":"b"}`), ts) == id || DerivedID(line, ts.Add(time.Millisecond)) == id {
		t.Error("the id is not a function of the line and its timestamp alone")
	}
	sum := sha256.Sum256(line)
	for _, noTime := range []time.Time{{}, time.Date(1969, 1, 1, 0, 0, 0, 0, time.UTC)} {
		if got := DerivedID(line, noTime); got != hex.EncodeToString(sum[:16]) {
			t.Errorf("without a usable timestamp (%v): %q", noTime, got)
		}
	}
}

// A line with its own timestamp gets an id that starts with it, and a retry
// of the line is still deduplicated.
func TestDerivedIDOnTheStream(t *testing.T) {
	h := newHarness(t, Config{})
	line := `{"@timestamp":"2026-11-25T07:00:00.123Z","log.level":"ERROR","message":"timed","service.name":"shop"}`
	for range 2 {
		if res, r := h.post(t, []byte(line), nil); res.StatusCode != http.StatusAccepted || r.Accepted != 1 {
			t.Fatalf("status %d, answer %+v", res.StatusCode, r)
		}
	}
	evs := h.stored(t)
	if len(evs) != 1 {
		t.Fatalf("%d events on the stream after a retry, want 1", len(evs))
	}
	if want := DerivedID([]byte(line), evs[0].Timestamp); evs[0].Event.ID != want || !strings.HasPrefix(want, "01a211810dfb") {
		t.Errorf("id %q, want %q", evs[0].Event.ID, want)
	}
}
