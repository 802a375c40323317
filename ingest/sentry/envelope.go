package sentry

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/faultline/faultline/internal/event"
)

// MaxItems bounds the items of one envelope. SDKs send one event, or a
// handful of sessions and client reports; thousands of items are an attack
// on the parser, not a batch.
const MaxItems = 1000

// Envelope is a parsed Sentry envelope: its header and its items, payloads
// pointing into the body.
type Envelope struct {
	Header Header
	Items  []Item
}

// Header is the envelope's first line; only what faultline uses.
type Header struct {
	EventID string `json:"event_id"`
	DSN     string `json:"dsn"`
}

// Item is one item of an envelope.
type Item struct {
	Type    string
	Payload []byte
}

// errTooMany tells an envelope refused for its item count (413) from a
// malformed one (400).
type errTooMany struct{ n int }

func (e errTooMany) Error() string {
	return fmt.Sprintf("envelope has more than %d items", e.n)
}

// ParseEnvelope reads Sentry's envelope framing: a JSON header line, then
// items, each a JSON header line with "type" and an optional "length",
// followed by its payload: length bytes when given, else up to the next
// newline. Items of any type are returned; which ones count is the
// caller's business, so an unknown type is never an error.
func ParseEnvelope(body []byte) (Envelope, error) {
	var env Envelope
	line, rest := cutLine(body)
	if len(bytes.TrimSpace(line)) == 0 {
		return env, fmt.Errorf("envelope header: empty; the first line must be a JSON object")
	}
	if err := json.Unmarshal(line, &env.Header); err != nil {
		return env, fmt.Errorf("envelope header: %w", err)
	}
	for n := 1; len(rest) > 0; n++ {
		line, rest = cutLine(rest)
		if len(bytes.TrimSpace(line)) == 0 {
			n--
			continue // a trailing or doubled newline
		}
		if len(env.Items) == MaxItems {
			return env, errTooMany{MaxItems}
		}
		var h struct {
			Type   string          `json:"type"`
			Length json.RawMessage `json:"length"`
		}
		if err := json.Unmarshal(line, &h); err != nil {
			return env, fmt.Errorf("item %d header: %w", n, err)
		}
		if h.Type == "" {
			return env, fmt.Errorf("item %d header: no \"type\"", n)
		}
		var payload []byte
		if len(h.Length) == 0 || string(h.Length) == "null" {
			payload, rest = cutLine(rest)
		} else {
			length, err := strconv.ParseUint(string(h.Length), 10, 63)
			if err != nil {
				return env, fmt.Errorf("item %d (%s): length %s is not a byte count", n, h.Type, h.Length)
			}
			if length > uint64(len(rest)) {
				return env, fmt.Errorf("item %d (%s): length %d runs past the end of the body (%d bytes left)", n, h.Type, length, len(rest))
			}
			payload, rest = rest[:length], rest[length:]
			// The newline after a payload is optional.
			if len(rest) > 0 && rest[0] == '\n' {
				rest = rest[1:]
			} else if len(rest) > 1 && rest[0] == '\r' && rest[1] == '\n' {
				rest = rest[2:]
			}
		}
		env.Items = append(env.Items, Item{Type: h.Type, Payload: payload})
	}
	return env, nil
}

// cutLine splits b after its first line, dropping the newline (and a
// carriage return before it).
func cutLine(b []byte) (line, rest []byte) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return b, nil
	}
	line, rest = b[:i], b[i+1:]
	return bytes.TrimSuffix(line, []byte("\r")), rest
}

// DecodeEnvelope maps the event items of an envelope to canonical events,
// as the envelope route does before it delivers them, without a server:
// items of other types are skipped, and an event without its own id takes
// the envelope's. The service is left to the caller (the route takes it
// from the key).
func DecodeEnvelope(body []byte) ([]event.Event, error) {
	env, err := ParseEnvelope(body)
	if err != nil {
		return nil, err
	}
	var evs []event.Event
	for i, it := range env.Items {
		if it.Type != "event" && it.Type != "error" {
			continue
		}
		ev, err := Decode(it.Payload)
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", i+1, err)
		}
		if ev.Event.ID == "" {
			ev.Event.ID = normalID(env.Header.EventID)
		}
		evs = append(evs, ev)
	}
	return evs, nil
}
