package sentry

import (
	"testing"
)

// FuzzParseEnvelope: no input panics the parser or the event mapping; an
// accepted envelope has at most MaxItems items whose payloads fit in the
// body, and a decoded event always has a message.
func FuzzParseEnvelope(f *testing.F) {
	for _, seed := range [][]byte{
		envelope(`{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","dsn":"https://k@h/1"}`, `{"type":"event"}`, envelopeEvent),
		[]byte("{}\n{\"type\":\"attachment\",\"length\":3}\na\nb\n{\"type\":\"event\",\"length\":16}\n{\"message\":\"x\"}"),
		[]byte("{}\r\n{\"type\":\"event\",\"length\":99}\r\n{}"),
		[]byte("{}\n{\"type\":\"event\",\"length\":-1}\n{}"),
		[]byte("{}\n{\"type\":\"event\",\"length\":1e3}\n{}"),
		[]byte("{}\n\n\n{\"type\":\"session\"}"),
		envelope(`{}`, `{"type":"event"}`, `{"exception":{"values":[{"type":"E","value":"v","module":"m","mechanism":{"type":"generic","handled":false},"stacktrace":{"frames":[{"function":"f","module":"m","lineno":3,"in_app":true}]}}]},"tags":[["a","b"]],"fingerprint":["{{default}}",1],"timestamp":1700000000.5,"contexts":{"trace":{"trace_id":"abc"}}}`),
		envelope(`{}`, `{"type":"event"}`, `{"exception":[{"type":"E"}],"message":{"formatted":"x"},"timestamp":"2026-01-02T03:04:05"}`),
		envelope(`{}`, `{"type":"event"}`, `{"platform":"python","exception":{"values":[{"type":"V","mechanism":{"exception_id":1,"source":"exceptions[0]","parent_id":0}},{"type":"G","mechanism":{"exception_id":0,"parent_id":1,"is_exception_group":true}}]}}`),
		envelope(`{}`, `{"type":"event"}`, `{"platform":"node","exception":{"values":[{"type":"E","mechanism":{"exception_id":0,"parent_id":0,"is_exception_group":true},"stacktrace":{"frames":[{"function":"?"}]}}]}}`),
		[]byte(`{"event_id":`),
		nil,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		env, err := ParseEnvelope(body)
		if err != nil {
			return
		}
		if len(env.Items) > MaxItems {
			t.Fatalf("%d items", len(env.Items))
		}
		total := 0
		for _, it := range env.Items {
			total += len(it.Payload)
			if it.Type == "" {
				t.Fatal("an item without a type")
			}
			ev, err := Decode(it.Payload)
			if err == nil && ev.Message == "" {
				t.Fatalf("decoded an event without a message from %q", it.Payload)
			}
		}
		if total > len(body) {
			t.Fatalf("payloads of %d bytes from a body of %d", total, len(body))
		}
	})
}
