package event_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/faultline/faultline/ingest"
	"github.com/faultline/faultline/internal/event"
)

// TestCodecMatchesEncodingJSON encodes every event the real libraries wrote
// with both encoders.
func TestCodecMatchesEncodingJSON(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "schemas", "testdata", "*", "*.ndjson"))
	if len(files) < 6 {
		t.Fatalf("found only %d fixture files", len(files))
	}
	var evs []event.Event
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range bytes.Split(raw, []byte("\n")) {
			if ev, err := ingest.ParseEvent(line); err == nil {
				evs = append(evs, ev)
			}
		}
	}
	// What the fixtures lack: escapes, HTML characters, invalid UTF-8 in a
	// label, every optional part.
	evs = append(evs, event.Event{
		Timestamp: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC),
		Message:   "a <b> & \"c\"\n\t\u2028 \x01 \xff",
		Process:   &event.Process{Thread: event.Thread{Name: "main"}},
		Host:      &event.Host{Name: "h"},
		Trace:     &event.Trace{ID: "t"},
		Labels:    map[string]string{"z": "1", "a": "2", "m": "\xc3("},
		Event:     event.Meta{ID: "id", Ingested: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))},
		Faultline: event.Faultline{Fingerprint: "f", Exceptions: []event.Exception{{Type: "T", Frames: []event.Frame{{Class: "C", Method: "m", Line: 3}}}}},
	}, event.Event{})
	for i := range evs {
		got, err := event.Marshal(&evs[i])
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(&evs[i])
		if !bytes.Equal(got, want) {
			t.Fatalf("event %d:\n got %s\nwant %s", i, got, want)
		}
	}
	t.Logf("%d events encode and decode the same", len(evs))
}
