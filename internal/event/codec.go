package event

import (
	gojson "github.com/goccy/go-json"
)

// Marshal and Unmarshal are the event's wire form on the stream and in
// Elasticsearch. goccy/go-json writes the same bytes as encoding/json (the
// codec test holds it to that) in about half the time, and every accepted
// event is encoded by ingest and decoded by the processor.
func Marshal(e *Event) ([]byte, error) { return gojson.Marshal(e) }

// Unmarshal reads an event written by Marshal (or by encoding/json).
func Unmarshal(data []byte, e *Event) error { return gojson.Unmarshal(data, e) }
