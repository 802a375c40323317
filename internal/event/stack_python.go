package event

import (
	"slices"
	"strconv"
	"strings"
)

// The sentences Python prints between the exceptions of a chain.
const (
	pyCause   = "The above exception was the direct cause of the following exception:"
	pyContext = "During handling of the above exception, another exception occurred:"
)

func isPythonTraceback(body string) bool {
	return body == "Traceback (most recent call last):" ||
		strings.HasSuffix(body, "Exception Group Traceback (most recent call last):")
}

// parsePython parses traceback.format_exception's text (what logging's
// exc_info and ecs-logging write). Python prints the root cause first and
// each stack outermost call first, so both are turned around. The
// sub-exceptions of an ExceptionGroup are skipped, as Java's suppressed
// exceptions are: the group's own traceback is where it was raised.
func parsePython(text string) []Exception {
	var chain []Exception
	const (
		seeking   = iota // before a traceback or between two
		inFrames         // after a Traceback header
		inMessage        // after the exception line
	)
	state := seeking
	groupCol := -1 // column of an exception group's "+"/"|" markers
	var more []string
	flush := func() {
		if len(more) > 0 && len(chain) > 0 {
			last := &chain[len(chain)-1]
			last.Message = strings.TrimRight(last.Message+"\n"+strings.Join(more, "\n"), "\n")
		}
		more = more[:0]
	}
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimRight(line, " \t")
		if groupCol >= 0 {
			var ok bool
			if line, ok = groupContent(line, groupCol); !ok {
				continue
			}
		} else if body := strings.TrimSpace(line); strings.HasPrefix(body, "+ Exception Group Traceback") {
			groupCol = strings.IndexByte(line, '+')
			line = line[groupCol+2:]
		}
		body := strings.TrimSpace(line)
		switch {
		case isPythonTraceback(body):
			flush()
			state = inFrames
			chain = append(chain, Exception{})
			continue
		case body == pyCause || body == pyContext:
			flush()
			state = seeking
			groupCol = -1
			continue
		}
		switch state {
		case seeking:
			if body == "" {
				continue
			}
			if strings.HasPrefix(body, `File "`) && len(chain) == 0 {
				// traceback.format_tb's frames alone, as ecs-logging writes
				// error.stack_trace (the type is in error.type).
				chain = append(chain, Exception{})
				state = inFrames
				if f, ok := pythonFrame(body); ok {
					appendFrame(&chain[0], f)
				}
				continue
			}
			// An exception that was never raised has no traceback.
			typ, msg, ok := pythonHeader(body)
			if !ok {
				return nil
			}
			chain = append(chain, Exception{Type: typ, Message: msg})
			state = inMessage
		case inFrames:
			switch {
			case strings.HasPrefix(body, `File "`):
				if f, ok := pythonFrame(body); ok {
					appendFrame(&chain[len(chain)-1], f)
				}
			case body == "" || line[0] == ' ' || line[0] == '\t':
				// Source lines, carets, "[Previous line repeated N more times]".
			default:
				typ, msg, ok := pythonHeader(body)
				if !ok {
					return nil
				}
				last := &chain[len(chain)-1]
				last.Type, last.Message = typ, msg
				state = inMessage
			}
		case inMessage:
			if body == "" {
				flush()
				state = seeking
				continue
			}
			more = append(more, line)
		}
		if len(chain) > maxChain {
			return nil
		}
	}
	flush()
	// A traceback cut off before its exception line names no exception;
	// frames alone still say where.
	chain = slices.DeleteFunc(chain, func(ex Exception) bool { return ex.Type == "" && len(ex.Frames) == 0 })
	if len(chain) == 0 {
		return nil
	}
	slices.Reverse(chain)
	reverseFrames(chain)
	return chain
}

// groupContent strips an exception group's frame from a line: "| " or
// "+ " at the group's column. Lines of its sub-exceptions, further right,
// and its separators ("+-+---- 1 ----") are not the group's own.
func groupContent(line string, col int) (string, bool) {
	if len(line) <= col {
		return "", false
	}
	if strings.TrimSpace(line[:col]) != "" {
		// Text at the left of the markers: the group's block has ended.
		return line, true
	}
	switch {
	case strings.HasPrefix(line[col:], "| "), strings.HasPrefix(line[col:], "+ "):
		return line[col+2:], true
	case line[col:] == "|":
		return "", true
	}
	return "", false
}

// pythonHeader splits "module.Type: message". Types defined in a function
// carry "<locals>" in their qualified name.
func pythonHeader(s string) (typ, msg string, ok bool) {
	typ, msg, found := strings.Cut(s, ": ")
	if !found {
		typ = strings.TrimSuffix(s, ":")
	}
	if !isTypeNameWith(typ, "<>") {
		return "", "", false
	}
	// str() of an ExceptionGroup counts its members; the count is not the
	// message the code gave.
	if i := strings.LastIndex(msg, " ("); i >= 0 && (strings.HasSuffix(msg, " sub-exception)") || strings.HasSuffix(msg, " sub-exceptions)")) {
		msg = msg[:i]
	}
	return typ, msg, true
}

// pythonFrame parses `File "path", line 12, in func`.
func pythonFrame(body string) (Frame, bool) {
	rest := body[len(`File "`):]
	end := strings.LastIndex(rest, `", line `)
	if end < 0 {
		return Frame{}, false
	}
	f := Frame{File: rest[:end]}
	rest = rest[end+len(`", line `):]
	num, fn, ok := strings.Cut(rest, ", in ")
	if !ok || fn == "" {
		return Frame{}, false
	}
	if n, err := strconv.Atoi(num); err == nil && n > 0 {
		f.Line = n
	}
	f.Method = fn
	return f, true
}
