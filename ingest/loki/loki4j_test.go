package loki

import (
	"bufio"
	"github.com/faultline/faultline/ingest/ingesttest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// loki4jBody reads a push the real loki4j appender sent (captured by
// schemas/testdata/generator/loki4j) and the headers it sent it with.
func loki4jBody(t testing.TB, name string) ([]byte, map[string]string) {
	t.Helper()
	path := filepath.Join("..", "..", "schemas", "testdata", "loki", name)
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path + ".headers")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	header := map[string]string{"Authorization": basic(testKey)}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ": ")
		if k == "Content-Type" {
			header[k] = v
		}
	}
	return body, header
}

// TestLoki4j posts what loki4j sent, in both of its encodings, and checks
// the events: its text layout's stack traces read into chains, its level
// and logger from structured metadata, MDC as labels, the key's service.
func TestLoki4j(t *testing.T) {
	for _, name := range []string{"loki4j-json.body", "loki4j-protobuf.body"} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, ingesttest.WithKey(t, testKey, "shop"))
			body, header := loki4jBody(t, name)
			res, text := h.post(t, body, header)
			if res.StatusCode != 204 {
				t.Fatalf("push: %d %q", res.StatusCode, text)
			}
			evs := h.stored(t)
			if len(evs) != 5 {
				t.Fatalf("stored %d events, want loki4j's 5", len(evs))
			}
			levels := []string{"INFO", "ERROR", "ERROR", "ERROR", "WARN"}
			for i, ev := range evs {
				if ev.Log.Level != levels[i] || ev.Service.Name != "shop" || ev.Log.Logger != "com.acme.loki.OrderService" ||
					ev.Process == nil || ev.Process.Thread.Name != "main" || ev.Labels["agent"] != "loki4j" || ev.Service.Environment != "staging" {
					t.Errorf("event %d: level %q service %q logger %q process %+v labels %v env %q", i, ev.Log.Level, ev.Service.Name, ev.Log.Logger, ev.Process, ev.Labels, ev.Service.Environment)
				}
			}
			pay := evs[1]
			if pay.Message != "[main] c.a.l.OrderService - order o-1001 failed" || pay.Labels["requestId"] != "r-o-1001" {
				t.Errorf("message %q, labels %v", pay.Message, pay.Labels)
			}
			exs := pay.Faultline.Exceptions
			if len(exs) != 2 || exs[0].Type != "java.lang.IllegalStateException" || exs[1].Type != "java.net.SocketTimeoutException" ||
				len(exs[0].Frames) == 0 || exs[0].Frames[0].Function() != "com.acme.loki.PaymentService.charge" {
				t.Errorf("exceptions %+v", exs)
			}
			if pay.Error == nil || pay.Error.Type != "java.lang.IllegalStateException" || pay.Faultline.Platform != "" {
				t.Errorf("error %+v platform %q", pay.Error, pay.Faultline.Platform)
			}
			if sku := evs[3]; sku.Error == nil || sku.Error.Type != "java.lang.IllegalArgumentException" {
				t.Errorf("reservation: %+v", sku.Error)
			}
			if evs[0].Timestamp.Year() < 2026 || evs[0].Event.Dataset != DatasetText {
				t.Errorf("timestamp %v dataset %q", evs[0].Timestamp, evs[0].Event.Dataset)
			}
		})
	}
	// Both encodings carry the same events.
	var seen [2][]string
	for i, name := range []string{"loki4j-json.body", "loki4j-protobuf.body"} {
		body, header := loki4jBody(t, name)
		streams, err := decode(body, header["Content-Type"], 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range streams {
			for _, e := range s.entries {
				ev, err := toEvent(s.labels, e, 1<<20)
				if err != nil {
					t.Fatal(err)
				}
				seen[i] = append(seen[i], ev.Log.Level+" "+ev.Message)
			}
		}
	}
	if strings.Join(seen[0], "\n") != strings.Join(seen[1], "\n") {
		t.Errorf("JSON and protobuf differ:\n%v\n%v", seen[0], seen[1])
	}
}
