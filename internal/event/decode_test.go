package event_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/faultline/faultline/ingest"
	"github.com/faultline/faultline/internal/event"
)

// fixtureEvents is every fixture event the real libraries wrote, normalised
// by ingest, plus what the fixtures lack: escapes, HTML characters, invalid
// UTF-8, every optional part, and nothing at all.
func fixtureEvents(t testing.TB) []event.Event {
	files, _ := filepath.Glob(filepath.Join("..", "..", "schemas", "testdata", "*", "*.ndjson"))
	if len(files) < 6 {
		t.Fatalf("found only %d fixture files", len(files))
	}
	evs := []event.Event{{
		Timestamp: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC),
		Message:   "a <b> & \"c\"\n\t\u2028 \x01 \xff \U0001F600",
		Process:   &event.Process{Thread: event.Thread{Name: "main"}},
		Service:   event.Service{Name: "s", Environment: "prod", Version: "1.2.3"},
		Host:      &event.Host{Name: "h"},
		Error:     &event.Error{Type: "T", Message: "m", StackTrace: "T: m\n\tat C.m(C.java:3)"},
		Trace:     &event.Trace{ID: "t"},
		Labels:    map[string]string{"z": "1", "a": "2", "m": "\xc3(", "": ""},
		Event:     event.Meta{ID: "id", Ingested: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)), Dataset: "ecs"},
		Faultline: event.Faultline{Fingerprint: "f", MessageTemplate: "a {}", Platform: "go", Exceptions: []event.Exception{
			{Type: "T", Message: "m", Frames: []event.Frame{{Class: "C", Method: "m", File: "C.java", Line: 3}, {Class: "D", Method: "<init>", Line: -1}}},
			{Type: "U"},
		}},
	}, {}}
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
	return evs
}

// wireEvents is fixtureEvents encoded as on the stream.
func wireEvents(t testing.TB) [][]byte {
	evs := fixtureEvents(t)
	out := make([][]byte, len(evs))
	for i := range evs {
		b, err := event.Marshal(&evs[i])
		if err != nil {
			t.Fatal(err)
		}
		out[i] = b
	}
	return out
}

// TestUnmarshalReadsWireEvents: everything Marshal writes takes the fast
// reader and comes back as encoding/json reads it.
func TestUnmarshalReadsWireEvents(t *testing.T) {
	wire := wireEvents(t)
	for i, b := range wire {
		var fast event.Event
		if err := event.FastUnmarshal(b, &fast); err != nil {
			t.Fatalf("event %d took the slow path (%v): %s", i, err, b)
		}
		var want event.Event
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(fast, want) {
			t.Fatalf("event %d:\n got %+v\nwant %+v", i, fast, want)
		}
	}
	t.Logf("%d wire events", len(wire))
}

// decodeSeeds are what the stream should never hold but might: each one
// leaves the fast reader somewhere else.
var decodeSeeds = []string{
	`{"MESSAGE":"folded key"}`,
	`{"message":"a","message":"repeated key"}`,
	`{"error":{"type":"A"},"error":{"message":"merged by encoding/json"}}`,
	`{"message":null,"process":null,"labels":{"a":null},"faultline":{"exceptions":[null,{"frames":[null]}]}}`,
	`{"message":1}`,
	`{"labels":{"a":1}}`,
	`{"faultline":{"exceptions":[{"frames":[{"line":1e2}]}]}}`,
	`{"faultline":{"exceptions":[{"frames":[{"line":99999999999999999999}]}]}}`,
	`{"faultline":{"exceptions":{}}}`,
	`{"@timestamp":"2026-01-02T03:04:05\u005a"}`,
	`{"@timestamp":"yesterday"}`,
	`{"@timestamp":"2026-01-02T03:04:05+01:00","event":{"ingested":"2026-01-02T03:04:05.123456789-07:30"}}`,
	`{"message":"lone \ud800 surrogate"}`,
	"{\"message\":\"raw \x01 control\"}",
	"{\"message\":\"bad \xff utf-8\"}",
	"{\"message\":\"ok\"}\n",
	`{"message":"a",}`,
	`[]`,
	`"event"`,
	`{"labels":{"a":"1","a":"2"}}`,
	`{"labels":{},"faultline":{"exceptions":[]}}`,
	`{"unknown":{"deep":[1,2,{"x":null}]},"message":"kept"}`,
	`{"service":{"name":"a","Name":"b"}}`,
	`{"faultline":{"stored_at":"2026-11-25T09:30:00.5Z","fingerprint":"x"}}`,
	`{"faultline":{"stored_at":null}}`,
	`{"faultline":{"stored_at":"yesterday"}}`,
	`{"faultline":{"stored_at":12}}`,
	// What the parser takes and JSON does not, in read and skipped members.
	`{"faultline":{"exceptions":[{"type":"E","frames":[{"class":"C","method":"m","line":07}]}]}}`,
	`{"faultline":{"exceptions":[{"type":"E","frames":[{"class":"C","method":"m","line":+7}]}]}}`,
	`{"faultline":{"exceptions":[{"type":"E","frames":[{"class":"C","method":"m","line":-0}]}]}}`,
	`{"faultline":{"exceptions":[{"type":"E","frames":[{"class":"C","method":"m","line":nan}]}]}}`,
	`{"faultline":{"exceptions":[{"type":"E","frames":[{"class":"C","method":"m","line":1e2}]}]}}`,
	`{"message":"x","extra":01}`,
	`{"message":"x","extra":[1,-inf]}`,
	`{"message":"bad \x escape"}`,
	`{"message":"short \u12"}`,
	`{"message":"\u00e9\u00C9 \/ \b\f\n\r\t \\"}`,
	`{"message":"trailing backslash \`,
	`{"me\u0073sage":"escaped key"}`,
	`{"faultline":{"exceptions":[{"type":"E","frames":[{"class":"C","method":"m","in_app":true},{"method":"n","in_app":false},{"method":"o","in_app":1}]}]}}`,
}

// stored is a write time with nanoseconds, which RFC 3339 with trailing
// zeros trimmed must write as Marshal does.
var stored = time.Date(2026, 11, 25, 9, 30, 0, 120000000, time.UTC)

// TestFingerprintSlot: adding the fingerprint and write time to the wire
// form gives the bytes Marshal writes for the event with them.
func TestFingerprintSlot(t *testing.T) {
	for i, b := range wireEvents(t) {
		var ev event.Event
		if err := event.Unmarshal(b, &ev); err != nil {
			t.Fatal(err)
		}
		ev.Faultline.Fingerprint, ev.Faultline.StoredAt, ev.Faultline.GroupingStrategy = "", nil, ""
		wire, _ := event.Marshal(&ev)
		slot, err := event.ReadWire(wire, &ev)
		if err != nil {
			t.Fatal(err)
		}
		for _, at := range []time.Time{stored, stored.Truncate(time.Second), stored.In(time.FixedZone("CET", 3600))} {
			got, ok := slot.Insert(wire, "0a1b2c", "faultline:2", at)
			if !ok {
				t.Fatalf("event %d has no slot: %s", i, wire)
			}
			utc := at.UTC()
			ev.Faultline.Fingerprint, ev.Faultline.StoredAt, ev.Faultline.GroupingStrategy = "0a1b2c", &utc, "faultline:2"
			want, _ := event.Marshal(&ev)
			if !bytes.Equal(got, want) {
				t.Fatalf("event %d:\n got %s\nwant %s", i, got, want)
			}
			// A bulk body is sized from Len before the stamped events are
			// appended to it.
			if st, _ := slot.Stamp(wire, "0a1b2c", "faultline:2", at); st.Len(wire) != len(want) || !bytes.Equal(st.AppendTo([]byte("x"), wire)[1:], want) {
				t.Fatalf("event %d: stamp of length %d appends %s, want %d bytes", i, st.Len(wire), st.AppendTo(nil, wire), len(want))
			}
			ev.Faultline.Fingerprint, ev.Faultline.StoredAt, ev.Faultline.GroupingStrategy = "", nil, ""
		}
	}
	for _, s := range []string{
		`{"faultline":{"fingerprint":""}}`,
		`{"faultline":{"fingerprint":null}}`,
		`{"faultline":{"stored_at":null}}`,
		`{"faultline":{"stored_at":"2026-11-25T09:30:00Z"}}`,
		`{"faultline":{"grouping_strategy":null}}`,
		`{"faultline":{"grouping_strategy":"faultline:1"}}`,
		`{"x":{"faultline":{}},"faultline":{}}`,
		`{"faultline":{"exceptions":[]},"labels":{"faultline":"x"}}`,
		`{"faultl\u0069ne":{}}`,
	} {
		var ev event.Event
		slot, err := event.ReadWire([]byte(s), &ev)
		if err != nil {
			t.Fatal(err)
		}
		out, ok := slot.Insert([]byte(s), "0a1b2c", "faultline:2", stored)
		if s == `{"faultline":{"exceptions":[]},"labels":{"faultline":"x"}}` {
			if !ok || string(out) != `{"faultline":{"fingerprint":"0a1b2c","stored_at":"2026-11-25T09:30:00.12Z","grouping_strategy":"faultline:2","exceptions":[]},"labels":{"faultline":"x"}}` {
				t.Fatalf("%s: %s %v", s, out, ok)
			}
			continue
		}
		if ok {
			t.Fatalf("%s: slot found: %s", s, out)
		}
	}
	if _, ok := (event.FingerprintSlot{}).Insert([]byte(`{}`), "x", "", stored); ok {
		t.Fatal("the zero slot inserted")
	}
	if st := (event.Stamp{}); st.Len([]byte(`{}`)) != 2 || string(st.AppendTo([]byte("x"), []byte(`{}`))) != `x{}` {
		t.Fatal("the zero stamp changed the event")
	}
}

// checkUnmarshal holds Unmarshal to encoding/json on any input, and a
// fingerprint added in the slot to what encoding/json reads back.
func checkUnmarshal(t *testing.T, data []byte) {
	t.Helper()
	var got, want event.Event
	slot, gotErr := event.ReadWire(data, &got)
	if out, ok := slot.Insert(data, "0a1b2c", "faultline:2", stored); ok {
		var back event.Event
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("%q: with fingerprint %q: %v", data, out, err)
		}
		withFP := got
		at := stored
		withFP.Faultline.Fingerprint, withFP.Faultline.StoredAt, withFP.Faultline.GroupingStrategy = "0a1b2c", &at, "faultline:2"
		if !reflect.DeepEqual(back, withFP) {
			t.Fatalf("%q: with fingerprint %q\n got %+v\nwant %+v", data, out, back, withFP)
		}
	}
	wantErr := json.Unmarshal(data, &want)
	var perr *time.ParseError
	if gotErr == nil && errors.As(wantErr, &perr) {
		// The one documented difference: escapes inside a timestamp.
		return
	}
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
		t.Fatalf("%q\nerror %v\nwant  %v", data, gotErr, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q\n got %+v\nwant %+v", data, got, want)
	}
}

func TestUnmarshalMatchesEncodingJSON(t *testing.T) {
	for _, s := range decodeSeeds {
		checkUnmarshal(t, []byte(s))
	}
	// The escaped timestamp is read where encoding/json refuses it.
	var ev event.Event
	if err := event.Unmarshal([]byte(`{"@timestamp":"2026-01-02T03:04:05\u005a"}`), &ev); err != nil || !ev.Timestamp.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Fatalf("escaped timestamp: %v %v", ev.Timestamp, err)
	}
	// A decoded event shares no memory with the message.
	b := []byte(`{"message":"abc","event":{"id":"xyz"}}`)
	if err := event.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	copy(b, bytes.Repeat([]byte("#"), len(b)))
	if ev.Message != "abc" || ev.Event.ID != "xyz" {
		t.Fatalf("strings alias the input: %q %q", ev.Message, ev.Event.ID)
	}
}

func FuzzUnmarshal(f *testing.F) {
	for _, b := range wireEvents(f) {
		f.Add(b)
	}
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(checkUnmarshal)
}

func BenchmarkUnmarshal(b *testing.B) {
	wire := wireEvents(b)
	for _, name := range []string{"fastjson", "encoding/json"} {
		b.Run(name, func(b *testing.B) {
			size := 0
			for _, w := range wire {
				size += len(w)
			}
			b.SetBytes(int64(size / len(wire)))
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				var ev event.Event
				w := wire[i%len(wire)]
				if name == "fastjson" {
					_ = event.Unmarshal(w, &ev)
				} else {
					_ = json.Unmarshal(w, &ev)
				}
			}
		})
	}
}

func TestHasControlByte(t *testing.T) {
	for i := range 256 {
		for _, pos := range []int{0, 5, 8, 13, 16} {
			b := bytes.Repeat([]byte{'a'}, 17)
			b[pos] = byte(i)
			if got, want := event.HasControlByte(b), i < 0x20; got != want {
				t.Errorf("byte %#x at %d: got %v", i, pos, got)
			}
		}
	}
}
