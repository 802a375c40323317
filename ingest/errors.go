package ingest

import "errors"

var (
	// errNoMessage is ParseEvent's answer for a JSON document with no
	// "message" field in any of the shapes it reads; parseShipped then tries
	// the document's line fields as the message.
	errNoMessage = errors.New(`no "message" field (expected logback, logstash, ECS or plain JSON with a message)`)

	// errNoECSMessage is ParseEvent's answer for an ECS document with neither
	// a message nor an error type or stack trace.
	errNoECSMessage = errors.New(`ECS event has no "message" and no "error.type" or "error.stack_trace"`)

	// errNotSetUp is answered to a client while the streams are still being
	// set up (NATS unreachable since start-up). It names no address: /readyz
	// tells an operator which server and why.
	errNotSetUp = errors.New("the event stream is not set up yet (NATS unreachable since start-up)")
)
