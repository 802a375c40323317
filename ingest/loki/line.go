package loki

import (
	"fmt"
	"strings"

	"github.com/faultline/faultline/ingest"
	"github.com/faultline/faultline/internal/event"
)

// DatasetText is the dataset of an event read from a text line (a JSON
// line keeps the format ingest detected).
const DatasetText = ingest.DatasetText

// Bounds on what one entry may carry besides its line: Loki's own defaults
// for label names and values, and room for its labels plus metadata.
const (
	maxLabels     = 64
	maxNameBytes  = 1024
	maxValueBytes = 2048
)

// toEvent reads one entry of a stream. The line decides first (its own
// level, time, service), the entry's metadata and the stream's labels fill
// in what it did not say.
func toEvent(labels []label, en entry, maxEventBytes int) (event.Event, error) {
	if len(en.line) > maxEventBytes {
		return event.Event{}, fmt.Errorf("line is %d bytes, larger than the %d byte limit", len(en.line), maxEventBytes)
	}
	if n := len(labels) + len(en.meta); n > maxLabels {
		return event.Event{}, fmt.Errorf("%d labels and structured metadata, more than %d", n, maxLabels)
	}
	merged := make(map[string]string, len(labels)+len(en.meta))
	for _, set := range [][]label{labels, en.meta} {
		for _, l := range set {
			switch {
			case len(l.name) > maxNameBytes:
				return event.Event{}, fmt.Errorf("label name %s is %d bytes, longer than %d", clip(l.name), len(l.name), maxNameBytes)
			case len(l.value) > maxValueBytes:
				return event.Event{}, fmt.Errorf("label %s is %d bytes, longer than %d", clip(l.name), len(l.value), maxValueBytes)
			}
			if l.value != "" {
				merged[l.name] = l.value
			}
		}
	}
	if strings.TrimSpace(en.line) == "" {
		return event.Event{}, fmt.Errorf("line is empty")
	}
	var ev event.Event
	if t := strings.TrimSpace(en.line); strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
		if jev, err := ingest.ParseEvent([]byte(t)); err == nil {
			ev = jev
		} else {
			ev = ingest.ParseText(en.line)
		}
	} else {
		ev = ingest.ParseText(en.line)
	}
	for k, v := range ev.Labels {
		merged[k] = v
	}
	ev.Labels = merged
	if ev.Service.Name == "" {
		ev.Service.Name = first(merged, "service_name", "service", "app", "job")
	}
	if ev.Service.Environment == "" {
		ev.Service.Environment = first(merged, "env", "environment", "deployment_environment")
	}
	if ev.Host == nil {
		if h := first(merged, "host", "hostname", "host_name"); h != "" {
			ev.Host = &event.Host{Name: h}
		}
	}
	if ev.Trace == nil {
		if id := first(merged, "trace_id", "traceId", "traceID"); id != "" {
			ev.Trace = &event.Trace{ID: id}
		}
	}
	if ev.Log.Level == "" {
		ev.Log.Level = ingest.Level(first(merged, "level", "detected_level", "severity"))
	}
	if ev.Log.Level == "" && len(ev.Faultline.Exceptions) > 0 {
		// A trace printed without a level is an error being reported.
		ev.Log.Level = "ERROR"
	}
	if ev.Log.Logger == "" {
		ev.Log.Logger = merged["logger"]
	}
	if ev.Process == nil && merged["thread"] != "" {
		ev.Process = &event.Process{Thread: event.Thread{Name: merged["thread"]}}
	}
	if ev.Timestamp.IsZero() {
		ev.Timestamp = en.ts
	}
	return ev, nil
}

// first is the first non-empty value among keys; "default", logback's
// unnamed context (loki4j's app label), names nothing.
func first(m map[string]string, keys ...string) string {
	for _, k := range keys {
		if v := m[k]; v != "" && v != "default" {
			return v
		}
	}
	return ""
}
