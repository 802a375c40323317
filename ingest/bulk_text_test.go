package ingest

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/event"
)

// Lines as apps print them to a file or the console, multi-line records
// joined by the shipper's multiline rule, before any parsing.
const (
	// logback's pattern layout, then Throwable.printStackTrace.
	javaTextLine = "2026-01-02 03:04:05.678 [http-nio-8080-exec-1] ERROR c.a.shop.CheckoutController - checkout of order o-1 failed\n" +
		"java.lang.IllegalStateException: payment declined\n" +
		"\tat com.acme.shop.PaymentService.charge(PaymentService.java:42)\n" +
		"\tat com.acme.shop.CheckoutController.checkout(CheckoutController.java:17)\n" +
		"\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:885)\n" +
		"Caused by: java.net.SocketTimeoutException: Read timed out\n" +
		"\tat java.base/java.net.SocketInputStream.read(SocketInputStream.java:168)\n" +
		"\tat com.acme.shop.PaymentClient.post(PaymentClient.java:88)\n" +
		"\t... 2 common frames omitted\n"
	// logging's default handler with logger.exception.
	pythonTextLine = "2026-01-02 03:04:06,123 ERROR shop.cart: checkout failed\n" +
		"Traceback (most recent call last):\n" +
		"  File \"/srv/app/shop/cart.py\", line 9, in checkout\n" +
		"    return price_of(sku)\n" +
		"  File \"/srv/app/shop/cart.py\", line 5, in price_of\n" +
		"    return PRICES[sku]\n" +
		"KeyError: 'kiwi'"
	// An unrecovered panic on stderr: no level anywhere.
	goTextLine = "panic: runtime error: index out of range [3] with length 2\n\n" +
		"goroutine 7 [running]:\n" +
		"main.(*Cart).total(...)\n\t/srv/app/cart.go:31 +0x1d\n" +
		"main.handler({0x7f8e20, 0xc0000a0000}, 0xc0000b2000)\n\t/srv/app/main.go:20 +0x25\n" +
		"net/http.HandlerFunc.ServeHTTP(0x0?, {0x7f8e20?, 0xc0000a0000?}, 0x0?)\n\t/usr/local/go/src/net/http/server.go:2220 +0x29\n"
	// An uncaught error as Node prints it to stderr.
	nodeTextLine = "TypeError: Cannot read properties of undefined (reading 'id')\n" +
		"    at getUser (/srv/app/src/users.js:10:15)\n" +
		"    at async handle (/srv/app/src/server.js:20:5)"
)

// doc is a bulk document: fields as the shipper writes them around the line.
func doc(t *testing.T, fields map[string]any) string {
	t.Helper()
	b, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A log line a shipper sent unparsed to /_bulk is read as the Loki route
// reads its lines: level and time from the first line, the stack trace as
// the exception chain with its frames, the text before it as the message.
// The shipper's other fields stay labels, whichever field held the line
// (message, Fluent Bit's and Docker's log, ECS event.original).
func TestBulkReadsTextLines(t *testing.T) {
	h := newHarness(t, Config{})
	shipped := time.Date(2026, 1, 2, 3, 5, 0, 0, time.UTC).Format(time.RFC3339Nano)
	type want struct {
		level, message, platform, dataset string
		chain                             []string // exception types, outermost first
		frames                            int      // of the outermost exception
		firstFrame                        string   // its Function()
		ts                                time.Time
		labels                            map[string]string
	}
	shippedAt, _ := time.Parse(time.RFC3339Nano, shipped)
	cases := []struct {
		name, doc string
		want      want
	}{{
		name: "Fluent Bit tail without a parser, Java trace in log",
		doc:  doc(t, map[string]any{"@timestamp": shipped, "log": javaTextLine}),
		want: want{"ERROR", "2026-01-02 03:04:05.678 [http-nio-8080-exec-1] ERROR c.a.shop.CheckoutController - checkout of order o-1 failed", "", DatasetText,
			[]string{"java.lang.IllegalStateException", "java.net.SocketTimeoutException"}, 3, "com.acme.shop.PaymentService.charge", shippedAt, map[string]string{}},
	}, {
		name: "Docker json-file through Fluent Bit, Python traceback in log",
		doc:  doc(t, map[string]any{"@timestamp": shipped, "log": pythonTextLine + "\n", "stream": "stderr", "time": "2026-01-02T03:04:06.123456789Z"}),
		want: want{"ERROR", "2026-01-02 03:04:06,123 ERROR shop.cart: checkout failed", event.PlatformPython, DatasetText,
			[]string{"KeyError"}, 2, "price_of", time.Date(2026, 1, 2, 3, 4, 6, 123456789, time.UTC), map[string]string{"stream": "stderr"}},
	}, {
		name: "Filebeat filestream, Go panic in message",
		doc: doc(t, map[string]any{"@timestamp": shipped, "message": goTextLine, "ecs": map[string]any{"version": "8.0.0"},
			"log":   map[string]any{"offset": 1234, "file": map[string]any{"path": "/var/log/app/app.log"}},
			"input": map[string]any{"type": "filestream"}, "agent": map[string]any{"type": "filebeat"}}),
		want: want{"ERROR", "panic: runtime error: index out of range [3] with length 2", event.PlatformGo, DatasetText,
			[]string{"runtime.Error"}, 3, "main.(*Cart).total", shippedAt, map[string]string{"input_type": "filestream", "agent_type": "filebeat"}},
	}, {
		name: "Vector file source, Node stack in message",
		doc:  doc(t, map[string]any{"timestamp": shipped, "message": nodeTextLine, "file": "/var/log/app/app.log", "host": "web-1", "source_type": "file"}),
		want: want{"ERROR", "TypeError: Cannot read properties of undefined (reading 'id')", event.PlatformJavaScript, DatasetText,
			[]string{"TypeError"}, 2, "getUser", shippedAt, map[string]string{"file": "/var/log/app/app.log", "source_type": "file"}},
	}, {
		name: "rsyslog's default omelasticsearch template, Java trace without a pattern",
		doc: doc(t, map[string]any{"message": javaTextLine[len("2026-01-02 03:04:05.678 [http-nio-8080-exec-1] ERROR c.a.shop.CheckoutController - checkout of order o-1 failed\n"):],
			"fromhost": "web-2", "facility": "local0", "priority": "info", "timereported": shipped}),
		want: want{"ERROR", "java.lang.IllegalStateException: payment declined", "", DatasetText,
			[]string{"java.lang.IllegalStateException", "java.net.SocketTimeoutException"}, 3, "com.acme.shop.PaymentService.charge", time.Time{}, map[string]string{"fromhost": "web-2", "priority": "info"}},
	}, {
		name: "ECS event.original without a message",
		doc:  doc(t, map[string]any{"@timestamp": shipped, "event": map[string]any{"original": pythonTextLine}, "ecs": map[string]any{"version": "8.11"}}),
		want: want{"ERROR", "2026-01-02 03:04:06,123 ERROR shop.cart: checkout failed", event.PlatformPython, DatasetText,
			[]string{"KeyError"}, 2, "price_of", shippedAt, map[string]string{}},
	}, {
		name: "a plain line: its level word and its own time, no trace",
		doc:  doc(t, map[string]any{"@timestamp": shipped, "log": "2026-01-02T03:04:08.250Z WARN c.a.shop.Pool - pool 80% used"}),
		want: want{"WARN", "2026-01-02T03:04:08.250Z WARN c.a.shop.Pool - pool 80% used", "", DatasetText, nil, 0, "",
			time.Date(2026, 1, 2, 3, 4, 8, 250_000_000, time.UTC), map[string]string{}},
	}, {
		name: "Fluent Bit tail without a parser on a JSON log: the line is the event",
		doc: doc(t, map[string]any{"@timestamp": shipped, "stream": "stdout", "log": `{"@timestamp":"2026-01-02T03:04:09.000Z","log.level":"ERROR","log.logger":"com.acme.shop.Checkout",` +
			`"message":"checkout failed","ecs.version":"8.11","order":"o-1","error.type":"java.lang.IllegalStateException","error.message":"payment declined",` +
			`"error.stack_trace":"java.lang.IllegalStateException: payment declined\n\tat com.acme.shop.Payment.charge(Payment.java:42)\n"}`}),
		want: want{"ERROR", "checkout failed", "", DatasetECS, []string{"java.lang.IllegalStateException"}, 1, "com.acme.shop.Payment.charge",
			time.Date(2026, 1, 2, 3, 4, 9, 0, time.UTC), map[string]string{"stream": "stdout", "order": "o-1"}},
	}, {
		name: "structured: its own level wins and the text is not read",
		doc:  doc(t, map[string]any{"@timestamp": shipped, "message": javaTextLine, "level": "info"}),
		want: want{"INFO", javaTextLine, "", DatasetPlain, nil, 0, "", shippedAt, map[string]string{}},
	}, {
		name: "structured: an ECS error is not read again from the message",
		doc: doc(t, map[string]any{"@timestamp": shipped, "message": "WARN not a level here", "ecs.version": "8.11",
			"error.type": "java.lang.IllegalStateException", "error.stack_trace": "java.lang.IllegalStateException: boom\n\tat com.acme.A.b(A.java:1)\n"}),
		want: want{"", "WARN not a level here", "", DatasetECS, []string{"java.lang.IllegalStateException"}, 1, "com.acme.A.b", shippedAt, map[string]string{}},
	}}
	var lines []string
	for _, c := range cases {
		lines = append(lines, `{"create":{}}`, c.doc)
	}
	res, out := h.bulk(t, lines...)
	if res.StatusCode != 200 || out.Errors {
		t.Fatalf("status %d, answer %+v", res.StatusCode, out)
	}
	evs := h.stored(t)
	if len(evs) != len(cases) {
		t.Fatalf("stored %d events, want %d", len(evs), len(cases))
	}
	for i, c := range cases {
		ev, w := evs[i], c.want
		var chain []string
		for _, ex := range ev.Faultline.Exceptions {
			chain = append(chain, ex.Type)
		}
		frames, first := 0, ""
		if len(ev.Faultline.Exceptions) > 0 {
			fs := ev.Faultline.Exceptions[0].Frames
			frames = len(fs)
			if len(fs) > 0 {
				first = fs[0].Function()
			}
		}
		if ev.Log.Level != w.level || ev.Message != w.message || ev.Faultline.Platform != w.platform || ev.Event.Dataset != w.dataset ||
			!slices.Equal(chain, w.chain) || frames != w.frames || first != w.firstFrame {
			t.Errorf("%s:\n got  level %q message %q platform %q dataset %q chain %v frames %d first %q\n want level %q message %q platform %q dataset %q chain %v frames %d first %q",
				c.name, ev.Log.Level, ev.Message, ev.Faultline.Platform, ev.Event.Dataset, chain, frames, first,
				w.level, w.message, w.platform, w.dataset, w.chain, w.frames, w.firstFrame)
		}
		if !w.ts.IsZero() && !ev.Timestamp.Equal(w.ts) {
			t.Errorf("%s: timestamp %s, want %s", c.name, ev.Timestamp, w.ts)
		}
		if len(w.chain) > 0 && (ev.Error == nil || ev.Error.Type != w.chain[0] || ev.Error.StackTrace == "") {
			t.Errorf("%s: error %+v, want type %s and the stack text", c.name, ev.Error, w.chain[0])
		}
		for k, v := range w.labels {
			if ev.Labels[k] != v {
				t.Errorf("%s: label %s = %q, want %q (labels %v)", c.name, k, ev.Labels[k], v, ev.Labels)
			}
		}
		for _, k := range []string{"log", "event_original", "message"} {
			if _, ok := ev.Labels[k]; ok {
				t.Errorf("%s: the line is also kept as label %s", c.name, k)
			}
		}
	}
	if ev := evs[3]; ev.Host == nil || ev.Host.Name != "web-1" {
		t.Errorf("Vector's host: %+v", ev.Host)
	}
}

// Before text lines were read, Fluent Bit's log field was refused item by
// item; a document with neither it nor message still is, with the fields
// it could have used named.
func TestBulkLogFieldAccepted(t *testing.T) {
	h := newHarness(t, Config{})
	res, out := h.bulk(t,
		`{"index":{}}`, `{"@timestamp":"2026-01-02T03:05:00Z","log":"2026-01-02 03:04:08.000 [main] ERROR c.a.shop.Pool - pool exhausted"}`,
		`{"index":{}}`, `{"@timestamp":"2026-01-02T03:05:00Z","log":{"offset":3}}`,
		`{"index":{}}`, `{"@timestamp":"2026-01-02T03:05:00Z","log":""}`,
	)
	if res.StatusCode != 200 || !out.Errors || len(out.Items) != 3 {
		t.Fatalf("status %d, answer %+v", res.StatusCode, out)
	}
	for i, want := range []float64{201, 400, 400} {
		if got := out.Items[i]["index"]["status"]; got != want {
			t.Errorf("item %d: %v, want %v", i, out.Items[i], want)
		}
	}
	evs := h.stored(t)
	if len(evs) != 1 || evs[0].Log.Level != "ERROR" || evs[0].Message != "2026-01-02 03:04:08.000 [main] ERROR c.a.shop.Pool - pool exhausted" {
		t.Errorf("stored %+v", evs)
	}
}
