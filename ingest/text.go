package ingest

import (
	"strings"
	"time"

	"github.com/faultline/faultline/internal/event"
)

// DatasetText is the dataset of an event read from a text line.
const DatasetText = "text"

// traceSearchLines is how many lines into a text line a stack trace's
// first line is looked for: a log line prints its message first and the
// trace right after, and every try reads the rest of the text.
const traceSearchLines = 32

// ParseText reads a log line that is not a JSON event: the text before a
// stack trace is the message, the trace its exception chain, and the level
// and time come from the first line when it names them. The Loki route
// reads its lines with it, /_bulk the text of documents that carry nothing
// else.
func ParseText(line string) event.Event {
	line = strings.TrimRight(line, "\r\n")
	ev := event.Event{Message: line}
	ev.Event.Dataset = DatasetText
	head := line
	if trace, at, platform, chain := findTrace(line); chain != nil {
		head = strings.TrimSpace(line[:at])
		SetStack(&ev, trace, platform, chain)
		if head != "" {
			ev.Message = head
		} else {
			ev.Message, _, _ = strings.Cut(trace, "\n")
		}
	}
	firstLine, _, _ := strings.Cut(head, "\n")
	ev.Log.Level = lineLevel(firstLine)
	ev.Timestamp = lineTime(firstLine)
	return ev
}

// findTrace finds the stack trace in text: the whole of it, or from one of
// its first lines on (a log line's message comes first). Lines that start
// indented are frames, never a trace's first line, and are not tried.
func findTrace(text string) (trace string, at int, platform string, chain []event.Exception) {
	if !strings.Contains(text, "\n") || !hasFrameMark(text) {
		return "", 0, "", nil
	}
	at = 0
	for i := 0; i < traceSearchLines && at < len(text); i++ {
		if c := text[at]; c != ' ' && c != '\t' {
			if platform, chain = event.ParseStack(text[at:]); chain != nil {
				return text[at:], at, platform, chain
			}
		}
		nl := strings.IndexByte(text[at:], '\n')
		if nl < 0 {
			break
		}
		at += nl + 1
	}
	return "", 0, "", nil
}

// frameMarks are text every stack trace event.ParseStack reads holds
// somewhere: a Java or V8 frame's "at ", Python's traceback header or
// frame line, a Go frame's file. Multi-line text with none of them is not
// searched line by line.
var frameMarks = []string{"\tat ", "    at ", "Traceback (most recent call last)", "  File \"", ".go:"}

func hasFrameMark(text string) bool {
	for _, m := range frameMarks {
		if strings.Contains(text, m) {
			return true
		}
	}
	return false
}

// levelWords are the level names a text line is read for, written as
// loggers print them (upper case), so "error" in prose is not a level.
var levelWords = map[string]bool{
	"TRACE": true, "DEBUG": true, "INFO": true, "NOTICE": true, "WARN": true, "WARNING": true,
	"ERROR": true, "ERR": true, "SEVERE": true, "FATAL": true, "CRITICAL": true, "CRIT": true, "PANIC": true,
}

// lineLevel is the level a text line names: a logfmt level=/lvl=/severity=
// key (any case), else the first upper-case level word among the line's
// first words, brackets and colons stripped ("[ERROR]", "ERROR:").
func lineLevel(line string) string {
	fields := strings.Fields(line)
	for _, f := range fields {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			continue
		}
		switch strings.ToLower(k) {
		case "level", "lvl", "severity", "log.level":
			return normLevel(strings.Trim(v, `"'`))
		}
	}
	for i, f := range fields {
		if i >= 8 {
			break
		}
		w := strings.Trim(f, "[]():|<>")
		if levelWords[w] {
			return normLevel(w)
		}
	}
	return ""
}

// lineTime is the time a text line starts with, or its logfmt ts=, time=
// or timestamp=, when it says its zone (RFC 3339, with a space or a T
// between date and time): without a zone it could be any of 24 hours, and
// the entry's own timestamp is better.
func lineTime(line string) time.Time {
	f := strings.Fields(line)
	if len(f) == 0 {
		return time.Time{}
	}
	cands := []string{f[0]}
	if len(f) > 1 && len(f[0]) == 10 {
		cands = append(cands, f[0]+"T"+f[1])
	}
	for _, kv := range f {
		if k, v, ok := strings.Cut(kv, "="); ok && (k == "ts" || k == "time" || k == "timestamp") {
			cands = append(cands, strings.Trim(v, `"`))
			break
		}
	}
	for _, c := range cands {
		c = strings.Trim(c, "[]")
		if t, err := time.Parse(time.RFC3339Nano, c); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
