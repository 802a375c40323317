package event

import (
	gojson "github.com/goccy/go-json"
)

// Marshal is the event's wire form on the stream and in Elasticsearch.
// goccy/go-json writes the same bytes as encoding/json (the codec test holds
// it to that), faster, and every accepted event is encoded by ingest and
// again by the processor. Decoding is Unmarshal's own reader, not goccy's:
// goccy's decoded strings can share the input's memory, which cached events
// would pin.
func Marshal(e *Event) ([]byte, error) { return gojson.Marshal(e) }
