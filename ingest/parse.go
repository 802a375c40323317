package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/internal/event"
)

// MaxDepth is the deepest JSON nesting ParseEvent accepts. Real log events
// nest a few levels (logback's cause chains a few more); the limit bounds the
// recursion in the decoder and in this package.
const MaxDepth = 64

// Dataset values: the input format ParseEvent detected.
const (
	DatasetLogback  = "logback"
	DatasetLogstash = "logstash"
	DatasetECS      = "ecs"
	DatasetGELF     = "gelf"
	DatasetPlain    = "plain"
)

var errNoMessage = errors.New(`no "message" field (expected logback, logstash, ECS or plain JSON with a message)`)

// ParseEvent detects the format of one JSON log event and normalises it.
// Timestamp, Service.Name and Event.ID stay zero when the event does not
// carry them; the caller fills them in.
func ParseEvent(raw []byte) (event.Event, error) {
	if err := checkDepth(raw); err != nil {
		return event.Event{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // keep epoch nanos and big ids exact
	var v any
	if err := dec.Decode(&v); err != nil {
		return event.Event{}, fmt.Errorf("invalid JSON: %s", jsonErrText(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return event.Event{}, errors.New("invalid JSON: data after the event object")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return event.Event{}, fmt.Errorf("event is a JSON %s, not an object", jsonKind(v))
	}

	var e event.Event
	var c common
	var err error
	switch {
	case hasAny(m, "loggerName", "threadName", "sequenceNumber", "throwable", "formattedMessage", "kvpList"):
		err = fromLogback(m, &e, &c)
	case hasAny(m, "ecs.version", "ecs", "log.level", "log.logger", "process.thread.name", "error.type", "error.stack_trace") || isObject(m["log"]):
		err = fromECS(m, &e, &c)
	case hasAny(m, "@version", "logger_name", "thread_name", "level_value", "stack_trace"):
		err = fromLogstash(m, &e, &c)
	case hasAny(m, "short_message"):
		err = fromGELF(m, &e, &c)
	default:
		err = fromPlain(m, &e, &c)
	}
	if err != nil {
		return event.Event{}, err
	}
	c.finish(&e)
	if e.Message == "" && len(e.Faultline.Exceptions) == 0 {
		return event.Event{}, fmt.Errorf("%s event has an empty message and no exception", e.Event.Dataset)
	}
	return e, nil
}

// checkDepth rejects nesting beyond MaxDepth with a byte scan, before any
// recursive decoding sees the input.
func checkDepth(raw []byte) error {
	depth := 0
	inString, escaped := false, false
	for _, c := range raw {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			if depth > MaxDepth {
				return fmt.Errorf("JSON nested deeper than %d levels", MaxDepth)
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return nil
}

// common collects what the formats name differently; finish resolves it
// into the event the same way for all of them.
type common struct {
	labels      map[string]string // keys as the event wrote them
	service     string
	env         string
	host        string
	trace       string
	thread      string
	contextName string // logback's context name, the last resort for the service

	stackTrace string // Java stack trace text, for formats that carry text
	errType    string
	errMessage string
}

func (c *common) finish(e *event.Event) {
	if c.stackTrace != "" {
		e.Faultline.Exceptions = ParseStackTrace(c.stackTrace)
		e.Error = &event.Error{StackTrace: c.stackTrace}
		if len(e.Faultline.Exceptions) > 0 {
			e.Error.Type = e.Faultline.Exceptions[0].Type
			e.Error.Message = e.Faultline.Exceptions[0].Message
		}
	}
	if c.errType != "" || c.errMessage != "" {
		if e.Error == nil {
			e.Error = &event.Error{}
		}
		if c.errType != "" {
			e.Error.Type = c.errType
		}
		if c.errMessage != "" {
			e.Error.Message = c.errMessage
		}
		// Without a trace the type alone still identifies what failed.
		if len(e.Faultline.Exceptions) == 0 && c.errType != "" {
			e.Faultline.Exceptions = []event.Exception{{Type: c.errType, Message: c.errMessage}}
		}
	}

	label := func(keys ...string) string {
		for _, k := range keys {
			if v := c.labels[k]; v != "" {
				return v
			}
		}
		return ""
	}
	e.Service.Name = firstNonEmpty(c.service, label("service", "service.name"))
	if e.Service.Name == "" && c.contextName != "default" {
		e.Service.Name = c.contextName
	}
	e.Service.Environment = firstNonEmpty(c.env, label("env", "environment", "service.environment"))
	if c.thread != "" {
		e.Process = &event.Process{Thread: event.Thread{Name: c.thread}}
	}
	if v := firstNonEmpty(c.host, label("host.name", "HOSTNAME", "host")); v != "" {
		e.Host = &event.Host{Name: v}
	}
	if v := firstNonEmpty(c.trace, label("trace.id", "traceId", "trace_id")); v != "" {
		e.Trace = &event.Trace{ID: v}
	}
	e.Labels = sanitizeLabels(c.labels)
}

// sanitizeLabels replaces dots in keys: ECS forbids them in labels, and
// Elasticsearch would otherwise expand "a.b" into an object that conflicts
// with a plain "a" label from another event.
func sanitizeLabels(in map[string]string) map[string]string {
	if len(in) == 0 {
		return nil
	}
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic winner when "a.b" and "a_b" collide
	out := make(map[string]string, len(in))
	for _, k := range keys {
		if k != "" {
			out[strings.ReplaceAll(k, ".", "_")] = in[k]
		}
	}
	return out
}

// fromLogback reads ch.qos.logback.classic.encoder.JsonEncoder output.
func fromLogback(m map[string]any, e *event.Event, c *common) error {
	e.Event.Dataset = DatasetLogback
	if ms, ok := m["timestamp"].(json.Number); ok {
		e.Timestamp = logbackTime(ms, m["nanoseconds"])
	}
	e.Log.Level = normLevel(m["level"])
	e.Log.Logger = nonNull(str(m["loggerName"]))
	c.thread = nonNull(str(m["threadName"]))

	c.labels = map[string]string{}
	if mdc, ok := m["mdc"].(map[string]any); ok {
		addLabels(c.labels, "", mdc)
	}
	if kvps, ok := m["kvpList"].([]any); ok {
		for _, kvp := range kvps {
			if kv, ok := kvp.(map[string]any); ok {
				addLabels(c.labels, "", kv)
			}
		}
	}
	if ctx, ok := m["context"].(map[string]any); ok {
		c.contextName = str(ctx["name"])
		if props, ok := ctx["properties"].(map[string]any); ok {
			c.host = str(props["HOSTNAME"])
		}
	}

	template, _ := m["message"].(string)
	args, _ := m["arguments"].([]any)
	if fm, ok := m["formattedMessage"].(string); ok {
		e.Message = fm
	} else {
		e.Message = formatTemplate(template, args)
	}
	if hasPlaceholder(template) {
		e.Faultline.MessageTemplate = template
	}

	t, _ := m["throwable"].(map[string]any)
	for cur := t; cur != nil; cur, _ = cur["cause"].(map[string]any) {
		typ := nonNull(str(cur["className"]))
		if typ == "" {
			break
		}
		e.Faultline.Exceptions = append(e.Faultline.Exceptions, event.Exception{
			Type:    typ,
			Message: throwableMessage(cur),
			Frames:  logbackFrames(cur["stepArray"]),
		})
	}
	if len(e.Faultline.Exceptions) > 0 {
		var sb strings.Builder
		renderThrowable(&sb, t, "", 0)
		e.Error = &event.Error{
			Type:       e.Faultline.Exceptions[0].Type,
			Message:    e.Faultline.Exceptions[0].Message,
			StackTrace: sb.String(),
		}
	}
	if e.Message == "" && e.Error == nil {
		return errors.New(`logback event has no "message", "formattedMessage" or "throwable"`)
	}
	return nil
}

// logbackTime combines JsonEncoder's epoch millis with its nano-of-second,
// using the nanos only when they agree with the millis.
func logbackTime(ms json.Number, nanos any) time.Time {
	millis, err := ms.Int64()
	if err != nil || millis <= 0 {
		return time.Time{}
	}
	t := time.UnixMilli(millis).UTC()
	if n, ok := nanos.(json.Number); ok {
		if ns, err := n.Int64(); err == nil && ns >= 0 && ns < 1e9 && ns/1e6 == millis%1000 {
			t = time.Unix(millis/1000, ns).UTC()
		}
	}
	return t
}

// throwableMessage maps JsonEncoder's "null" (its rendering of a null
// message) to "", as ParseStackTrace does for text traces.
func throwableMessage(t map[string]any) string {
	return nonNull(str(t["message"]))
}

func nonNull(s string) string {
	if s == "null" {
		return ""
	}
	return s
}

func logbackFrames(v any) []event.Frame {
	steps, _ := v.([]any)
	var frames []event.Frame
	for _, s := range steps {
		step, ok := s.(map[string]any)
		if !ok {
			continue
		}
		f := event.Frame{
			Class:  nonNull(str(step["className"])),
			Method: nonNull(str(step["methodName"])),
			File:   nonNull(str(step["fileName"])),
		}
		switch n, _ := strconv.Atoi(str(step["lineNumber"])); {
		case n > 0:
			f.Line = n
		case n == -2:
			// Native: text traces say "(Native Method)" with no file; match them.
			f.File = ""
		}
		frames = append(frames, f)
	}
	return frames
}

// renderThrowable writes a JsonEncoder throwable the way logback's
// ThrowableProxyConverter prints it, so Error.StackTrace reads the same
// whichever encoder the application used.
func renderThrowable(sb *strings.Builder, t map[string]any, prefix string, indent int) {
	tabs := strings.Repeat("\t", indent)
	sb.WriteString(tabs + prefix + str(t["className"]))
	if msg := throwableMessage(t); msg != "" {
		sb.WriteString(": " + msg)
	}
	sb.WriteByte('\n')
	steps, _ := t["stepArray"].([]any)
	for _, s := range steps {
		step, ok := s.(map[string]any)
		if !ok {
			continue
		}
		loc := nonNull(str(step["fileName"]))
		line, _ := strconv.Atoi(str(step["lineNumber"]))
		switch {
		case line == -2:
			loc = "Native Method"
		case loc == "":
			loc = "Unknown Source"
		case line >= 0:
			loc += ":" + strconv.Itoa(line)
		}
		fmt.Fprintf(sb, "%s\tat %s.%s(%s)\n", tabs, str(step["className"]), str(step["methodName"]), loc)
	}
	if n, _ := strconv.Atoi(str(t["commonFramesCount"])); n > 0 {
		fmt.Fprintf(sb, "%s\t... %d common frames omitted\n", tabs, n)
	}
	if sup, ok := t["suppressed"].([]any); ok {
		for _, s := range sup {
			if st, ok := s.(map[string]any); ok {
				renderThrowable(sb, st, "Suppressed: ", indent+1)
			}
		}
	}
	if cause, ok := t["cause"].(map[string]any); ok {
		renderThrowable(sb, cause, "Caused by: ", indent)
	}
}

// formatTemplate substitutes arguments into an SLF4J message template with
// SLF4J's rules: "\{}" is a literal "{}", "\\{}" a backslash followed by an
// argument, and placeholders without an argument stay "{}".
func formatTemplate(tpl string, args []any) string {
	if len(args) == 0 {
		return tpl
	}
	var b strings.Builder
	i := 0
	for n := 0; n < len(args); n++ {
		j := strings.Index(tpl[i:], "{}")
		if j < 0 {
			break
		}
		j += i
		escaped := j > 0 && tpl[j-1] == '\\'
		doubled := escaped && j > 1 && tpl[j-2] == '\\'
		switch {
		case escaped && !doubled:
			b.WriteString(tpl[i : j-1])
			b.WriteByte('{')
			i = j + 1
			n-- // the literal consumed no argument
		case doubled:
			b.WriteString(tpl[i : j-1])
			b.WriteString(argString(args[n]))
			i = j + 2
		default:
			b.WriteString(tpl[i:j])
			b.WriteString(argString(args[n]))
			i = j + 2
		}
	}
	b.WriteString(tpl[i:])
	return b.String()
}

func hasPlaceholder(tpl string) bool {
	for i := 0; ; {
		j := strings.Index(tpl[i:], "{}")
		if j < 0 {
			return false
		}
		j += i
		if j == 0 || tpl[j-1] != '\\' || (j > 1 && tpl[j-2] == '\\') {
			return true
		}
		i = j + 2
	}
}

// argString renders an argument as Java's String.valueOf would.
func argString(v any) string {
	if v == nil {
		return "null"
	}
	return str(v)
}

// fromECS reads ECS JSON (Spring Boot "ecs", ecs-logging-java), with dotted
// keys, nested objects or a mixture of both.
func fromECS(m map[string]any, e *event.Event, c *common) error {
	e.Event.Dataset = DatasetECS
	f := flatten(m)
	e.Timestamp = parseTime(f.take("@timestamp"))
	e.Message = f.takeStr("message")
	e.Log.Level = normLevel(f.take("log.level"))
	e.Log.Logger = f.takeStr("log.logger")
	c.thread = f.takeStr("process.thread.name")
	c.errType = f.takeStr("error.type")
	c.errMessage = f.takeStr("error.message")
	switch st := f.take("error.stack_trace").(type) {
	case string:
		c.stackTrace = st
	case []any: // ecs-logging-java's stackTraceAsArray
		lines := make([]string, 0, len(st))
		for _, l := range st {
			lines = append(lines, str(l))
		}
		c.stackTrace = strings.Join(lines, "\n")
	}
	f.takeShared(e, c)
	c.labels = map[string]string{}
	for k, v := range f {
		switch {
		case strings.HasPrefix(k, "labels."):
			c.labels[k[len("labels."):]] = str(v)
		case k == "tags" || k == "@version" ||
			hasPrefix(k, "ecs.", "log.", "process.", "error.", "event.", "data_stream."):
			// ECS metadata rather than context; MDC keys land at the top level.
		default:
			if v != nil {
				c.labels[k] = str(v)
			}
		}
	}
	if e.Message == "" && c.stackTrace == "" && c.errType == "" {
		return errors.New(`ECS event has no "message" and no "error.type" or "error.stack_trace"`)
	}
	return nil
}

// fromLogstash reads logstash-logback-encoder's LogstashEncoder output and
// Spring Boot's "logstash" structured format.
func fromLogstash(m map[string]any, e *event.Event, c *common) error {
	e.Event.Dataset = DatasetLogstash
	f := flatten(m)
	e.Timestamp = parseTime(f.take("@timestamp"))
	e.Message = f.takeStr("message")
	level, levelValue := f.take("level"), f.take("level_value")
	if level == nil {
		level = levelValue
	}
	e.Log.Level = normLevel(level)
	e.Log.Logger = f.takeStr("logger_name")
	c.thread = f.takeStr("thread_name")
	c.stackTrace = f.takeStr("stack_trace")
	c.host = f.takeStr("HOSTNAME")
	f.takeShared(e, c)
	c.labels = map[string]string{}
	for k, v := range f {
		switch {
		case k == "@version" || k == "tags" || k == "stack_hash" || strings.HasPrefix(k, "caller_"):
		case v != nil:
			c.labels[k] = str(v)
		}
	}
	if e.Message == "" && c.stackTrace == "" {
		return errors.New(`logstash event has no "message" and no "stack_trace"`)
	}
	return nil
}

// fromGELF reads GELF 1.1 as Spring Boot's "gelf" structured format writes it.
func fromGELF(m map[string]any, e *event.Event, c *common) error {
	e.Event.Dataset = DatasetGELF
	f := flatten(m)
	e.Timestamp = parseTime(f.take("timestamp"))
	e.Message = f.takeStr("short_message")
	full := f.takeStr("full_message")
	syslog, name := f.take("level"), f.take("_level_name")
	if name == nil {
		name = syslog
	}
	e.Log.Level = normLevel(name)
	e.Log.Logger = f.takeStr("_log_logger")
	c.thread = f.takeStr("_process_thread_name")
	c.host = f.takeStr("host")
	c.errType = f.takeStr("_error_type")
	c.errMessage = nonNull(f.takeStr("_error_message"))
	c.stackTrace = f.takeStr("_error_stack_trace")
	if c.stackTrace == "" {
		c.stackTrace = traceInFullMessage(full)
	}
	f.takeShared(e, c)
	c.labels = map[string]string{}
	for k, v := range f {
		// GELF additional fields are the "_" ones; the rest is envelope.
		if name, ok := strings.CutPrefix(k, "_"); ok && name != "process_pid" && v != nil {
			c.labels[name] = str(v)
		}
	}
	if e.Message == "" && c.stackTrace == "" {
		return errors.New(`GELF event has no "short_message" and no stack trace`)
	}
	return nil
}

// traceInFullMessage finds the stack trace Spring Boot appends to the
// message, after a blank line, in GELF full_message.
func traceInFullMessage(full string) string {
	at := strings.Index(full, "\n\tat ")
	if at < 0 {
		return ""
	}
	if start := strings.LastIndex(full[:at], "\n\n"); start >= 0 {
		return full[start+2:]
	}
	return full
}

// fromPlain reads any other JSON object that carries a message.
func fromPlain(m map[string]any, e *event.Event, c *common) error {
	e.Event.Dataset = DatasetPlain
	f := flatten(m)
	msg := f.take("message", "msg")
	e.Message = str(msg)
	e.Timestamp = parseTime(f.take("timestamp", "time", "ts", "@timestamp"))
	e.Log.Level = normLevel(f.take("level", "severity"))
	e.Log.Logger = f.takeStr("logger")
	c.thread = f.takeStr("thread")
	for _, k := range []string{"stack_trace", "stacktrace", "exception", "error"} {
		if s, ok := f[k].(string); ok && c.stackTrace == "" && ParseStackTrace(s) != nil {
			c.stackTrace = s
			delete(f, k)
		}
	}
	f.takeShared(e, c)
	c.labels = map[string]string{}
	for k, v := range f {
		if v != nil {
			c.labels[k] = str(v)
		}
	}
	if msg == nil && c.stackTrace == "" {
		return errNoMessage
	}
	return nil
}

// fields is an event flattened to dotted keys, so that {"log":{"level":..}}
// and {"log.level":..} read the same. Consumed keys are deleted; what is left
// becomes labels.
type fields map[string]any

func flatten(m map[string]any) fields {
	f := fields{}
	f.add("", m)
	return f
}

func (f fields) add(prefix string, m map[string]any) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic when dotted and nested spellings collide
	for _, k := range keys {
		if sub, ok := m[k].(map[string]any); ok {
			f.add(prefix+k+".", sub)
		} else {
			f[prefix+k] = m[k]
		}
	}
}

// take returns the first non-null value among keys and deletes them all, so
// that an alias never resurfaces as a label.
func (f fields) take(keys ...string) any {
	var out any
	for _, k := range keys {
		if v, ok := f[k]; ok {
			if out == nil {
				out = v
			}
			delete(f, k)
		}
	}
	return out
}

func (f fields) takeStr(keys ...string) string { return str(f.take(keys...)) }

// takeShared consumes the ECS-named fields any format may carry.
func (f fields) takeShared(e *event.Event, c *common) {
	e.Event.ID = f.takeStr("event.id")
	c.trace = f.takeStr("trace.id")
	c.host = firstNonEmpty(f.takeStr("host.name"), c.host)
	c.service = f.takeStr("service.name")
	c.env = f.takeStr("service.environment")
}

// addLabels stringifies values into labels, flattening objects to dotted keys.
func addLabels(labels map[string]string, prefix string, m map[string]any) {
	for k, v := range m {
		switch v := v.(type) {
		case nil:
		case map[string]any:
			addLabels(labels, prefix+k+".", v)
		default:
			labels[prefix+k] = str(v)
		}
	}
}

// str renders a decoded JSON value as label text: strings as-is, numbers and
// booleans as written, arrays and objects as compact JSON, null as "".
func str(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	default:
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false) // labels are read by people, not embedded in HTML
		if enc.Encode(v) != nil {
			return ""
		}
		return strings.TrimSuffix(b.String(), "\n")
	}
}

var levelAliases = map[string]string{
	"WARNING":     "WARN",
	"ERR":         "ERROR",
	"SEVERE":      "ERROR", // java.util.logging
	"CRITICAL":    "FATAL",
	"CRIT":        "FATAL",
	"EMERGENCY":   "FATAL",
	"EMERG":       "FATAL",
	"ALERT":       "FATAL",
	"PANIC":       "FATAL",
	"NOTICE":      "INFO",
	"INFORMATION": "INFO",
	"FINE":        "DEBUG",
	"FINER":       "TRACE",
	"FINEST":      "TRACE",
}

var numericLevels = map[int64]string{
	10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL", // pino
	5000: "TRACE", 10000: "DEBUG", 20000: "INFO", 30000: "WARN", 40000: "ERROR", // logback level_value
}

// normLevel upper-cases a level name and maps numeric levels: syslog
// severities (0-7, GELF), pino-style 10-60, and logback's level_value.
func normLevel(v any) string {
	switch v := v.(type) {
	case string:
		s := strings.ToUpper(strings.TrimSpace(v))
		if a, ok := levelAliases[s]; ok {
			return a
		}
		if s == "NULL" {
			return ""
		}
		return s
	case json.Number:
		n, err := v.Int64()
		if err != nil {
			return v.String()
		}
		switch {
		case n >= 0 && n <= 2:
			return "FATAL"
		case n == 3:
			return "ERROR"
		case n == 4:
			return "WARN"
		case n == 5 || n == 6:
			return "INFO"
		case n == 7:
			return "DEBUG"
		}
		if s, ok := numericLevels[n]; ok {
			return s
		}
		return v.String()
	}
	return ""
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05Z0700",
	"2006-01-02T15:04:05", // no zone: taken as UTC
	"2006-01-02 15:04:05",
}

// parseTime reads ISO-8601 text or an epoch number whose unit (s, ms, µs,
// ns) is inferred from its magnitude. Anything else is the zero time.
func parseTime(v any) time.Time {
	var s string
	switch v := v.(type) {
	case string:
		s = strings.TrimSpace(v)
	case json.Number:
		t, _ := epochTime(v.String())
		return t
	default:
		return time.Time{}
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	t, _ := epochTime(s)
	return t
}

func epochTime(s string) (time.Time, bool) {
	whole, frac, _ := strings.Cut(s, ".")
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || strings.ContainsAny(s, "eE") {
		f, ferr := strconv.ParseFloat(s, 64)
		// The negated range also rejects NaN, which would otherwise recurse forever.
		if ferr != nil || !(f > 0 && f < 9e18) {
			return time.Time{}, false
		}
		return epochTime(strconv.FormatFloat(f, 'f', -1, 64))
	}
	if n <= 0 {
		return time.Time{}, false
	}
	var unit int64 // nanoseconds per unit
	switch {
	case n < 1e11:
		unit = 1e9
	case n < 1e14:
		unit = 1e6
	case n < 1e17:
		unit = 1e3
	default:
		unit = 1
	}
	// frac is a fraction of one unit; scale it to nanoseconds.
	frac = (frac + "000000000")[:9]
	f9, err := strconv.ParseInt(frac, 10, 64)
	if err != nil || f9 < 0 {
		return time.Time{}, false
	}
	perSec := int64(1e9) / unit
	return time.Unix(n/perSec, (n%perSec)*unit+f9*unit/1e9).UTC(), true
}

func hasAny(m map[string]any, keys ...string) bool {
	for _, k := range keys {
		if _, ok := m[k]; ok {
			return true
		}
	}
	return false
}

func hasPrefix(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func isObject(v any) bool {
	_, ok := v.(map[string]any)
	return ok
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "array"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return "value"
}
