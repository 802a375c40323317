package sentry

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/internal/event"
)

// payload is a Sentry event as SDKs send it, only the fields faultline
// keeps. user, request, extra, breadcrumbs and every context but the trace
// are not read at all: they carry personal data (addresses, cookies, form
// bodies) that an error group does not need.
type payload struct {
	EventID     string                     `json:"event_id"`
	Timestamp   json.RawMessage            `json:"timestamp"`
	Level       string                     `json:"level"`
	Platform    string                     `json:"platform"`
	Logger      string                     `json:"logger"`
	ServerName  string                     `json:"server_name"`
	Release     string                     `json:"release"`
	Environment string                     `json:"environment"`
	Message     json.RawMessage            `json:"message"`
	LogEntry    json.RawMessage            `json:"logentry"`
	Exception   json.RawMessage            `json:"exception"`
	Tags        json.RawMessage            `json:"tags"`
	Contexts    map[string]json.RawMessage `json:"contexts"`
	Fingerprint []json.RawMessage          `json:"fingerprint"`
	// Extra is read for the thread name sentry-logback puts there, only.
	Extra struct {
		ThreadName any `json:"thread_name"`
	} `json:"extra"`
}

type logEntry struct {
	Message   string          `json:"message"`
	Formatted string          `json:"formatted"`
	Params    json.RawMessage `json:"params"`
}

type exception struct {
	Type      string `json:"type"`
	Value     string `json:"value"`
	Module    string `json:"module"`
	Mechanism *struct {
		Type    string `json:"type"`
		Handled *bool  `json:"handled"`
		// How SDKs flatten a tree of exceptions into the list: each names
		// its parent and what it is to it ("__cause__", "exceptions[0]").
		ExceptionID      *int   `json:"exception_id"`
		ParentID         *int   `json:"parent_id"`
		Source           string `json:"source"`
		IsExceptionGroup bool   `json:"is_exception_group"`
	} `json:"mechanism"`
	Stacktrace *struct {
		Frames []frame `json:"frames"`
	} `json:"stacktrace"`
}

type frame struct {
	Filename string `json:"filename"`
	AbsPath  string `json:"abs_path"`
	Function string `json:"function"`
	Module   string `json:"module"`
	Lineno   int    `json:"lineno"`
	InApp    *bool  `json:"in_app"`
}

// Bounds on what one event may bring, so a hostile payload of small pieces
// cannot make a canonical event far larger than itself.
const (
	maxExceptions = 100
	maxFrames     = 1000
	maxTags       = 200
)

// levels maps Sentry's levels onto faultline's; an event without one is an
// error, as in Sentry.
var levels = map[string]string{
	"fatal": "FATAL", "error": "ERROR", "warning": "WARN", "warn": "WARN",
	"info": "INFO", "log": "INFO", "debug": "DEBUG",
}

// platforms maps a Sentry platform onto faultline's names for the
// runtimes whose stacks it groups (event.Faultline.Platform).
var platforms = map[string]string{
	"java": "java", "python": "python", "go": "go",
	"javascript": "javascript", "node": "javascript",
}

// Decode maps one Sentry event payload onto the canonical event.
func Decode(raw []byte) (event.Event, error) {
	var p payload
	if err := json.Unmarshal(raw, &p); err != nil {
		return event.Event{}, fmt.Errorf("event: %w", err)
	}
	ev := event.Event{Message: "", Labels: map[string]string{}}
	ev.Event.ID = normalID(p.EventID)
	ev.Event.Dataset = "sentry"
	ev.Timestamp = timestamp(p.Timestamp)
	lvl := strings.ToLower(p.Level)
	ev.Log.Level = levels[lvl]
	if ev.Log.Level == "" {
		ev.Log.Level = "ERROR"
		if lvl != "" {
			ev.Log.Level = strings.ToUpper(lvl)
		}
	}
	ev.Log.Logger = p.Logger
	if name, ok := p.Extra.ThreadName.(string); ok && name != "" {
		ev.Process = &event.Process{Thread: event.Thread{Name: name}}
	}
	ev.Service.Environment = p.Environment
	ev.Service.Version = p.Release
	if p.ServerName != "" {
		ev.Host = &event.Host{Name: p.ServerName}
	}
	platform := platforms[strings.ToLower(p.Platform)]
	ev.Faultline.Platform = platform
	if platform == "" && p.Platform != "" {
		ev.Labels["platform"] = p.Platform
	}
	if t, ok := p.Contexts["trace"]; ok {
		var trace struct {
			TraceID string `json:"trace_id"`
		}
		if json.Unmarshal(t, &trace) == nil && trace.TraceID != "" {
			ev.Trace = &event.Trace{ID: trace.TraceID}
		}
	}
	addTags(ev.Labels, p.Tags)
	if fp := fingerprint(p.Fingerprint); fp != "" {
		ev.Labels["fingerprint"] = fp
	}
	if err := message(&ev, p.LogEntry, p.Message); err != nil {
		return event.Event{}, err
	}
	exs, err := exceptions(p.Exception)
	if err != nil {
		return event.Event{}, err
	}
	if len(exs) > 0 {
		addMechanism(ev.Labels, exs[len(exs)-1])
		ev.Faultline.Exceptions = chain(exs, platform)
		top := ev.Faultline.Exceptions[0]
		ev.Error = &event.Error{Type: top.Type, Message: top.Message, StackTrace: render(ev.Faultline.Exceptions)}
		if ev.Message == "" {
			ev.Message = top.Type
			if top.Message != "" {
				ev.Message += ": " + top.Message
			}
		}
	}
	if ev.Message == "" {
		return event.Event{}, fmt.Errorf("event has no message, logentry or exception")
	}
	return ev, nil
}

// normalID is Sentry's event id (32 hex digits, or a UUID with dashes) as
// Sentry writes it: without dashes, lower case. Anything else is no id
// (ingest derives one): an id travels as a NATS header and an
// Elasticsearch _id, and SDKs never send another form.
func normalID(id string) string {
	id = strings.ToLower(strings.ReplaceAll(id, "-", ""))
	if len(id) != 32 || strings.Trim(id, "0123456789abcdef") != "" {
		return ""
	}
	return id
}

// timestamp reads RFC 3339 or Unix seconds (a float); zero when absent or
// unreadable, so ingest stamps the time it got the event.
func timestamp(raw json.RawMessage) time.Time {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t.UTC()
		}
		// Sentry's own form, without a zone, is UTC.
		if t, err := time.Parse("2006-01-02T15:04:05.999999999", s); err == nil {
			return t.UTC()
		}
		return time.Time{}
	}
	var f float64
	if json.Unmarshal(raw, &f) == nil && f > 0 && f < 1e11 {
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC().Truncate(time.Microsecond)
	}
	return time.Time{}
}

// message fills the message and, for a logentry with parameters, the
// template faultline groups by.
func message(ev *event.Event, rawEntry, rawMessage json.RawMessage) error {
	if len(rawEntry) > 0 && string(rawEntry) != "null" {
		var le logEntry
		if err := json.Unmarshal(rawEntry, &le); err != nil {
			return fmt.Errorf("logentry: %w", err)
		}
		ev.Message = le.Formatted
		if ev.Message == "" {
			ev.Message = le.Message
		}
		if le.Message != "" && le.Message != ev.Message {
			ev.Faultline.MessageTemplate = le.Message
		}
		return nil
	}
	if len(rawMessage) == 0 || string(rawMessage) == "null" {
		return nil
	}
	// Older SDKs send message as a string, newer as a logentry object.
	if err := json.Unmarshal(rawMessage, &ev.Message); err == nil {
		return nil
	}
	return message(ev, rawMessage, nil)
}

// exceptions reads exception.values (or a bare list, as old SDKs send it),
// oldest first as Sentry lists them.
func exceptions(raw json.RawMessage) ([]exception, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var wrapped struct {
		Values []exception `json:"values"`
	}
	if err := json.Unmarshal(raw, &wrapped); err != nil {
		var list []exception
		if err2 := json.Unmarshal(raw, &list); err2 != nil {
			return nil, fmt.Errorf("exception: %w", err)
		}
		wrapped.Values = list
	}
	exs := wrapped.Values
	if len(exs) > maxExceptions {
		exs = exs[len(exs)-maxExceptions:] // keep the outermost
	}
	exs = withoutGroupMembers(exs)
	return slices.DeleteFunc(exs, func(e exception) bool { return e.Type == "" && e.Value == "" }), nil
}

// causeSources are the links from an exception to its cause; any other
// link from an exception group is to one of its members.
var causeSources = map[string]bool{"__cause__": true, "__context__": true, "cause": true}

// withoutGroupMembers drops the members of exception groups (Python's
// ExceptionGroup, JavaScript's AggregateError), and what caused them, from
// the chain, as the text parsers skip a group's sub-exceptions: the group
// is the problem where it was raised, however many members it has this
// time. The group's own causes stay.
func withoutGroupMembers(exs []exception) []exception {
	byID := map[int]*exception{}
	for i := range exs {
		if m := exs[i].Mechanism; m != nil && m.ExceptionID != nil {
			byID[*m.ExceptionID] = &exs[i]
		}
	}
	if len(byID) == 0 {
		return exs
	}
	member := func(e *exception) bool {
		// Up the parent links, bounded so a cycle cannot loop.
		for range len(exs) {
			m := e.Mechanism
			if m == nil || m.ParentID == nil {
				return false
			}
			parent := byID[*m.ParentID]
			if parent == nil || parent == e {
				return false
			}
			if parent.Mechanism.IsExceptionGroup && !causeSources[m.Source] {
				return true
			}
			e = parent
		}
		return false
	}
	out := make([]exception, 0, len(exs))
	for i := range exs {
		if !member(&exs[i]) {
			out = append(out, exs[i])
		}
	}
	return out
}

// chain turns Sentry's list (oldest first, frames caller first) into
// faultline's (outermost first, frames innermost first, as Java prints
// them and as the logback mapping stores them).
func chain(exs []exception, platform string) []event.Exception {
	out := make([]event.Exception, 0, len(exs))
	for i := len(exs) - 1; i >= 0; i-- {
		ex := exs[i]
		ce := event.Exception{Type: qualified(ex.Module, ex.Type), Message: ex.Value}
		if ce.Type == "" {
			ce.Type = "Error"
		}
		if ex.Stacktrace != nil {
			frames := ex.Stacktrace.Frames
			if len(frames) > maxFrames {
				frames = frames[len(frames)-maxFrames:] // keep the innermost
			}
			for j := len(frames) - 1; j >= 0; j-- {
				ce.Frames = append(ce.Frames, toFrame(frames[j], platform))
			}
		}
		out = append(out, ce)
	}
	if platform == "java" || platform == "" {
		trimCommon(out)
	}
	return out
}

// trimCommon drops from each cause the outermost frames it shares with the
// exception it caused, as Java's printStackTrace does ("... 1 more") and
// logback's encoders therefore do: sentry-java sends every cause's whole
// stack, and the same bug must give the same frames whichever way it came.
func trimCommon(exs []event.Exception) {
	for i := 1; i < len(exs); i++ {
		cause, encl := exs[i].Frames, exs[i-1].Frames
		m, n := len(cause)-1, len(encl)-1
		for m >= 0 && n >= 0 && cause[m].Class == encl[n].Class && cause[m].Method == encl[n].Method &&
			cause[m].File == encl[n].File && cause[m].Line == encl[n].Line {
			m--
			n--
		}
		exs[i].Frames = cause[:m+1]
		if len(exs[i].Frames) == 0 {
			exs[i].Frames = nil
		}
	}
}

// qualified names a type as its runtime prints it in a stack trace: Java
// and Python print the module (package) before the class, except for
// Python's builtins.
func qualified(module, typ string) string {
	switch {
	case module == "", module == "builtins", module == "__builtin__", module == "exceptions", strings.HasPrefix(typ, module+"."):
		return typ
	case typ == "":
		return ""
	}
	return module + "." + typ
}

// toFrame maps a Sentry frame the way the text parsers map the same
// runtime's printed frame: Java and Go frames are class (package) and
// method; Python and JavaScript frames are a function in a file, and the
// file is the absolute path they print.
func toFrame(f frame, platform string) event.Frame {
	fr := event.Frame{Method: f.Function, File: f.Filename, InApp: f.InApp}
	if platform == "javascript" && f.Function == "?" {
		// The JavaScript SDKs' name for a function V8 prints without
		// one; the V8 text parser calls it "<anonymous>".
		fr.Method = "<anonymous>"
	}
	if f.Lineno > 0 {
		fr.Line = f.Lineno
	}
	switch platform {
	case "python", "javascript":
		if f.AbsPath != "" {
			fr.File = f.AbsPath
		}
	case "go":
		fr.Class = f.Module
		if f.AbsPath != "" {
			fr.File = f.AbsPath
		}
	default:
		fr.Class = f.Module
	}
	return fr
}

// render writes the chain as a Java-style trace for error.stack_trace, what
// Kibana shows.
func render(exs []event.Exception) string {
	var b strings.Builder
	for i, ex := range exs {
		if i > 0 {
			b.WriteString("Caused by: ")
		}
		b.WriteString(ex.Type)
		if ex.Message != "" {
			b.WriteString(": ")
			b.WriteString(ex.Message)
		}
		b.WriteByte('\n')
		for _, f := range ex.Frames {
			b.WriteString("\tat ")
			b.WriteString(f.Function())
			b.WriteByte('(')
			switch {
			case f.File == "":
				b.WriteString("Unknown Source")
			case f.Line > 0:
				b.WriteString(f.File)
				b.WriteByte(':')
				b.WriteString(strconv.Itoa(f.Line))
			default:
				b.WriteString(f.File)
			}
			b.WriteString(")\n")
		}
	}
	return b.String()
}

// addMechanism keeps how the SDK caught the outermost exception: an
// unhandled one (a crash) is worth a label.
func addMechanism(labels map[string]string, ex exception) {
	if ex.Mechanism == nil {
		return
	}
	if ex.Mechanism.Type != "" {
		labels["mechanism"] = ex.Mechanism.Type
	}
	if ex.Mechanism.Handled != nil {
		labels["handled"] = strconv.FormatBool(*ex.Mechanism.Handled)
	}
}

// addTags reads tags as an object or as Sentry's older [[key, value], …].
func addTags(labels map[string]string, raw json.RawMessage) {
	if len(raw) == 0 {
		return
	}
	var obj map[string]any
	if json.Unmarshal(raw, &obj) == nil {
		for k, v := range obj {
			if len(labels) >= maxTags {
				return
			}
			if s := scalar(v); k != "" && s != "" {
				labels[k] = s
			}
		}
		return
	}
	var pairs [][]any
	if json.Unmarshal(raw, &pairs) == nil {
		for _, kv := range pairs {
			if len(labels) >= maxTags {
				return
			}
			if len(kv) == 2 {
				if k, v := scalar(kv[0]), scalar(kv[1]); k != "" && v != "" {
					labels[k] = v
				}
			}
		}
	}
}

func scalar(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

// DefaultToken is Sentry's placeholder for its own grouping inside a
// fingerprint; faultline's processor reads it as its own.
const DefaultToken = "{{ default }}"

// fingerprint is the SDK's fingerprint as the label faultline honours
// (the same label an MDC fingerprint sets): its parts one per line, with
// "{{ default }}" spelled one way. Only the default is no fingerprint.
func fingerprint(parts []json.RawMessage) string {
	var out []string
	onlyDefault := true
	for _, raw := range parts {
		var v any
		if json.Unmarshal(raw, &v) != nil {
			continue
		}
		s := scalar(v)
		if strings.ReplaceAll(s, " ", "") == "{{default}}" {
			s = DefaultToken
		} else if s != "" {
			onlyDefault = false
		}
		if s != "" {
			out = append(out, s)
		}
	}
	if onlyDefault {
		return ""
	}
	return strings.Join(out, "\n")
}
