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
	"unicode/utf8"

	"github.com/valyala/fastjson"

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

// parsers are reused: fastjson allocates its tree once per parser.
var parsers fastjson.ParserPool

// ParseEvent detects the format of one JSON log event and normalises it.
// Timestamp, Service.Name and Event.ID stay zero when the event does not
// carry them; the caller fills them in.
func ParseEvent(raw []byte) (event.Event, error) {
	if !utf8.Valid(raw) {
		return event.Event{}, errors.New("invalid UTF-8")
	}
	// fastjson parses leniently (NaN, raw control characters); the
	// validator holds the input to the JSON grammar first.
	if err := fastjson.ValidateBytes(raw); err != nil {
		return event.Event{}, syntaxError(raw, err)
	}
	// Nor does it refuse raw control characters in strings. Encoders escape
	// them and compact lines have no whitespace that needs them, so only the
	// rare line holding one pays for the strict check.
	if event.HasControlByte(raw) && !json.Valid(raw) {
		return event.Event{}, syntaxError(raw, errors.New("control character in a string"))
	}
	p := parsers.Get()
	defer parsers.Put(p)
	v, err := p.ParseBytes(raw)
	if err != nil {
		return event.Event{}, syntaxError(raw, err)
	}
	// Fewer brackets than the limit cannot nest past it; only bracket-heavy
	// events (long stacks) pay for the walk.
	if bytes.Count(raw, []byte("{"))+bytes.Count(raw, []byte("[")) > MaxDepth && depth(v, 0) > MaxDepth {
		return event.Event{}, fmt.Errorf("JSON nested deeper than %d levels", MaxDepth)
	}
	if v.Type() != fastjson.TypeObject {
		return event.Event{}, fmt.Errorf("event is a JSON %s, not an object", typeName(v.Type()))
	}
	o := v.GetObject()
	has := func(keys ...string) bool {
		for _, k := range keys {
			if o.Get(k) != nil {
				return true
			}
		}
		return false
	}

	var e event.Event
	var c common
	switch {
	case has("loggerName", "threadName", "sequenceNumber", "throwable", "formattedMessage", "kvpList"):
		err = fromLogback(o, &e, &c)
	case has("ecs.version", "ecs", "log.level", "log.logger", "process.thread.name", "error.type", "error.stack_trace") || typeOf(field(o, "log")) == fastjson.TypeObject:
		err = fromECS(toAny(v).(map[string]any), &e, &c)
	case has("@version", "logger_name", "thread_name", "level_value", "stack_trace"):
		err = fromLogstash(toAny(v).(map[string]any), &e, &c)
	case has("short_message"):
		err = fromGELF(toAny(v).(map[string]any), &e, &c)
	default:
		err = fromPlain(toAny(v).(map[string]any), &e, &c)
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

// syntaxError explains why raw is not one JSON object. Only rejected input
// comes here, so it can afford encoding/json, whose messages name the byte.
func syntaxError(raw []byte, fastErr error) error {
	if err := checkDepth(raw); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("invalid JSON: %s", jsonErrText(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("invalid JSON: data after the event object")
	}
	return fmt.Errorf("invalid JSON: %v", fastErr)
}

// depth is the nesting depth of v, counting v's own level.
func depth(v *fastjson.Value, d int) int {
	deepest := d
	switch v.Type() {
	case fastjson.TypeObject:
		deepest = d + 1
		v.GetObject().Visit(func(_ []byte, x *fastjson.Value) {
			if n := depth(x, d+1); n > deepest {
				deepest = n
			}
		})
	case fastjson.TypeArray:
		deepest = d + 1
		for _, x := range v.GetArray() {
			if n := depth(x, d+1); n > deepest {
				deepest = n
			}
		}
	}
	return deepest
}

// field is o[key] with encoding/json's rule for repeated keys (the last wins).
func field(o *fastjson.Object, key string) *fastjson.Value {
	var out *fastjson.Value
	o.Visit(func(k []byte, v *fastjson.Value) {
		if string(k) == key {
			out = v
		}
	})
	return out
}

// toAny copies a parsed value into what encoding/json with UseNumber would
// have decoded: the other formats are read from maps.
func toAny(v *fastjson.Value) any {
	if v == nil {
		return nil
	}
	switch v.Type() {
	case fastjson.TypeObject:
		m := make(map[string]any, v.GetObject().Len())
		v.GetObject().Visit(func(k []byte, x *fastjson.Value) {
			m[string(k)] = toAny(x)
		})
		return m
	case fastjson.TypeArray:
		arr := v.GetArray()
		out := make([]any, len(arr))
		for i, x := range arr {
			out[i] = toAny(x)
		}
		return out
	case fastjson.TypeString:
		return string(v.GetStringBytes())
	case fastjson.TypeNumber:
		return json.Number(numberText(v))
	case fastjson.TypeTrue:
		return true
	case fastjson.TypeFalse:
		return false
	}
	return nil
}

// typeName names a type in the words of the JSON spec, for errors.
func typeName(t fastjson.Type) string {
	switch t {
	case fastjson.TypeObject:
		return "object"
	case fastjson.TypeArray:
		return "array"
	case fastjson.TypeString:
		return "string"
	case fastjson.TypeNumber:
		return "number"
	case fastjson.TypeTrue, fastjson.TypeFalse:
		return "boolean"
	case fastjson.TypeNull:
		return "null"
	}
	return "value"
}

// typeOf is v's type, a missing value counting as null.
func typeOf(v *fastjson.Value) fastjson.Type {
	if v == nil {
		return fastjson.TypeNull
	}
	return v.Type()
}

// numberText is a number as written: epoch nanos and big ids stay exact.
func numberText(v *fastjson.Value) string { return string(v.MarshalTo(nil)) }

// strOf is str for a parsed value, without building a map for scalars.
func strOf(v *fastjson.Value) string {
	if v == nil {
		return ""
	}
	switch v.Type() {
	case fastjson.TypeString:
		return string(v.GetStringBytes())
	case fastjson.TypeNumber:
		return numberText(v)
	case fastjson.TypeTrue:
		return "true"
	case fastjson.TypeFalse:
		return "false"
	case fastjson.TypeNull:
		return ""
	}
	return str(toAny(v))
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

	stackTrace string // stack trace text (Java, Python, Go, V8), for formats that carry text
	// exceptions is stackTrace already parsed, when a reader had to parse it
	// to recognise it, and platform what printed it; finish parses it otherwise.
	exceptions []event.Exception
	platform   string
	errType    string
	errMessage string
}

func (c *common) finish(e *event.Event) {
	if c.stackTrace != "" {
		if c.exceptions == nil {
			c.platform, c.exceptions = event.ParseStack(c.stackTrace)
		}
		if exs := c.exceptions; len(exs) > 0 && exs[0].Type == "" {
			// Frames without their exception line (ecs-logging-python's
			// error.stack_trace): the type is in error.type.
			exs[0].Type, exs[0].Message = c.errType, c.errMessage
		}
		SetStack(e, c.stackTrace, c.platform, c.exceptions)
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
	var err error
	if e.Timestamp, err = parseTime(f.take("@timestamp")); err != nil {
		return err
	}
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
		return errNoECSMessage
	}
	return nil
}

// fromLogstash reads logstash-logback-encoder's LogstashEncoder output and
// Spring Boot's "logstash" structured format.
func fromLogstash(m map[string]any, e *event.Event, c *common) error {
	e.Event.Dataset = DatasetLogstash
	f := flatten(m)
	var err error
	if e.Timestamp, err = parseTime(f.take("@timestamp")); err != nil {
		return err
	}
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
	var err error
	if e.Timestamp, err = parseTime(f.take("timestamp")); err != nil {
		return err
	}
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
	var err error
	if e.Timestamp, err = parseTime(f.take("timestamp", "time", "ts", "@timestamp")); err != nil {
		return err
	}
	e.Log.Level = normLevel(f.take("level", "severity"))
	e.Log.Logger = f.takeStr("logger")
	c.thread = f.takeStr("thread")
	// exc_info: python-json-logger; err.stack: pino's err serializer.
	for _, k := range []string{"stack_trace", "stacktrace", "exception", "error", "exc_info", "err.stack"} {
		s, ok := f[k].(string)
		if !ok || c.stackTrace != "" {
			continue
		}
		if platform, ex := event.ParseStack(s); ex != nil {
			c.stackTrace, c.exceptions, c.platform = s, ex, platform
			delete(f, k)
			if k == "err.stack" {
				// What the stack says already; pino's message joins the causes'.
				delete(f, "err.type")
				delete(f, "err.message")
			}
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
// ns) is inferred from its magnitude. No value (absent, null, "") is the
// zero time, which ingest stamps with its own clock; anything else it
// cannot read is an error, so an event is never stored under a time it did
// not say.
func parseTime(v any) (time.Time, error) {
	var s string
	switch v := v.(type) {
	case nil:
		return time.Time{}, nil
	case string:
		s = strings.TrimSpace(v)
		if s == "" {
			return time.Time{}, nil
		}
	case json.Number:
		s = v.String()
		if t, ok := epochTime(s); ok {
			return t, nil
		}
		return time.Time{}, badTime(s)
	default:
		return time.Time{}, fmt.Errorf("timestamp is a JSON %s: want RFC 3339 text or a Unix epoch number", valueKind(v))
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if t, ok := epochTime(s); ok {
		return t, nil
	}
	return time.Time{}, badTime(strconv.Quote(s))
}

// badTime is the reason an event's timestamp text is refused; text is cut
// short, since the reason goes back in the answer with the line number.
func badTime(text string) error {
	if len(text) > 64 {
		text = text[:61] + "..."
	}
	return fmt.Errorf("timestamp %s: want RFC 3339 text (2006-01-02T15:04:05Z) or a positive Unix epoch number in s, ms, µs or ns", text)
}

func valueKind(v any) string {
	switch v.(type) {
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// Timestamps outside these bounds are refused, each event with its reason:
// a clock years ahead would put its event at the top of every "newest"
// list until that year, and one before 2000 is a clock that was never set.
// Within them, an event keeps the time it says, so logs shipped late
// (a backfill, an agent that was down) land where they happened.
var (
	// MaxAhead is how far past ingest's clock an event's time may be:
	// clocks drift, and a zone-less local time east of UTC reads as UTC
	// hours ahead.
	MaxAhead = 24 * time.Hour
	// Earliest is the earliest event time accepted.
	Earliest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
)

// checkTime refuses an event time outside [Earliest, now+MaxAhead].
func checkTime(t, now time.Time) error {
	switch {
	case t.After(now.Add(MaxAhead)):
		return fmt.Errorf("timestamp %s is %s after ingest's clock (%s); more than %s ahead is refused: fix the sender's clock",
			t.Format(time.RFC3339Nano), ahead(t, now), now.Format(time.RFC3339), MaxAhead)
	case t.Before(Earliest):
		return fmt.Errorf("timestamp %s is before %s; the sender's clock is not set", t.Format(time.RFC3339Nano), Earliest.Format("2006-01-02"))
	}
	return nil
}

// ahead says how far t is after now, in days once it is days (a
// time.Duration stops at 292 years).
func ahead(t, now time.Time) string {
	if d := t.Sub(now); d <= 48*time.Hour {
		return d.Round(time.Second).String()
	}
	return strconv.FormatInt((t.Unix()-now.Unix())/86400, 10) + " days"
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

func hasPrefix(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
