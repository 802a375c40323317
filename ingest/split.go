// The parsing half of ingest: request bodies of JSON log events into
// canonical event.Event values. This file and its siblings do no I/O.

package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Line is one event's raw JSON and where it was in the body. Raw aliases the
// body passed to SplitBody.
type Line struct {
	N   int
	Raw []byte
}

// LineError says why one line (or array element) of a body was rejected.
type LineError struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

func (e LineError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

var utf8BOM = []byte("\xef\xbb\xbf")

// SplitBody splits a request body into events. The body is one JSON object
// (possibly pretty-printed over several lines), a JSON array of objects, or
// NDJSON. For an array N is the 1-based element index, otherwise the 1-based
// line number. Lines and errors are each in ascending order; a bad line does
// not stop the others. An empty body yields neither.
func SplitBody(body []byte) ([]Line, []LineError) {
	body = bytes.TrimPrefix(body, utf8BOM)
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, nil
	}
	if trimmed[0] == '[' {
		return splitArray(trimmed)
	}
	if trimmed[0] == '{' && (json.Valid(trimmed) || opensPrettyObject(trimmed)) {
		lead := len(body) - len(bytes.TrimLeftFunc(body, unicode.IsSpace))
		n := 1 + bytes.Count(body[:lead], []byte("\n"))
		if reason := checkLine(trimmed); reason != "" {
			return nil, []LineError{{Line: n, Reason: reason}}
		}
		return []Line{{N: n, Raw: trimmed}}, nil
	}
	return splitLines(body)
}

// opensPrettyObject reports whether the body starts like a pretty-printer's
// output ("{" alone on the first line). Such a body is one object even when it
// is broken; splitting it into lines would report every line as an error.
func opensPrettyObject(b []byte) bool {
	first, _, _ := bytes.Cut(b, []byte("\n"))
	return string(bytes.TrimSpace(first)) == "{"
}

func splitArray(b []byte) ([]Line, []LineError) {
	var elems []json.RawMessage
	if err := json.Unmarshal(b, &elems); err != nil {
		return nil, []LineError{{Line: 1, Reason: "invalid JSON array: " + jsonErrText(err)}}
	}
	var lines []Line
	var errs []LineError
	for i, el := range elems {
		if !utf8.Valid(el) {
			errs = append(errs, LineError{Line: i + 1, Reason: "invalid UTF-8"})
			continue
		}
		lines = append(lines, Line{N: i + 1, Raw: el})
	}
	return lines, errs
}

func splitLines(body []byte) ([]Line, []LineError) {
	var lines []Line
	var errs []LineError
	for n := 1; len(body) > 0; n++ {
		line, rest, _ := bytes.Cut(body, []byte("\n"))
		body = rest
		line = bytes.TrimSpace(line) // also drops the \r of CRLF
		if len(line) == 0 {
			continue
		}
		// Only the encoding is checked here: ParseEvent validates the JSON
		// (a pass of its own, before it parses), and the line keeps its
		// number, so those errors name the line too.
		if !utf8.Valid(line) {
			errs = append(errs, LineError{Line: n, Reason: "invalid UTF-8"})
			continue
		}
		lines = append(lines, Line{N: n, Raw: line})
	}
	return lines, errs
}

// checkLine returns why b cannot be an event, or "".
func checkLine(b []byte) string {
	if !utf8.Valid(b) {
		return "invalid UTF-8"
	}
	if json.Valid(b) {
		return ""
	}
	var v json.RawMessage
	return "invalid JSON: " + jsonErrText(json.Unmarshal(b, &v))
}

func jsonErrText(err error) string {
	if err == nil {
		return "malformed value"
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s (at byte %d)", se.Error(), se.Offset)
	}
	return err.Error()
}
