package event

import (
	"strconv"
	"strings"
)

// parseJS parses a V8 error stack (Node, Chrome, Deno, Bun): "Type:
// message" and "    at fn (file:line:col)" lines, with the causes as Node's
// util.inspect prints them ("[cause]: Error: …", indented) or as
// pino's err serializer and VError write them ("caused by: Error: …").
// Node's uncaught-exception report puts the throwing source line above the
// header; it is skipped. Frames nested deeper than the exception's own (an
// AggregateError's [errors]) are not part of the chain.
func parseJS(text string) []Exception {
	var chain []Exception
	var pending []string // non-frame lines since the last blank one: the header-to-be
	frameIndent := -1    // indentation of the current exception's frames
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimRight(line, " \t")
		body := strings.TrimSpace(line)
		indent := len(line) - len(strings.TrimLeft(line, " \t"))
		if frame := jsTrim(body); strings.HasPrefix(frame, "at ") {
			f, ok := jsFrame(frame)
			if !ok {
				continue
			}
			if len(chain) == 0 {
				chain = append(chain, jsHeader(pending))
				pending = nil
			}
			if frameIndent < 0 {
				frameIndent = indent
			}
			if indent == frameIndent {
				appendFrame(&chain[len(chain)-1], f)
			}
			continue
		}
		if len(chain) == 0 {
			if body == "" {
				pending = pending[:0]
			} else {
				pending = append(pending, line)
			}
			continue
		}
		if rest, ok := causeLine(body); ok {
			if typ, msg, ok := jsTypeMessage(rest); ok {
				if len(chain) >= maxChain {
					return nil
				}
				chain = append(chain, Exception{Type: typ, Message: msg})
				frameIndent = -1
			}
			continue
		}
		if n := len(chain); frameIndent < 0 && body != "" && len(chain[n-1].Frames) == 0 {
			chain[n-1].Message += "\n" + line // a message of more than one line
		}
	}
	if len(chain) == 0 || len(chain[0].Frames) == 0 && len(chain) == 1 {
		return nil
	}
	return chain
}

// jsTrim drops what util.inspect writes after a frame: " {" opens the
// error's properties after its last frame, "," separates an array's errors.
func jsTrim(body string) string {
	return strings.TrimSuffix(strings.TrimSuffix(body, " {"), ",")
}

// causeLine matches "[cause]: …" and "caused by: …" (any case).
func causeLine(body string) (string, bool) {
	if rest, ok := strings.CutPrefix(body, "[cause]: "); ok {
		return rest, true
	}
	if len(body) > len("caused by: ") && strings.EqualFold(body[:len("caused by: ")], "caused by: ") {
		return body[len("caused by: "):], true
	}
	return "", false
}

// jsHeader makes the exception of the lines above the first frame. An
// error whose name is not a plain identifier is still an Error.
func jsHeader(lines []string) Exception {
	if len(lines) == 0 {
		return Exception{Type: "Error"}
	}
	typ, msg, ok := jsTypeMessage(strings.TrimSpace(lines[0]))
	if !ok {
		typ, msg = "Error", strings.TrimSpace(lines[0])
	}
	for _, l := range lines[1:] {
		msg += "\n" + l
	}
	return Exception{Type: typ, Message: msg}
}

// jsTypeMessage splits "TypeError: msg", "Error [ERR_CODE]: msg" (Node's
// system errors) and "Uncaught Error: msg" (a REPL or browser console).
func jsTypeMessage(s string) (typ, msg string, ok bool) {
	s = strings.TrimPrefix(s, "Uncaught ")
	typ, msg, found := strings.Cut(s, ": ")
	if !found {
		typ = s
	}
	name, code, hasCode := strings.Cut(typ, " [")
	if hasCode && (!strings.HasSuffix(code, "]") || strings.ContainsAny(code[:len(code)-1], " []")) {
		return "", "", false
	}
	if !isTypeName(name) {
		return "", "", false
	}
	return typ, msg, true
}

// isJSFrameLine tells a V8 frame from a Java one: V8 gives a line and a
// column, marks async and constructor calls, and puts a space between the
// function and its location, none of which Java does.
func isJSFrameLine(body string) bool {
	s, ok := strings.CutPrefix(jsTrim(body), "at ")
	if !ok {
		return false
	}
	if strings.HasPrefix(s, "async ") || strings.HasPrefix(s, "new ") {
		return true
	}
	if strings.Contains(s, " (") && strings.HasSuffix(s, ")") {
		return true
	}
	_, _, _, ok = lineCol(strings.TrimSuffix(s, ")"))
	return ok
}

// lineCol splits "file:12:34".
func lineCol(loc string) (file string, line, col int, ok bool) {
	c2 := strings.LastIndexByte(loc, ':')
	if c2 <= 0 || !allDigits(loc[c2+1:]) {
		return "", 0, 0, false
	}
	c1 := strings.LastIndexByte(loc[:c2], ':')
	if c1 <= 0 || !allDigits(loc[c1+1:c2]) {
		return "", 0, 0, false
	}
	line, err1 := strconv.Atoi(loc[c1+1 : c2])
	col, err2 := strconv.Atoi(loc[c2+1:])
	if err1 != nil || err2 != nil {
		return "", 0, 0, false
	}
	return loc[:c1], line, col, true
}

// jsFrame parses "at [async] [new] fn [as alias] (location)" and "at
// location", where location is file:line:col, native, <anonymous> or
// "index N" (Promise.all's). The function is "<anonymous>" when V8 names
// none; a file:// URL becomes its path.
func jsFrame(body string) (Frame, bool) {
	s := strings.TrimPrefix(body[len("at "):], "async ")
	var name, loc string
	if open := strings.Index(s, " ("); open >= 0 && strings.HasSuffix(s, ")") {
		name, loc = s[:open], s[open+2:len(s)-1]
	} else {
		loc = s
	}
	if rest, ok := strings.CutPrefix(loc, "eval at "); ok {
		// "eval at outer (file:1:2), <anonymous>:3:4": where the eval'd code ran.
		if i := strings.LastIndex(rest, ", "); i >= 0 {
			loc = rest[i+2:]
		}
	}
	if i := strings.Index(name, " [as "); i >= 0 {
		name = name[:i]
	}
	if name == "" {
		name = "<anonymous>"
	}
	f := Frame{Method: name}
	if file, line, _, ok := lineCol(loc); ok {
		f.File, f.Line = file, line
	} else if strings.ContainsAny(loc, " ") && !strings.HasPrefix(loc, "index ") {
		return Frame{}, false
	} else {
		f.File = loc
	}
	f.File = strings.TrimPrefix(f.File, "file://")
	return f, true
}
