package ingest

import (
	"strconv"
	"testing"

	"github.com/rs/zerolog"
)

// FuzzParseBulk: whatever the body, the bulk parser answers with items or an
// error, never a panic, and every item is answered (event or reason).
func FuzzParseBulk(f *testing.F) {
	for _, seed := range []string{
		"{\"create\":{\"_id\":\"a\"}}\n{\"message\":\"boom\",\"log.level\":\"ERROR\"}\n",
		"{\"index\":{\"_index\":\"x\"}}\n{\"no\":1}\n{\"delete\":{\"_id\":\"y\"}}\n",
		"{\"update\":{}}\n{\"doc\":{}}\n",
		"{\"create\":{}}\n",
		"\n\n{}\n",
		"[1,2]\n",
		"{\"index\":{}}\n" + logbackSample + "\n",
		"{\"create\":{}}\n{\"@timestamp\":\"2026-11-25T07:00:00Z\",\"message\":\"x\"}\n{\"create\":{}}\n{\"@timestamp\":\"2026-11-25T07:00:00Z\",\"message\":\"x\"}\n",
		// Shipped text lines: in message, Fluent Bit's log, ECS event.original.
		"{\"index\":{}}\n{\"@timestamp\":\"2026-01-02T03:05:00Z\",\"log\":" + strconv.Quote(javaTextLine) + "}\n",
		"{\"index\":{}}\n{\"message\":" + strconv.Quote(pythonTextLine) + ",\"host\":\"web-1\"}\n",
		"{\"index\":{}}\n{\"message\":" + strconv.Quote(goTextLine) + ",\"ecs\":{\"version\":\"8.0.0\"},\"log\":{\"offset\":1}}\n",
		"{\"index\":{}}\n{\"event\":{\"original\":" + strconv.Quote(nodeTextLine) + "}}\n",
		"{\"index\":{}}\n{\"event.original\":\"[2026-01-02T03:04:05Z] ERROR x\\n\\tat a.B.c(B.java:1)\"}\n",
		"{\"index\":{}}\n{\"log\":\"level=error ts=nope\\n  File \\\"x\\\"\\n.go:\",\"message\":null}\n",
		"{\"index\":{}}\n{\"log\":\" \\n\\t\"}\n{\"index\":{}}\n{\"log\":{\"x\":1}}\n",
		// A JSON log tailed without a parser: the line is an event of its own.
		"{\"index\":{}}\n{\"stream\":\"stdout\",\"log\":" + strconv.Quote(logbackSample) + "}\n",
		"{\"index\":{}}\n{\"log\":\"{\\\"message\\\":{}}\",\"service.name\":\"a\"}\n",
	} {
		f.Add([]byte(seed))
	}
	srv, err := New(nil, nil, zerolog.Nop(), Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		items, err := srv.parseBulk(body, "logs-x", "", &idRules{})
		if err != nil {
			if len(items) != 0 {
				t.Fatalf("error %v with %d items", err, len(items))
			}
			return
		}
		if len(items) == 0 {
			t.Fatal("no error and no items")
		}
		for i, it := range items {
			if (it.ev == nil) == (it.err == "") {
				t.Fatalf("item %d: event %v, reason %q: want exactly one", i, it.ev != nil, it.err)
			}
			if it.ev != nil && (it.ev.id == "" || it.id != it.ev.id) {
				t.Fatalf("item %d: id %q, event id %q", i, it.id, it.ev.id)
			}
		}
	})
}
