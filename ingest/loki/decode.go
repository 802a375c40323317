package loki

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/loki/pkg/push"
	"github.com/klauspost/compress/snappy"

	"github.com/faultline/faultline/internal/event"
)

type label struct{ name, value string }

// entry is one log line of a stream.
type entry struct {
	ts   time.Time
	line string
	meta []label // structured metadata
}

type stream struct {
	labels  []label
	entries []entry
}

// errUnsupported marks a body whose Content-Type is neither of Loki's.
type errUnsupported struct{ contentType string }

// errTooLarge marks a body that decompresses past the body limit.
type errTooLarge struct{ n, limit int64 }

func (e errTooLarge) Error() string {
	return fmt.Sprintf("body decompresses to %d bytes, more than %d", e.n, e.limit)
}

func (e errUnsupported) Error() string {
	return fmt.Sprintf("content type %q is not a Loki push: send application/json, or application/x-protobuf with a snappy-compressed body", e.contentType)
}

// decode reads a push body in the encoding its Content-Type names, as Loki
// does: JSON for application/json, else snappy-compressed protobuf (what
// Promtail, Alloy and loki4j's protobuf mode send, some without a type).
// limit bounds the decompressed protobuf.
func decode(body []byte, contentType string, limit int64) ([]stream, error) {
	mt := ""
	if contentType != "" {
		var err error
		if mt, _, err = mime.ParseMediaType(contentType); err != nil {
			return nil, errUnsupported{contentType}
		}
	}
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return decodeJSON(body)
	case mt == "" || mt == "application/x-protobuf" || mt == "application/octet-stream":
		return decodeProto(body, limit)
	}
	return nil, errUnsupported{contentType}
}

func decodeProto(body []byte, limit int64) ([]stream, error) {
	n, err := snappy.DecodedLen(body)
	if err != nil {
		return nil, fmt.Errorf("body is not snappy-compressed protobuf: %w", err)
	}
	if int64(n) > limit {
		return nil, errTooLarge{int64(n), limit}
	}
	raw, err := snappy.Decode(nil, body)
	if err != nil {
		return nil, fmt.Errorf("body is not snappy-compressed protobuf: %w", err)
	}
	var req push.PushRequest
	if err := req.Unmarshal(raw); err != nil {
		return nil, fmt.Errorf("body is not a Loki PushRequest: %w", err)
	}
	out := make([]stream, len(req.Streams))
	for i, s := range req.Streams {
		ls, err := parseLabels(s.Labels)
		if err != nil {
			return nil, fmt.Errorf("streams[%d]: %w", i, err)
		}
		out[i].labels = ls
		out[i].entries = make([]entry, len(s.Entries))
		for j, e := range s.Entries {
			en := entry{ts: e.Timestamp, line: e.Line}
			for _, m := range e.StructuredMetadata {
				en.meta = append(en.meta, label{m.Name, m.Value})
			}
			out[i].entries[j] = en
		}
	}
	return out, nil
}

type jsonPush struct {
	Streams []struct {
		Stream map[string]string   `json:"stream"`
		Values [][]json.RawMessage `json:"values"`
	} `json:"streams"`
}

func decodeJSON(body []byte) ([]stream, error) {
	var req jsonPush
	d := json.NewDecoder(bytes.NewReader(body))
	if err := d.Decode(&req); err != nil {
		return nil, fmt.Errorf(`body is not a Loki JSON push ({"streams":[{"stream":{…},"values":[["<unix ns>","<line>"]]}]}): %w`, err)
	}
	if d.More() {
		return nil, fmt.Errorf("body has more after its JSON object")
	}
	out := make([]stream, len(req.Streams))
	for i, s := range req.Streams {
		names := make([]string, 0, len(s.Stream))
		for k := range s.Stream {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, k := range names {
			out[i].labels = append(out[i].labels, label{k, s.Stream[k]})
		}
		out[i].entries = make([]entry, len(s.Values))
		for j, v := range s.Values {
			en, err := jsonEntry(v)
			if err != nil {
				return nil, fmt.Errorf("streams[%d].values[%d]: %w", i, j, err)
			}
			out[i].entries[j] = en
		}
	}
	return out, nil
}

// jsonEntry reads ["<unix ns>", "<line>", {structured metadata}?].
func jsonEntry(v []json.RawMessage) (entry, error) {
	if len(v) != 2 && len(v) != 3 {
		return entry{}, fmt.Errorf(`has %d elements; want ["<unix ns>", "<line>"] or ["<unix ns>", "<line>", {metadata}]`, len(v))
	}
	var ts, line string
	if err := json.Unmarshal(v[0], &ts); err != nil {
		return entry{}, fmt.Errorf("timestamp %s is not a string of Unix nanoseconds", clip(string(v[0])))
	}
	ns, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || ns < 0 {
		return entry{}, fmt.Errorf("timestamp %s is not Unix nanoseconds", clip(ts))
	}
	if err := json.Unmarshal(v[1], &line); err != nil {
		return entry{}, fmt.Errorf("line %s is not a string", clip(string(v[1])))
	}
	en := entry{line: line}
	if ns > 0 {
		en.ts = time.Unix(0, ns).UTC()
	}
	if len(v) == 3 {
		var meta map[string]string
		if err := json.Unmarshal(v[2], &meta); err != nil {
			return entry{}, fmt.Errorf("structured metadata %s is not an object of strings", clip(string(v[2])))
		}
		names := make([]string, 0, len(meta))
		for k := range meta {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, k := range names {
			en.meta = append(en.meta, label{k, meta[k]})
		}
	}
	return en, nil
}

// Decode maps a push body (JSON, or snappy-compressed protobuf) to
// canonical events, as the push route does before it delivers them,
// without a server and with ingest's default limits (a line up to 1 MiB,
// 5 MiB of decompressed protobuf). A line the route would refuse fails the
// whole body here, named by its position.
func Decode(body []byte, contentType string) ([]event.Event, error) {
	const maxDecompressed, maxLine = 5 << 20, 1 << 20
	streams, err := decode(body, contentType, maxDecompressed)
	if err != nil {
		return nil, err
	}
	var evs []event.Event
	for i, s := range streams {
		for j, en := range s.entries {
			ev, err := toEvent(s.labels, en, maxLine)
			if err != nil {
				return nil, fmt.Errorf("streams[%d].values[%d]: %w", i, j, err)
			}
			evs = append(evs, ev)
		}
	}
	return evs, nil
}
