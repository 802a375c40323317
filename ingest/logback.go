package ingest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fastjson"

	"github.com/faultline/faultline/internal/event"
)

// fromLogback reads ch.qos.logback.classic.encoder.JsonEncoder output. It is
// the format faultline is built around and the one most events arrive in, so
// it reads the parsed tree directly instead of going through map[string]any,
// a conversion that would cost more than the rest of the read.
func fromLogback(o *fastjson.Object, e *event.Event, c *common) error {
	e.Event.Dataset = DatasetLogback
	var timestamp, nanos, template, formatted, args, throwable, mdc, kvps, ctx *fastjson.Value
	c.labels = map[string]string{}
	// One pass over the keys; a repeated key is read the way encoding/json
	// reads it, the last one winning.
	o.Visit(func(k []byte, v *fastjson.Value) {
		switch string(k) {
		case "timestamp":
			timestamp = v
		case "nanoseconds":
			nanos = v
		case "level":
			e.Log.Level = normLevel(toAny(v))
		case "loggerName":
			e.Log.Logger = nonNull(strOf(v))
		case "threadName":
			c.thread = nonNull(strOf(v))
		case "message":
			template = v
		case "formattedMessage":
			formatted = v
		case "arguments":
			args = v
		case "throwable":
			throwable = v
		case "mdc":
			mdc = v
		case "kvpList":
			kvps = v
		case "context":
			ctx = v
		}
	})
	// MDC, then key-values, then context: the order the map-based reader used,
	// so a key present in several places resolves the same.
	if typeOf(mdc) == fastjson.TypeObject {
		addLabelsFrom(c.labels, "", mdc)
	}
	if typeOf(kvps) == fastjson.TypeArray {
		for _, kv := range kvps.GetArray() {
			if kv.Type() == fastjson.TypeObject {
				addLabelsFrom(c.labels, "", kv)
			}
		}
	}
	if typeOf(ctx) == fastjson.TypeObject {
		co := ctx.GetObject()
		c.contextName = strOf(field(co, "name"))
		if props := field(co, "properties"); typeOf(props) == fastjson.TypeObject {
			c.host = strOf(field(props.GetObject(), "HOSTNAME"))
		}
	}
	switch typeOf(timestamp) {
	case fastjson.TypeNumber:
		if e.Timestamp = logbackTime(numberText(timestamp), nanos); e.Timestamp.IsZero() {
			return badTime(numberText(timestamp))
		}
	case fastjson.TypeString:
		var err error
		if e.Timestamp, err = parseTime(string(timestamp.GetStringBytes())); err != nil {
			return err
		}
	case fastjson.TypeNull:
	default:
		return fmt.Errorf("timestamp is a JSON %s: want a number of milliseconds since 1970", typeName(timestamp.Type()))
	}

	var tpl string
	if typeOf(template) == fastjson.TypeString {
		tpl = string(template.GetStringBytes())
	}
	if typeOf(formatted) == fastjson.TypeString {
		e.Message = string(formatted.GetStringBytes())
	} else {
		var argv []any
		if typeOf(args) == fastjson.TypeArray {
			for _, a := range args.GetArray() {
				argv = append(argv, toAny(a))
			}
		}
		e.Message = formatTemplate(tpl, argv)
	}
	if hasPlaceholder(tpl) {
		e.Faultline.MessageTemplate = tpl
	}

	var t *throwableNode
	if typeOf(throwable) == fastjson.TypeObject {
		t = readThrowable(throwable.GetObject())
	}
	for cur := t; cur != nil; cur = cur.cause {
		typ := nonNull(cur.className)
		if typ == "" {
			break
		}
		frames := make([]event.Frame, 0, len(cur.steps))
		for _, s := range cur.steps {
			f := event.Frame{Class: nonNull(s.className), Method: nonNull(s.methodName), File: nonNull(s.fileName)}
			switch n := atoi(s.lineNumber); {
			case n > 0:
				f.Line = n
			case n == -2:
				// Native: text traces say "(Native Method)" with no file; match them.
				f.File = ""
			}
			frames = append(frames, f)
		}
		if len(frames) == 0 {
			frames = nil
		}
		e.Faultline.Exceptions = append(e.Faultline.Exceptions, event.Exception{
			Type:    typ,
			Message: nonNull(cur.message),
			Frames:  frames,
		})
	}
	if len(e.Faultline.Exceptions) > 0 {
		var sb strings.Builder
		sb.Grow(t.textLen()) // one allocation instead of a doubling series
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

// throwableNode is JsonEncoder's throwable with its fields as text: "null"
// stays "null" here because the rendered trace prints it that way while the
// structured exception drops it.
type throwableNode struct {
	className, message string
	steps              []stepNode
	commonFrames       string
	suppressed         []*throwableNode
	cause              *throwableNode
}

// textLen is about the length of t rendered by renderThrowable.
func (t *throwableNode) textLen() int {
	n := len(t.className) + len(t.message) + 40
	for _, s := range t.steps {
		n += len(s.className) + len(s.methodName) + len(s.fileName) + 16
	}
	for _, s := range t.suppressed {
		n += s.textLen()
	}
	if t.cause != nil {
		n += t.cause.textLen()
	}
	return n
}

type stepNode struct {
	className, methodName, fileName, lineNumber string
}

func readThrowable(o *fastjson.Object) *throwableNode {
	t := &throwableNode{}
	o.Visit(func(k []byte, v *fastjson.Value) {
		switch string(k) {
		case "className":
			t.className = strOf(v)
		case "message":
			t.message = strOf(v)
		case "commonFramesCount":
			t.commonFrames = strOf(v)
		case "stepArray":
			t.steps = t.steps[:0]
			if v.Type() != fastjson.TypeArray {
				return
			}
			for _, s := range v.GetArray() {
				if s.Type() != fastjson.TypeObject {
					continue
				}
				var st stepNode
				s.GetObject().Visit(func(k []byte, v *fastjson.Value) {
					switch string(k) {
					case "className":
						st.className = strOf(v)
					case "methodName":
						st.methodName = strOf(v)
					case "fileName":
						st.fileName = strOf(v)
					case "lineNumber":
						st.lineNumber = strOf(v)
					}
				})
				t.steps = append(t.steps, st)
			}
		case "suppressed":
			t.suppressed = t.suppressed[:0]
			if v.Type() != fastjson.TypeArray {
				return
			}
			for _, s := range v.GetArray() {
				if s.Type() == fastjson.TypeObject {
					t.suppressed = append(t.suppressed, readThrowable(s.GetObject()))
				}
			}
		case "cause":
			t.cause = nil
			if v.Type() == fastjson.TypeObject {
				t.cause = readThrowable(v.GetObject())
			}
		}
	})
	return t
}

// logbackTime combines JsonEncoder's epoch millis with its nano-of-second,
// using the nanos only when they agree with the millis.
func logbackTime(ms string, nanos *fastjson.Value) time.Time {
	millis, err := strconv.ParseInt(ms, 10, 64)
	if err != nil || millis <= 0 {
		return time.Time{}
	}
	t := time.UnixMilli(millis).UTC()
	if typeOf(nanos) == fastjson.TypeNumber {
		if ns, err := strconv.ParseInt(numberText(nanos), 10, 64); err == nil && ns >= 0 && ns < 1e9 && ns/1e6 == millis%1000 {
			t = time.Unix(millis/1000, ns).UTC()
		}
	}
	return t
}

// atoi is strconv.Atoi without the error value, which allocates: most
// throwables have no commonFramesCount.
func atoi(s string) int {
	if s == "" {
		return 0
	}
	n, _ := strconv.Atoi(s)
	return n
}

func nonNull(s string) string {
	if s == "null" {
		return ""
	}
	return s
}

// renderThrowable writes a JsonEncoder throwable the way logback's
// ThrowableProxyConverter prints it, so Error.StackTrace reads the same
// whichever encoder the application used.
func renderThrowable(sb *strings.Builder, t *throwableNode, prefix string, indent int) {
	tabs := strings.Repeat("\t", indent)
	sb.WriteString(tabs)
	sb.WriteString(prefix)
	sb.WriteString(t.className)
	if msg := nonNull(t.message); msg != "" {
		sb.WriteString(": ")
		sb.WriteString(msg)
	}
	sb.WriteByte('\n')
	for _, s := range t.steps {
		loc := nonNull(s.fileName)
		line := atoi(s.lineNumber)
		sb.WriteString(tabs)
		sb.WriteString("\tat ")
		sb.WriteString(s.className)
		sb.WriteByte('.')
		sb.WriteString(s.methodName)
		sb.WriteByte('(')
		switch {
		case line == -2:
			sb.WriteString("Native Method")
		case loc == "":
			sb.WriteString("Unknown Source")
		case line >= 0:
			sb.WriteString(loc)
			sb.WriteByte(':')
			sb.WriteString(strconv.Itoa(line))
		default:
			sb.WriteString(loc)
		}
		sb.WriteString(")\n")
	}
	if n := atoi(t.commonFrames); n > 0 {
		sb.WriteString(tabs)
		sb.WriteString("\t... ")
		sb.WriteString(strconv.Itoa(n))
		sb.WriteString(" common frames omitted\n")
	}
	for _, s := range t.suppressed {
		renderThrowable(sb, s, "Suppressed: ", indent+1)
	}
	if t.cause != nil {
		renderThrowable(sb, t.cause, "Caused by: ", indent)
	}
}

// addLabelsFrom stringifies an object's values into labels, flattening
// nested objects to dotted keys.
func addLabelsFrom(labels map[string]string, prefix string, obj *fastjson.Value) {
	obj.GetObject().Visit(func(k []byte, v *fastjson.Value) {
		switch v.Type() {
		case fastjson.TypeNull:
		case fastjson.TypeObject:
			addLabelsFrom(labels, prefix+string(k)+".", v)
		default:
			labels[prefix+string(k)] = strOf(v)
		}
	})
}
