package otlp

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"

	"github.com/faultline/faultline/internal/event"
)

// Dataset is event.dataset of events that came as OTLP log records.
const Dataset = "otlp"

const (
	// maxLabels bounds the labels one record brings (its attributes, the
	// resource's and a map body's members); the rest are counted in the
	// label faultline.dropped_attributes.
	maxLabels = 64
	// maxLabelBytes bounds a label's value; a longer one is cut.
	maxLabelBytes = 4096
	// maxDepth bounds how deep map and array values are flattened or
	// written out; deeper values are written as "…".
	maxDepth = 8
)

// Attributes with a home of their own in the event, not labels.
const (
	attrExceptionType    = "exception.type"
	attrExceptionMessage = "exception.message"
	attrExceptionStack   = "exception.stacktrace"
	attrThreadName       = "thread.name"
)

// resourceInfo is what a resource says about every record under it.
type resourceInfo struct {
	service, version, env, host string
	labels                      map[string]string
}

func readResource(attrs []*commonpb.KeyValue) resourceInfo {
	var ri resourceInfo
	ri.labels = map[string]string{}
	for _, kv := range attrs {
		v := kv.GetValue()
		switch kv.GetKey() {
		case "service.name":
			ri.service = text(v)
		case "service.version":
			ri.version = text(v)
		case "deployment.environment.name":
			ri.env = text(v)
		case "deployment.environment":
			if ri.env == "" {
				ri.env = text(v)
			}
		case "host.name":
			ri.host = text(v)
		default:
			flattenInto(ri.labels, kv.GetKey(), v, 0)
		}
	}
	return ri
}

// toEvent maps one log record to the canonical event.
func toEvent(ri *resourceInfo, scope *commonpb.InstrumentationScope, lr *logspb.LogRecord) (event.Event, error) {
	e := event.Event{
		Service: event.Service{Name: ri.service, Environment: ri.env},
		Event:   event.Meta{Dataset: Dataset},
		Log:     event.Log{Level: level(lr.GetSeverityNumber(), lr.GetSeverityText()), Logger: scope.GetName()},
	}
	if ri.host != "" {
		e.Host = &event.Host{Name: ri.host}
	}
	e.Timestamp = timestamp(lr.GetTimeUnixNano(), lr.GetObservedTimeUnixNano())
	if id := lr.GetTraceId(); len(id) > 0 && !allZero(id) {
		e.Trace = &event.Trace{ID: hex.EncodeToString(id)}
	}

	labels := map[string]string{}
	var exType, exMessage, exStack string
	for _, kv := range lr.GetAttributes() {
		v := kv.GetValue()
		switch kv.GetKey() {
		case attrExceptionType:
			exType = text(v)
		case attrExceptionMessage:
			exMessage = text(v)
		case attrExceptionStack:
			exStack = text(v)
		case attrThreadName:
			e.Process = &event.Process{Thread: event.Thread{Name: text(v)}}
		default:
			flattenInto(labels, kv.GetKey(), v, 0)
		}
	}
	if id := lr.GetSpanId(); len(id) > 0 && !allZero(id) {
		labels["span.id"] = hex.EncodeToString(id)
	}
	if ri.version != "" {
		labels["service.version"] = ri.version
	}
	if name := lr.GetEventName(); name != "" {
		labels["event.name"] = name
	}

	body := lr.GetBody()
	if kvs := body.GetKvlistValue(); kvs != nil && hasMessage(kvs) {
		for _, kv := range kvs.GetValues() {
			switch kv.GetKey() {
			case "message", "msg":
				if e.Message == "" {
					e.Message = text(kv.GetValue())
				}
			default:
				flattenInto(labels, kv.GetKey(), kv.GetValue(), 0)
			}
		}
	} else if body.GetValue() != nil {
		e.Message = text(body)
	}

	setError(&e, exType, exMessage, exStack)
	if e.Message == "" && e.Error != nil {
		// An exception logged without a message still says what happened.
		e.Message = strings.TrimPrefix(e.Error.Type+": "+e.Error.Message, ": ")
	}
	if e.Message == "" {
		return e, errNoBody
	}
	e.Labels = bound(labels, ri.labels)
	return e, nil
}

// setError fills the error fields from the exception attributes: the stack
// text parsed into the exception chain by the parser that reads logback's
// and the other runtimes' stacks, so an OTel appender's events group with
// theirs.
func setError(e *event.Event, typ, msg, stack string) {
	if typ == "" && msg == "" && stack == "" {
		return
	}
	e.Error = &event.Error{Type: typ, Message: msg, StackTrace: stack}
	if stack != "" {
		e.Faultline.Platform, e.Faultline.Exceptions = event.ParseStack(stack)
		if e.Faultline.Platform == event.PlatformJava {
			e.Faultline.Platform = "" // empty means Java, as for logback events
		}
	}
	exs := e.Faultline.Exceptions
	switch {
	case len(exs) == 0 && typ != "":
		e.Faultline.Exceptions = []event.Exception{{Type: typ, Message: msg}}
	case len(exs) > 0 && exs[0].Type == "":
		// Frames without their header line: the type is the attribute's.
		exs[0].Type, exs[0].Message = typ, msg
	}
	if len(e.Faultline.Exceptions) > 0 {
		if e.Error.Type == "" {
			e.Error.Type = e.Faultline.Exceptions[0].Type
		}
		if e.Error.Message == "" {
			e.Error.Message = e.Faultline.Exceptions[0].Message
		}
	}
}

func hasMessage(kvs *commonpb.KeyValueList) bool {
	return slices.ContainsFunc(kvs.GetValues(), func(kv *commonpb.KeyValue) bool {
		return (kv.GetKey() == "message" || kv.GetKey() == "msg") && kv.GetValue().GetStringValue() != ""
	})
}

// bound keeps at most maxLabels labels, the record's own before the
// resource's, each key's winner chosen in sorted order so the same record
// always keeps the same ones.
func bound(own, resource map[string]string) map[string]string {
	out := make(map[string]string, min(len(own)+len(resource), maxLabels+1))
	dropped := 0
	for _, m := range []map[string]string{own, resource} {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if _, ok := out[k]; ok {
				continue
			}
			if len(out) >= maxLabels {
				dropped++
				continue
			}
			out[k] = m[k]
		}
	}
	if dropped > 0 {
		out["faultline.dropped_attributes"] = strconv.Itoa(dropped)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// flattenInto adds v under key, a map's members under dotted keys as
// faultline flattens JSON events. It stops adding once far past the label
// bound, so a huge attribute map costs no more than bound keeps.
func flattenInto(labels map[string]string, key string, v *commonpb.AnyValue, depth int) {
	if len(labels) > 4*maxLabels || key == "" {
		return
	}
	if kvs := v.GetKvlistValue(); kvs != nil && depth < maxDepth {
		for _, kv := range kvs.GetValues() {
			flattenInto(labels, key+"."+kv.GetKey(), kv.GetValue(), depth+1)
		}
		return
	}
	labels[event.Truncate(key, 256)] = event.Cut(text(v), maxLabelBytes)
}

// text is a value as a label or message: a string as it is, other scalars
// written out, maps and arrays as JSON text.
func text(v *commonpb.AnyValue) string {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_KvlistValue, *commonpb.AnyValue_ArrayValue:
		b, err := json.Marshal(plain(v, 0))
		if err != nil {
			return ""
		}
		return string(b)
	}
	s, _ := plain(v, 0).(string)
	return s
}

// plain is v as a Go value for encoding/json; scalars become strings.
func plain(v *commonpb.AnyValue, depth int) any {
	if depth > maxDepth {
		return "…"
	}
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_BoolValue:
		return strconv.FormatBool(x.BoolValue)
	case *commonpb.AnyValue_IntValue:
		return strconv.FormatInt(x.IntValue, 10)
	case *commonpb.AnyValue_DoubleValue:
		if math.IsInf(x.DoubleValue, 0) || math.IsNaN(x.DoubleValue) {
			return fmt.Sprint(x.DoubleValue)
		}
		return strconv.FormatFloat(x.DoubleValue, 'g', -1, 64)
	case *commonpb.AnyValue_BytesValue:
		return base64.StdEncoding.EncodeToString(x.BytesValue)
	case *commonpb.AnyValue_ArrayValue:
		vals := x.ArrayValue.GetValues()
		out := make([]any, 0, len(vals))
		for _, e := range vals {
			out = append(out, plain(e, depth+1))
		}
		return out
	case *commonpb.AnyValue_KvlistValue:
		out := map[string]any{}
		for _, kv := range x.KvlistValue.GetValues() {
			out[kv.GetKey()] = plain(kv.GetValue(), depth+1)
		}
		return out
	}
	return ""
}

// level maps the OTel severity number to faultline's levels by the spec's
// ranges, or, without a number, the severity text.
func level(n logspb.SeverityNumber, txt string) string {
	switch {
	case n >= 1 && n <= 4:
		return "TRACE"
	case n >= 5 && n <= 8:
		return "DEBUG"
	case n >= 9 && n <= 12:
		return "INFO"
	case n >= 13 && n <= 16:
		return "WARN"
	case n >= 17 && n <= 20:
		return "ERROR"
	case n >= 21 && n <= 24:
		return "FATAL"
	}
	switch s := strings.ToUpper(strings.TrimSpace(txt)); s {
	case "WARNING":
		return "WARN"
	case "ERR":
		return "ERROR"
	case "CRITICAL", "CRIT", "PANIC", "EMERGENCY", "ALERT":
		return "FATAL"
	default:
		return event.Truncate(s, 32)
	}
}

// timestamp is when the event happened, else when it was observed; zero
// (ingest fills in now) when neither fits a time.Time.
func timestamp(at, observed uint64) time.Time {
	for _, ns := range []uint64{at, observed} {
		if ns > 0 && ns <= math.MaxInt64 {
			return time.Unix(0, int64(ns)).UTC()
		}
	}
	return time.Time{}
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
