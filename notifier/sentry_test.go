package notifier

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/config"
	"github.com/faultline/faultline/internal/group"
)

const javaTrace = "java.lang.IllegalStateException: Payment declined\n" +
	"second line of the message\n" +
	"\tat com.acme.PaymentClient.post(PaymentClient.java:61)\n" +
	"\tat com.acme.Checkout.lambda$pay$0(Checkout.java:20)\n" +
	"\tat java.base/java.lang.Thread.run(Thread.java:1583)\n" +
	"\tSuppressed: java.lang.RuntimeException: cleanup\n" +
	"\t\tat com.acme.Cleanup.close(Cleanup.java:5)\n" +
	"Caused by: java.io.IOException: reset\n" +
	"\tat sun.nio.ch.Net.read(Native Method)\n" +
	"\t... 3 more\n"

// sentryEnvelope is one envelope as Sentry's server sees it.
type sentryEnvelope struct {
	header     http.Header
	envHeader  map[string]any
	itemHeader map[string]any
	event      sentryWireEvent
}

// sentryWireEvent is the event JSON the Sentry server reads, written out here
// independently of sentry-go's types.
type sentryWireEvent struct {
	EventID     string            `json:"event_id"`
	Level       string            `json:"level"`
	Message     string            `json:"message"`
	Logger      string            `json:"logger"`
	Platform    string            `json:"platform"`
	Release     string            `json:"release"`
	Environment string            `json:"environment"`
	ServerName  string            `json:"server_name"`
	Transaction string            `json:"transaction"`
	Timestamp   time.Time         `json:"timestamp"`
	Fingerprint []string          `json:"fingerprint"`
	Tags        map[string]string `json:"tags"`
	Modules     map[string]string `json:"modules"`
	Contexts    map[string]map[string]any
	// sentry-go sends the list itself rather than {"values": [...]}; Sentry takes both.
	Exception []sentryWireException `json:"exception"`
}

type sentryWireException struct {
	Type       string `json:"type"`
	Value      string `json:"value"`
	Stacktrace struct {
		Frames []struct {
			Module   string `json:"module"`
			Function string `json:"function"`
			Filename string `json:"filename"`
			Lineno   int    `json:"lineno"`
			InApp    bool   `json:"in_app"`
		} `json:"frames"`
	} `json:"stacktrace"`
}

// parseEnvelope reads Sentry's envelope format: a header line, then for each
// item a header line and a payload of the item header's length (or up to the
// next newline when it has none).
func parseEnvelope(r *http.Request) (sentryEnvelope, error) {
	var env sentryEnvelope
	env.header = r.Header.Clone()
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return env, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		body = zr
	}
	br := bufio.NewReader(body)
	line, err := br.ReadBytes('\n')
	if err != nil {
		return env, fmt.Errorf("envelope header: %w", err)
	}
	if err := json.Unmarshal(line, &env.envHeader); err != nil {
		return env, fmt.Errorf("envelope header: %w", err)
	}
	for {
		line, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) == 0 && err != nil {
			return env, nil
		}
		var ih map[string]any
		if err := json.Unmarshal(line, &ih); err != nil {
			return env, fmt.Errorf("item header: %w", err)
		}
		var payload []byte
		if n, ok := ih["length"].(float64); ok {
			payload = make([]byte, int(n))
			if _, err := io.ReadFull(br, payload); err != nil {
				return env, fmt.Errorf("item payload: %w", err)
			}
			br.ReadByte() // the newline after the payload
		} else if payload, err = br.ReadBytes('\n'); err != nil && err != io.EOF {
			return env, fmt.Errorf("item payload: %w", err)
		}
		if ih["type"] == "event" {
			env.itemHeader = ih
			dec := json.NewDecoder(bytes.NewReader(payload))
			if err := dec.Decode(&env.event); err != nil {
				return env, fmt.Errorf("event: %w", err)
			}
		}
	}
}

// sentryServer is a Sentry stand-in for project 42 that answers with status
// (and Retry-After when set) and records each envelope.
type sentryServer struct {
	*httptest.Server
	mu         sync.Mutex
	envelopes  []sentryEnvelope
	status     int
	retryAfter string
	block      chan struct{}
}

func newSentryServer(t *testing.T) *sentryServer {
	s := &sentryServer{status: http.StatusOK}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/42/envelope/" {
			t.Errorf("%s %s", r.Method, r.URL.Path)
			http.NotFound(w, r)
			return
		}
		env, err := parseEnvelope(r)
		if err != nil {
			t.Errorf("envelope: %v", err)
		}
		s.mu.Lock()
		s.envelopes = append(s.envelopes, env)
		status, ra, block := s.status, s.retryAfter, s.block
		s.mu.Unlock()
		if block != nil {
			select {
			case <-block:
			case <-r.Context().Done():
			}
		}
		if ra != "" {
			w.Header().Set("Retry-After", ra)
		}
		w.WriteHeader(status)
		if status == http.StatusOK {
			fmt.Fprintf(w, `{"id":%q}`, env.event.EventID)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *sentryServer) dsn(key string) string {
	u, _ := url.Parse(s.URL)
	return "http://" + key + "@" + u.Host + "/42"
}

func (s *sentryServer) received() []sentryEnvelope {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sentryEnvelope(nil), s.envelopes...)
}

func newTestSentry(t *testing.T, dsn string) *Sentry {
	t.Helper()
	s, err := NewSentry(dsn, &http.Client{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("NewSentry: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

func sentryAlert() Alert {
	g := sampleGroup()
	g.Log.Level = "ERROR"
	g.Log.Logger = "com.acme.PaymentClient"
	g.Sample.StackTrace = javaTrace
	g.Sample.Host = "checkout-7f9c"
	g.Sample.TraceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	g.LastSeen = g.FirstSeen.Add(90 * time.Second)
	return Alert{Kind: group.KindNew, Group: g, Occurrences: 2, Link: "https://kibana.example/x"}
}

func TestSentryEvent(t *testing.T) {
	t.Setenv("SENTRY_RELEASE", "faultline@9.9.9") // faultline's own release must not leak in
	t.Setenv("SENTRY_ENVIRONMENT", "faultline-env")
	srv := newSentryServer(t)
	s := newTestSentry(t, srv.dsn("publickey"))
	a := sentryAlert()
	if retry, err := s.Notify(context.Background(), a); err != nil || retry {
		t.Fatalf("Notify: retry=%v err=%v", retry, err)
	}
	got := srv.received()
	if len(got) != 1 {
		t.Fatalf("%d envelopes", len(got))
	}
	env := got[0]
	if auth := env.header.Get("X-Sentry-Auth"); !strings.Contains(auth, "sentry_key=publickey") {
		t.Errorf("X-Sentry-Auth = %q", auth)
	}
	if env.itemHeader["type"] != "event" || env.envHeader["event_id"] != alertID(a) {
		t.Errorf("envelope header %v, item header %v", env.envHeader, env.itemHeader)
	}
	ev := env.event
	if ev.EventID != alertID(a) || len(ev.EventID) != 32 {
		t.Errorf("event_id = %q, want the alert's stable id %q", ev.EventID, alertID(a))
	}
	if len(ev.Fingerprint) != 1 || ev.Fingerprint[0] != "abc123" {
		t.Errorf("fingerprint = %q", ev.Fingerprint)
	}
	if ev.Level != "error" || ev.Environment != "prod" || ev.Release != "" || ev.Platform != "java" ||
		ev.ServerName != "checkout-7f9c" || ev.Logger != "com.acme.PaymentClient" || ev.Message != "Order o-1 failed" ||
		ev.Transaction != "com.acme.PaymentClient.post" || !ev.Timestamp.Equal(a.Group.LastSeen) || len(ev.Modules) != 0 {
		t.Errorf("event = %+v", ev)
	}
	wantTags := map[string]string{"service": "checkout", "logger": "com.acme.PaymentClient", "faultline.fingerprint": "abc123", "faultline.kind": "new"}
	for k, v := range wantTags {
		if ev.Tags[k] != v {
			t.Errorf("tag %s = %q, want %q", k, ev.Tags[k], v)
		}
	}
	if fl := ev.Contexts["faultline"]; fl["count"] != float64(3) || fl["occurrences"] != float64(2) || fl["link"] != "https://kibana.example/x" || fl["trace_id"] != a.Group.Sample.TraceID {
		t.Errorf("faultline context = %v", fl)
	}
	if len(ev.Exception) != 1 {
		t.Fatalf("exceptions = %+v", ev.Exception)
	}
	ex := ev.Exception[0]
	if ex.Type != "java.lang.IllegalStateException" || ex.Value != "Payment declined" {
		t.Errorf("exception = %q: %q", ex.Type, ex.Value)
	}
	// Oldest call first; only the outermost exception's own frames, not the
	// suppressed one's nor the cause's.
	want := []frame{
		{"java.lang.Thread", "run", "Thread.java", 1583, false},
		{"com.acme.Checkout", "lambda$pay$0", "Checkout.java", 20, true},
		{"com.acme.PaymentClient", "post", "PaymentClient.java", 61, true},
	}
	gotFrames := framesOf(ex)
	if fmt.Sprint(gotFrames) != fmt.Sprint(want) {
		t.Errorf("frames =\n%v\nwant\n%v", gotFrames, want)
	}
}

// frame is what the Sentry tests compare of a stack frame.
type frame struct {
	module, function, file string
	line                   int
	inApp                  bool
}

func framesOf(ex sentryWireException) []frame {
	var out []frame
	for _, f := range ex.Stacktrace.Frames {
		out = append(out, frame{f.Module, f.Function, f.Filename, f.Lineno, f.InApp})
	}
	return out
}

// logstash-logback-encoder's inlineHash and rootCauseFirst: the header of
// each exception starts with "<#hash> " and the outermost comes last.
const hashedTrace = "<#8f3a21c0> java.net.ConnectException: Connection refused\n" +
	"\tat java.base/sun.nio.ch.Net.connect0(Native Method)\n" +
	"\tat org.postgresql.core.PGStream.createSocket(PGStream.java:243)\n" +
	"\t... 3 frames excluded\n" +
	"Wrapped by: <#aa55aa55> org.springframework.jdbc.CannotGetJdbcConnectionException: Failed to obtain JDBC Connection\n" +
	"\tat org.springframework.jdbc.datasource.DataSourceUtils.getConnection(DataSourceUtils.java:84)\n" +
	"\tat com.acme.reports.ReportJob.lambda$run$0(ReportJob.java:22)\n"

func TestSentryEventHashedTrace(t *testing.T) {
	srv := newSentryServer(t)
	s := newTestSentry(t, srv.dsn("publickey"))
	a := sentryAlert()
	// No error.type: the exception's type can only come from the trace.
	a.Group.Error.Type = ""
	a.Group.Culprit = "com.acme.reports.ReportJob.lambda$run$0"
	a.Group.Sample.StackTrace = hashedTrace
	if retry, err := s.Notify(context.Background(), a); err != nil || retry {
		t.Fatalf("Notify: retry=%v err=%v", retry, err)
	}
	got := srv.received()
	if len(got) != 1 || len(got[0].event.Exception) != 1 {
		t.Fatalf("envelopes = %+v", got)
	}
	ex := got[0].event.Exception[0]
	if ex.Type != "org.springframework.jdbc.CannotGetJdbcConnectionException" || ex.Value != "Failed to obtain JDBC Connection" {
		t.Errorf("exception = %q: %q", ex.Type, ex.Value)
	}
	want := []frame{
		{"com.acme.reports.ReportJob", "lambda$run$0", "ReportJob.java", 22, true},
		{"org.springframework.jdbc.datasource.DataSourceUtils", "getConnection", "DataSourceUtils.java", 84, false},
	}
	gotFrames := framesOf(ex)
	if fmt.Sprint(gotFrames) != fmt.Sprint(want) {
		t.Errorf("frames =\n%v\nwant\n%v", gotFrames, want)
	}
}

func TestSentryErrors(t *testing.T) {
	cases := []struct {
		status     int
		retryAfter string
		retry      bool
		wait       time.Duration
	}{
		{429, "3", true, 3 * time.Second},
		{500, "", true, 0},
		{503, "", true, 0},
		{400, "", false, 0},
		{413, "", false, 0},
	}
	for _, tc := range cases {
		srv := newSentryServer(t)
		srv.status, srv.retryAfter = tc.status, tc.retryAfter
		s := newTestSentry(t, srv.dsn("pub-key-secret"))
		retry, err := s.Notify(context.Background(), sentryAlert())
		if err == nil || retry != tc.retry {
			t.Errorf("%d: retry=%v err=%v", tc.status, retry, err)
			continue
		}
		var ra *RetryAfterError
		if tc.wait > 0 {
			// sentry-go's and our own clocks differ by the request's duration.
			if !errors.As(err, &ra) || ra.After < tc.wait-time.Second || ra.After > tc.wait {
				t.Errorf("%d: want RetryAfterError of %s, got %v", tc.status, tc.wait, err)
			}
		} else if errors.As(err, &ra) {
			t.Errorf("%d: unexpected RetryAfterError %v", tc.status, err)
		}
		if strings.Contains(err.Error(), "pub-key-secret") {
			t.Errorf("%d: error leaks the DSN key: %v", tc.status, err)
		}
	}
}

// After a 429, sentry-go drops events on its own until the limit ends; that
// must come back as retryable with the remaining wait, not as success.
func TestSentryRateLimitedDrop(t *testing.T) {
	srv := newSentryServer(t)
	srv.status, srv.retryAfter = http.StatusTooManyRequests, "30"
	s := newTestSentry(t, srv.dsn("publickey"))
	if retry, err := s.Notify(context.Background(), sentryAlert()); !retry || err == nil {
		t.Fatalf("429: retry=%v err=%v", retry, err)
	}
	srv.mu.Lock()
	srv.status, srv.retryAfter = http.StatusOK, ""
	srv.mu.Unlock()
	retry, err := s.Notify(context.Background(), sentryAlert())
	var ra *RetryAfterError
	if !retry || !errors.As(err, &ra) || ra.After <= 25*time.Second || ra.After > 30*time.Second {
		t.Errorf("while limited: retry=%v err=%v", retry, err)
	}
	if n := len(srv.received()); n != 1 {
		t.Errorf("%d requests, want the dropped one not sent", n)
	}
}

func TestSentryRateLimitHeader(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		header string
		want   time.Duration
	}{
		{"60:error:organization", 60 * time.Second},
		{"60:transaction:key, 120::organization", 120 * time.Second},
		{"60:transaction;session:key", 0},
		{"30:default;error:project:reason", 30 * time.Second},
		{"junk", 0},
	} {
		res := &http.Response{StatusCode: 200, Header: http.Header{"X-Sentry-Rate-Limits": {tc.header}}}
		got := sentryLimit(res, now)
		if (tc.want == 0 && !got.IsZero()) || (tc.want > 0 && got.Sub(now) != tc.want) {
			t.Errorf("%q: limited until %v", tc.header, got)
		}
	}
}

func TestSentryHonoursContext(t *testing.T) {
	srv := newSentryServer(t)
	srv.block = make(chan struct{})
	defer close(srv.block)
	s := newTestSentry(t, srv.dsn("publickey"))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	retry, err := s.Notify(ctx, sentryAlert())
	if !retry || err == nil || time.Since(start) > 3*time.Second {
		t.Errorf("cancelled: retry=%v err=%v after %s", retry, err, time.Since(start))
	}
}

func TestSentryKeyNeverInErrors(t *testing.T) {
	// Unreachable host: a transport error, retryable.
	s := newTestSentry(t, "http://pub-key-secret@127.0.0.1:1/42")
	retry, err := s.Notify(context.Background(), sentryAlert())
	if !retry || err == nil || strings.Contains(err.Error(), "pub-key-secret") {
		t.Errorf("unreachable: retry=%v err=%v", retry, err)
	}
	for _, dsn := range []string{"http://pub-key-secret@127.0.0.1:1/", "::pub-key-secret", "http://pub-key-secret@host:port/42", "ftp://pub-key-secret@h/1"} {
		_, err := New(config.Channel{Name: "s", Type: "sentry", URL: dsn}, http.DefaultClient)
		if err == nil || strings.Contains(err.Error(), "pub-key-secret") {
			t.Errorf("dsn %q: err=%v", dsn, err)
		}
	}
}

func TestNewSentry(t *testing.T) {
	n, err := New(config.Channel{Name: "s", Type: "sentry", URL: "http://publickey@127.0.0.1:9/42"}, &http.Client{})
	if _, ok := n.(*Sentry); err != nil || !ok {
		t.Fatalf("New(sentry) = %#v, %v", n, err)
	}
	n.(*Sentry).Close()
}

func TestSentryLevels(t *testing.T) {
	for in, want := range map[string]string{"ERROR": "error", "warn": "warning", "WARNING": "warning", "INFO": "info", "DEBUG": "debug", "TRACE": "debug", "FATAL": "fatal", "": "error", "SEVERE": "error"} {
		if got := string(sentryLevel(in)); got != want {
			t.Errorf("%q -> %q, want %q", in, got, want)
		}
	}
}

func TestSentryEventOddInputs(t *testing.T) {
	// No trace, no type: a message event without an exception.
	a := sentryAlert()
	a.Group.Error.Type, a.Group.Sample.StackTrace = "", ""
	ev, _ := sentryEvent(a)
	if len(ev.Exception) != 0 || ev.Message != "Order o-1 failed" {
		t.Errorf("message-only event: %+v", ev.Exception)
	}
	// A type but no parsable trace: the message's first line is the value.
	a = sentryAlert()
	a.Group.Message = "first\nsecond"
	a.Group.Sample.StackTrace = "garbage that is not a trace"
	ev, _ = sentryEvent(a)
	if len(ev.Exception) != 1 || ev.Exception[0].Value != "first" || ev.Exception[0].Stacktrace != nil {
		t.Errorf("untraced exception: %+v", ev.Exception)
	}
	// Very deep traces keep the newest frames, oldest first.
	a = sentryAlert()
	a.Group.Sample.StackTrace = "java.lang.StackOverflowError\n" + strings.Repeat("\tat r.R.f(R.java:1)\n", 2000) + "\tat r.R.main(R.java:2)\n"
	ev, _ = sentryEvent(a)
	if fr := ev.Exception[0].Stacktrace.Frames; len(fr) != sentryFramesMax || fr[len(fr)-1].Lineno != 1 {
		t.Errorf("deep trace: %d frames", len(fr))
	}
}

func FuzzSentryEvent(f *testing.F) {
	for _, s := range []string{javaTrace, "", "a.B", "\tat (", "a.B: c\n\tat x(", "Wrapped by: \nCaused by: ", "a.B\n\tat /0x.(:)", "a.B\n\tat .(a:-1)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a := sentryAlert()
		a.Group.Sample.StackTrace = s
		a.Group.Culprit = s
		sentryEvent(a)
		slackPayload(a)
	})
}

// The envelope reader must take what a Sentry server takes: gzip or not,
// items with or without a length.
func TestParseEnvelope(t *testing.T) {
	raw := `{"event_id":"e1"}` + "\n" +
		`{"type":"attachment","length":3}` + "\n" + "a\nb" + "\n" +
		`{"type":"event"}` + "\n" + `{"event_id":"e1","exception":[{"type":"T","value":"v"}],"fingerprint":["f"]}` + "\n"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(raw))
	zw.Close()
	for enc, body := range map[string][]byte{"": []byte(raw), "gzip": gz.Bytes()} {
		r := httptest.NewRequest(http.MethodPost, "/api/42/envelope/", bytes.NewReader(body))
		if enc != "" {
			r.Header.Set("Content-Encoding", enc)
		}
		env, err := parseEnvelope(r)
		if err != nil || env.envHeader["event_id"] != "e1" || env.event.EventID != "e1" || len(env.event.Exception) != 1 ||
			env.event.Exception[0].Type != "T" || env.event.Fingerprint[0] != "f" {
			t.Errorf("%q: %+v, %v", enc, env, err)
		}
	}
}
