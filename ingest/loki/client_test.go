package loki

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/grafana/loki/pkg/push"
	"github.com/klauspost/compress/snappy"

	"github.com/faultline/faultline/ingest"
	"github.com/faultline/faultline/ingest/ingesttest"
	"github.com/faultline/faultline/internal/auth"
	"github.com/faultline/faultline/internal/event"
)

// protoBody is a push as Promtail and Alloy send it: Loki's own types,
// protobuf, snappy block compression.
func protoBody(t testing.TB, streams ...push.Stream) []byte {
	t.Helper()
	raw, err := (&push.PushRequest{Streams: streams}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return snappy.Encode(nil, raw)
}

func basic(key string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte("promtail:"+key))
}

var protoHeaders = map[string]string{"Content-Type": "application/x-protobuf"}

var (
	base = time.Date(2026, 1, 2, 3, 4, 5, 600_000_000, time.UTC)

	javaLine = "2026-01-02 03:04:05.678 ERROR 1 --- [main] c.a.pay.Checkout : payment failed\n" +
		"java.lang.IllegalStateException: card declined\n" +
		"\tat com.acme.pay.Charger.charge(Charger.java:42)\n" +
		"\tat com.acme.pay.Api.post(Api.java:10)\n" +
		"Caused by: java.net.SocketTimeoutException: read timed out\n" +
		"\tat com.acme.pay.Client.call(Client.java:7)\n"
	pythonLine = "Traceback (most recent call last):\n" +
		"  File \"/srv/app/shop/cart.py\", line 9, in checkout\n" +
		"    return price_of(sku)\n" +
		"  File \"/srv/app/shop/cart.py\", line 5, in price_of\n" +
		"    return PRICES[sku]\n" +
		"KeyError: 'kiwi'"
	goLine = "panic: runtime error: index out of range [3] with length 2\n\n" +
		"goroutine 1 [running]:\n" +
		"main.handler(...)\n\t/srv/app/main.go:12 +0x1d\n" +
		"main.main()\n\t/srv/app/main.go:20 +0x25\n" +
		"exit status 2"
	nodeLine = "TypeError: Cannot read properties of undefined (reading 'id')\n" +
		"    at getUser (/srv/app/src/users.js:10:15)\n" +
		"    at handle (/srv/app/src/server.js:20:5)"
	logstashLine = `{"@timestamp":"2026-01-02T03:00:00.000Z","@version":"1","message":"order failed","logger_name":"com.acme.Orders","thread_name":"main","level":"ERROR","level_value":40000,"stack_trace":"java.lang.IllegalStateException: boom\n\tat com.acme.Orders.place(Orders.java:5)\n"}`
	logfmtLine   = `ts=2026-01-02T03:04:05Z level=warn msg="slow request" duration=2.3s`
)

// TestPromtailStyleProtobuf pushes what Promtail sends, encoded with Loki's
// own push types and snappy, and checks each line became the canonical
// event today's formats would give: stacks of four runtimes read from text,
// a JSON line through format detection, levels from the line or a label,
// the service from service_name, app or job.
func TestPromtailStyleProtobuf(t *testing.T) {
	h := newHarness(t, ingest.Config{})
	meta := func(kv ...string) push.LabelsAdapter {
		var ls push.LabelsAdapter
		for i := 0; i < len(kv); i += 2 {
			ls = append(ls, push.LabelAdapter{Name: kv[i], Value: kv[i+1]})
		}
		return ls
	}
	at := func(i int) time.Time { return base.Add(time.Duration(i) * time.Second) }
	body := protoBody(t,
		push.Stream{Labels: `{app="gopay", env="prod", job="varlogs", host="web-1"}`, Entries: []push.Entry{
			{Timestamp: at(0), Line: javaLine},
			{Timestamp: at(1), Line: pythonLine, StructuredMetadata: meta("level", "error", "trace_id", "abc123")},
			{Timestamp: at(2), Line: goLine},
			{Timestamp: at(3), Line: nodeLine, StructuredMetadata: meta("detected_level", "warn")},
			{Timestamp: at(4), Line: logstashLine},
			{Timestamp: at(5), Line: logfmtLine},
		}},
		push.Stream{Labels: `{service_name="billing", app="ignored", level="info"}`, Entries: []push.Entry{
			{Timestamp: at(6), Line: "started \"billing\" on :8080"},
		}},
		push.Stream{Labels: `{job="cron"}`, Entries: []push.Entry{
			{Timestamp: at(7), Line: "nightly run done"},
		}},
	)
	res, text := h.post(t, body, protoHeaders)
	if res.StatusCode != 204 || text != "" {
		t.Fatalf("push: %d %q, want 204 and no body", res.StatusCode, text)
	}
	evs := h.stored(t)
	if len(evs) != 8 {
		t.Fatalf("stored %d events, want 8", len(evs))
	}
	type want struct {
		service, level, message, errType, platform string
		frames                                     int
		ts                                         time.Time
	}
	wants := []want{
		{"gopay", "ERROR", "2026-01-02 03:04:05.678 ERROR 1 --- [main] c.a.pay.Checkout : payment failed", "java.lang.IllegalStateException", "", 2, at(0)},
		{"gopay", "ERROR", "Traceback (most recent call last):", "KeyError", event.PlatformPython, 2, at(1)},
		{"gopay", "ERROR", "panic: runtime error: index out of range [3] with length 2", "runtime.Error", event.PlatformGo, 2, at(2)},
		{"gopay", "WARN", "TypeError: Cannot read properties of undefined (reading 'id')", "TypeError", event.PlatformJavaScript, 2, at(3)},
		{"gopay", "ERROR", "order failed", "java.lang.IllegalStateException", "", 1, time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)},
		{"gopay", "WARN", logfmtLine, "", "", 0, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		{"billing", "INFO", `started "billing" on :8080`, "", "", 0, at(6)},
		{"cron", "", "nightly run done", "", "", 0, at(7)},
	}
	for i, w := range wants {
		ev := evs[i]
		got := want{ev.Service.Name, ev.Log.Level, ev.Message, "", ev.Faultline.Platform, 0, ev.Timestamp}
		if ev.Error != nil {
			got.errType = ev.Error.Type
		}
		if len(ev.Faultline.Exceptions) > 0 {
			got.frames = len(ev.Faultline.Exceptions[0].Frames)
		}
		if got.service != w.service || got.level != w.level || got.message != w.message || got.errType != w.errType ||
			got.platform != w.platform || got.frames != w.frames || !got.ts.Equal(w.ts) {
			t.Errorf("event %d:\n got  %+v\n want %+v", i, got, w)
		}
	}
	if ev := evs[0]; ev.Labels["env"] != "prod" || ev.Labels["job"] != "varlogs" || ev.Service.Environment != "prod" || ev.Host == nil || ev.Host.Name != "web-1" {
		t.Errorf("stream labels: labels %v, environment %q, host %+v", ev.Labels, ev.Service.Environment, ev.Host)
	}
	if ev := evs[0]; len(ev.Faultline.Exceptions) != 2 || ev.Faultline.Exceptions[1].Type != "java.net.SocketTimeoutException" {
		t.Errorf("java cause chain: %+v", ev.Faultline.Exceptions)
	}
	if ev := evs[1]; ev.Labels["trace_id"] != "abc123" || ev.Trace == nil || ev.Trace.ID != "abc123" || ev.Error.StackTrace != pythonLine {
		t.Errorf("python: structured metadata %v, trace %+v, stack %q", ev.Labels, ev.Trace, ev.Error.StackTrace)
	}
	if ev := evs[4]; ev.Event.Dataset != ingest.DatasetLogstash || ev.Log.Logger != "com.acme.Orders" {
		t.Errorf("JSON line: dataset %q logger %q, want logstash's", ev.Event.Dataset, ev.Log.Logger)
	}

	// The same push again (a client's retry) stores nothing new.
	if res, text := h.post(t, body, protoHeaders); res.StatusCode != 204 {
		t.Fatalf("retry: %d %q", res.StatusCode, text)
	}
	if n := h.streamCount(t); n != 8 {
		t.Errorf("after a retry the stream holds %d events, want 8", n)
	}
}

// TestKeyNamesService: the API key, sent as loki4j and Promtail send it
// (Basic, password = key) or as Bearer, decides the service over labels.
func TestKeyNamesService(t *testing.T) {
	h := newHarness(t, ingesttest.WithKey(t, testKey, "checkout"))
	body := protoBody(t, push.Stream{Labels: `{service_name="other"}`, Entries: []push.Entry{{Timestamp: base, Line: "ERROR boom"}}})
	for _, authz := range []string{basic(testKey), "Bearer " + testKey} {
		res, text := h.post(t, body, map[string]string{"Content-Type": "application/x-protobuf", "Authorization": authz})
		if res.StatusCode != 204 {
			t.Fatalf("%s: %d %q", authz[:6], res.StatusCode, text)
		}
	}
	evs := h.stored(t)
	if len(evs) != 1 || evs[0].Service.Name != "checkout" || evs[0].Log.Level != "ERROR" {
		t.Fatalf("stored %+v, want one ERROR event of checkout (the second push is the same line)", evs)
	}
	for _, c := range []struct {
		authz  string
		status int
	}{{"", 401}, {basic("wrong"), 403}, {"Bearer wrong", 403}} {
		res, text := h.post(t, body, map[string]string{"Content-Type": "application/x-protobuf", "Authorization": c.authz})
		if res.StatusCode != c.status || text == "" {
			t.Errorf("auth %q: %d %q, want %d with a reason", c.authz, res.StatusCode, text, c.status)
		}
	}
}

// TestSameLineTwoServices: two services' keys pushing the same line with
// the same timestamp (a replayed file, a shared agent) store two events.
func TestSameLineTwoServices(t *testing.T) {
	k, err := auth.New([]auth.Key{{Service: "a", Hash: auth.Hash("key-a")}, {Service: "b", Hash: auth.Hash("key-b")}})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, ingest.Config{Auth: k})
	body := protoBody(t, push.Stream{Labels: `{app="shared"}`, Entries: []push.Entry{{Timestamp: base, Line: "ERROR same line"}}})
	for _, key := range []string{"key-a", "key-b"} {
		if res, text := h.post(t, body, map[string]string{"Content-Type": "application/x-protobuf", "Authorization": basic(key)}); res.StatusCode != 204 {
			t.Fatalf("%s: %d %q", key, res.StatusCode, text)
		}
	}
	evs := h.stored(t)
	if len(evs) != 2 || evs[0].Service.Name != "a" || evs[1].Service.Name != "b" {
		t.Fatalf("stored %d events (%+v), want one of a and one of b", len(evs), evs)
	}
}
