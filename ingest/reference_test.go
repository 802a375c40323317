package ingest

// The reference reader: ParseEvent as it was before the fastjson reader,
// decoding with encoding/json into maps. The differential tests hold the fast
// reader to it on the fixtures, the corpus and every fuzz input, so speed did
// not change what an event means.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/loadgen"
)

func referenceParse(raw []byte) (event.Event, error) {
	if !utf8.Valid(raw) {
		return event.Event{}, errors.New("invalid UTF-8")
	}
	if err := checkDepth(raw); err != nil {
		return event.Event{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
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
	has := func(keys ...string) bool {
		for _, k := range keys {
			if _, ok := m[k]; ok {
				return true
			}
		}
		return false
	}
	var e event.Event
	var c common
	var err error
	switch {
	case has("loggerName", "threadName", "sequenceNumber", "throwable", "formattedMessage", "kvpList"):
		err = refFromLogback(m, &e, &c)
	case has("ecs.version", "ecs", "log.level", "log.logger", "process.thread.name", "error.type", "error.stack_trace") || isObject(m["log"]):
		err = fromECS(m, &e, &c)
	case has("@version", "logger_name", "thread_name", "level_value", "stack_trace"):
		err = fromLogstash(m, &e, &c)
	case has("short_message"):
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

// refFromLogback reads ch.qos.logback.classic.encoder.JsonEncoder output.
func refFromLogback(m map[string]any, e *event.Event, c *common) error {
	e.Event.Dataset = DatasetLogback
	switch ts := m["timestamp"].(type) {
	case json.Number:
		if e.Timestamp = refLogbackTime(ts, m["nanoseconds"]); e.Timestamp.IsZero() {
			return badTime(ts.String())
		}
	case string:
		var err error
		if e.Timestamp, err = parseTime(ts); err != nil {
			return err
		}
	case nil:
	default:
		return fmt.Errorf("timestamp is a JSON %s: want a number of milliseconds since 1970", jsonKind(ts))
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
			Message: refThrowableMessage(cur),
			Frames:  refLogbackFrames(cur["stepArray"]),
		})
	}
	if len(e.Faultline.Exceptions) > 0 {
		var sb strings.Builder
		refRenderThrowable(&sb, t, "", 0)
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

// refLogbackTime combines JsonEncoder's epoch millis with its nano-of-second,
// using the nanos only when they agree with the millis.
func refLogbackTime(ms json.Number, nanos any) time.Time {
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

// refThrowableMessage maps JsonEncoder's "null" (its rendering of a null
// message) to "", as event.ParseStackTrace does for text traces.
func refThrowableMessage(t map[string]any) string {
	return nonNull(str(t["message"]))
}

func refLogbackFrames(v any) []event.Frame {
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

// refRenderThrowable writes a JsonEncoder throwable the way logback's
// ThrowableProxyConverter prints it, so Error.StackTrace reads the same
// whichever encoder the application used.
func refRenderThrowable(sb *strings.Builder, t map[string]any, prefix string, indent int) {
	tabs := strings.Repeat("\t", indent)
	sb.WriteString(tabs + prefix + str(t["className"]))
	if msg := refThrowableMessage(t); msg != "" {
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
				refRenderThrowable(sb, st, "Suppressed: ", indent+1)
			}
		}
	}
	if cause, ok := t["cause"].(map[string]any); ok {
		refRenderThrowable(sb, cause, "Caused by: ", indent)
	}
}

// sameAsReference fails t when ParseEvent and the reference reader disagree
// on raw: the same event, or the same error.
func sameAsReference(t *testing.T, raw []byte) {
	t.Helper()
	if loneSurrogate.Match(raw) {
		// encoding/json turns an unpaired \ud800 into U+FFFD, fastjson keeps
		// the escape as text; both are valid UTF-8 and neither is wrong.
		return
	}
	got, gotErr := ParseEvent(raw)
	want, wantErr := referenceParse(raw)
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
		t.Fatalf("%.200q\nerror %v\nwant  %v", raw, gotErr, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Fatalf("%.200q\n got %s\nwant %s", raw, g, w)
	}
}

var loneSurrogate = regexp.MustCompile(`(?i)\\ud[89a-f]`)

// TestParseMatchesReference runs both readers over everything the real
// libraries wrote (fixtures and the grouping corpus) and the load generator's
// events.
func TestParseMatchesReference(t *testing.T) {
	var files []string
	for _, dir := range []string{"fixtures", "corpus"} {
		m, _ := filepath.Glob(filepath.Join("..", "schemas", "testdata", dir, "*.ndjson"))
		files = append(files, m...)
	}
	if len(files) < 6 {
		t.Fatalf("found only %d fixture files", len(files))
	}
	n := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range bytes.Split(raw, []byte("\n")) {
			if len(bytes.TrimSpace(line)) > 0 {
				sameAsReference(t, line)
				n++
			}
		}
	}
	g := loadgen.NewGenerator(loadgen.Config{Services: 3, Bugs: 20, Seed: 4})
	for i := range 200 {
		sameAsReference(t, g.Event(i%20, i/20))
		n++
	}
	t.Logf("%d events read the same by both readers", n)
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

func isObject(v any) bool {
	_, ok := v.(map[string]any)
	return ok
}

func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "array"
	case map[string]any:
		return "object"
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
