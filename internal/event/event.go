package event

import (
	"time"
)

// Event is one log event after ingest normalised it. It travels on NATS as
// JSON and is indexed as-is into the events data stream.
type Event struct {
	Timestamp time.Time         `json:"@timestamp"`
	Message   string            `json:"message"`
	Log       Log               `json:"log"`
	Process   *Process          `json:"process,omitempty"`
	Service   Service           `json:"service"`
	Host      *Host             `json:"host,omitempty"`
	Error     *Error            `json:"error,omitempty"`
	Event     Meta              `json:"event"`
	Trace     *Trace            `json:"trace,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	Faultline Faultline         `json:"faultline"`
}

// Log is ECS log.*.
type Log struct {
	Level  string `json:"level,omitempty"`
	Logger string `json:"logger,omitempty"`
}

// Process is ECS process.*; only the thread name is known from log lines.
type Process struct {
	Thread Thread `json:"thread"`
}

// Thread is ECS process.thread.*.
type Thread struct {
	Name string `json:"name,omitempty"`
}

// Service is ECS service.*.
type Service struct {
	Name        string `json:"name"`
	Environment string `json:"environment,omitempty"`
	// Version is the release the app reported (a Sentry SDK's release).
	Version string `json:"version,omitempty"`
}

// Host is ECS host.*.
type Host struct {
	Name string `json:"name,omitempty"`
}

// Error is ECS error.*: the outermost exception, as text.
type Error struct {
	Type       string `json:"type,omitempty"`
	Message    string `json:"message,omitempty"`
	StackTrace string `json:"stack_trace,omitempty"`
}

// Meta is ECS event.*.
type Meta struct {
	ID string `json:"id"`
	// Ingested is when faultline accepted the event; it measures pipeline lag.
	Ingested time.Time `json:"ingested"`
	// Dataset names the input format that was detected (logback, logstash, ecs, plain).
	Dataset string `json:"dataset,omitempty"`
}

// Trace is ECS trace.*.
type Trace struct {
	ID string `json:"id,omitempty"`
}

// Faultline holds what faultline adds: the structured exception chain the
// fingerprint is computed from, the logback message template, and the
// fingerprint itself once the processor set it.
type Faultline struct {
	Fingerprint string `json:"fingerprint,omitempty"`
	// StoredAt is when the processor wrote the event to Elasticsearch. Group
	// counts are recounted from it (processor/tally.go).
	StoredAt *time.Time `json:"stored_at,omitempty"`
	// GroupingStrategy is the grouping version that made Fingerprint
	// (grouping.StrategyV1, …).
	GroupingStrategy string      `json:"grouping_strategy,omitempty"`
	MessageTemplate  string      `json:"message_template,omitempty"`
	Exceptions       []Exception `json:"exceptions,omitempty"`

	// Platform is the runtime the exceptions come from (PlatformPython,
	// PlatformGo, PlatformJavaScript, PlatformJava); empty means Java, as
	// every event was before the other parsers.
	Platform string `json:"platform,omitempty"`
}

// Exception is one link of a cause chain, outermost first in Faultline.Exceptions.
type Exception struct {
	Type    string  `json:"type"`
	Message string  `json:"message,omitempty"`
	Frames  []Frame `json:"frames,omitempty"`
}

// Frame is one stack frame, innermost (the throwing frame) first, as Java prints them.
type Frame struct {
	Class  string `json:"class"`
	Method string `json:"method"`
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	// InApp is the sender's own verdict on whether the frame is the app's
	// code (a Sentry SDK's in_app); nil when it said nothing.
	InApp *bool `json:"in_app,omitempty"`
}

// Function is "Class.method", the way a frame is named in alerts.
func (f Frame) Function() string {
	if f.Class == "" {
		return f.Method
	}
	return f.Class + "." + f.Method
}
