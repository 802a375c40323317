package event

import (
	"slices"
	"strconv"
	"strings"
)

// parseGo parses what a Go program prints with a stack: a panic (the
// runtime's "panic: …" and "goroutine N [running]:", or net/http's "http:
// panic serving …" log line) and an error formatted with %+v by
// github.com/pkg/errors (the message, then each frame's function and a
// tab-indented file:line; a wrapped error prints its cause first). Only the
// first goroutine is read: it is the one that panicked. A panic has no type
// beyond what its message says, so it is "panic" ("runtime.Error" for the
// runtime's own, "fatal error" for the unrecoverable ones), and an error
// printed with its stack is "error".
func parseGo(text string) []Exception {
	lines := strings.Split(text, "\n")
	var chain []Exception
	inGoroutine := false
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], " \t")
		body := strings.TrimSpace(line)
		if goroutineHeader(body) {
			if inGoroutine {
				break // another goroutine's stack (GOTRACEBACK=all)
			}
			inGoroutine = true
			continue
		}
		if body != "" && line[0] != '\t' && i+1 < len(lines) && isGoFileLine(lines[i+1]) {
			if len(chain) == 0 {
				chain = append(chain, Exception{Type: "error"})
			}
			if f, ok := goFrame(body, lines[i+1]); ok {
				appendFrame(&chain[len(chain)-1], f)
			}
			i++
			continue
		}
		switch {
		case body == "":
			if inGoroutine && len(chain) > 0 && len(chain[len(chain)-1].Frames) > 0 {
				i = len(lines) // the panicking goroutine's stack has ended
			}
			continue
		case inGoroutine:
			continue // "...additional frames elided...", "exit status 2"
		case strings.HasPrefix(body, "[signal ") && len(chain) > 0:
			last := &chain[len(chain)-1]
			last.Message += "\n" + body
			continue
		}
		typ, msg, isPanic := goHeader(body)
		if n := len(chain); n > 0 && !isPanic && len(chain[n-1].Frames) == 0 {
			// A message of more than one line.
			chain[n-1].Message += "\n" + line
			continue
		}
		if len(chain) >= maxChain {
			return nil
		}
		chain = append(chain, Exception{Type: typ, Message: msg})
	}
	if len(chain) == 0 {
		return nil
	}
	// Both a re-panic and a wrapping error print the outermost last.
	slices.Reverse(chain)
	return splitWrapped(chain)
}

// splitWrapped separates what errors.Wrap(err, msg) prints as one block,
// err's text then msg above the stack: the last line is the wrapper's own
// message, the lines before are the cause's, which had no stack of its own.
func splitWrapped(chain []Exception) []Exception {
	for i := 0; i < len(chain) && len(chain) < maxChain; i++ {
		ex := &chain[i]
		nl := strings.LastIndexByte(ex.Message, '\n')
		if ex.Type != "error" || nl < 0 || len(ex.Frames) == 0 {
			continue
		}
		cause := Exception{Type: "error", Message: ex.Message[:nl]}
		ex.Message = ex.Message[nl+1:]
		chain = slices.Insert(chain, i+1, cause)
		i++
	}
	return chain
}

// goHeader reads a line that starts an exception: a panic, or an error's
// message.
func goHeader(body string) (typ, msg string, isPanic bool) {
	if _, rest, ok := strings.Cut(body, "http: panic serving "); ok {
		// "http: panic serving 10.0.0.1:5678: <value>"
		if _, v, ok := strings.Cut(rest, ": "); ok {
			return panicType(v), v, true
		}
	}
	switch {
	case strings.HasPrefix(body, "panic: "):
		v := strings.TrimPrefix(body, "panic: ")
		if i := strings.LastIndex(v, " [recovered"); i >= 0 && strings.HasSuffix(v, "]") {
			v = v[:i]
		}
		return panicType(v), v, true
	case strings.HasPrefix(body, "fatal error: "):
		return "fatal error", strings.TrimPrefix(body, "fatal error: "), true
	}
	return "error", body, false
}

func panicType(v string) string {
	if strings.HasPrefix(v, "runtime error: ") {
		return "runtime.Error"
	}
	return "panic"
}

// goroutineHeader matches "goroutine 7 [running]:", and with
// GOTRACEBACK=system "goroutine 7 gp=0xc000002380 m=0 mp=0x5d3a20 [running]:".
func goroutineHeader(body string) bool {
	rest, ok := strings.CutPrefix(body, "goroutine ")
	if !ok {
		return false
	}
	num, _, _ := strings.Cut(rest, " ")
	_, state, ok := strings.Cut(rest, " [")
	return ok && allDigits(num) && strings.HasSuffix(state, "]:")
}

// isGoFileLine matches a frame's location line: a tab, then
// "/path/file.go:123" with an optional " +0x1d" (the pc offset).
func isGoFileLine(line string) bool {
	_, _, ok := goFileLine(line)
	return ok
}

func goFileLine(line string) (file string, n int, ok bool) {
	rest, found := strings.CutPrefix(strings.TrimRight(line, " \r"), "\t")
	if !found {
		return "", 0, false
	}
	if sp := strings.LastIndex(rest, " +0x"); sp >= 0 {
		rest = rest[:sp]
	}
	colon := strings.LastIndexByte(rest, ':')
	if colon < 0 || !allDigits(rest[colon+1:]) {
		return "", 0, false
	}
	file = rest[:colon]
	if !strings.HasSuffix(file, ".go") && !strings.HasSuffix(file, ".s") || strings.ContainsAny(file, "\t") {
		return "", 0, false
	}
	n, err := strconv.Atoi(rest[colon+1:])
	if err != nil {
		return "", 0, false
	}
	return file, n, true
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// goFrame reads "pkg/path.(*Type).Method(0xc000, ...)" or "created by
// pkg.fn in goroutine 1" and its location line. Class is the package path,
// Method the rest of the name, so Function() gives the name Go printed.
func goFrame(fn, loc string) (Frame, bool) {
	fn = strings.TrimPrefix(fn, "created by ")
	if i := strings.LastIndex(fn, " in goroutine "); i >= 0 {
		fn = fn[:i]
	}
	if strings.HasSuffix(fn, ")") {
		depth := 0
		for i := len(fn) - 1; i >= 0; i-- {
			switch fn[i] {
			case ')':
				depth++
			case '(':
				depth--
			}
			if depth == 0 {
				fn = fn[:i]
				break
			}
		}
	}
	if fn == "" || strings.ContainsAny(fn, " \t") {
		return Frame{}, false
	}
	file, line, _ := goFileLine(loc)
	f := Frame{File: file, Line: line}
	f.Class, f.Method = splitGoFunc(fn)
	if f.Method == "" {
		return Frame{}, false
	}
	return f, true
}

// splitGoFunc splits a qualified Go function name at the end of its package
// path: the first dot after the last slash (Go escapes dots in the last
// path element, as in "gopkg.in/yaml%2ev3").
func splitGoFunc(name string) (pkg, fn string) {
	slash := strings.LastIndexByte(name, '/')
	dot := strings.IndexByte(name[slash+1:], '.')
	if dot < 0 {
		return "", name // the runtime's "panic(...)"
	}
	dot += slash + 1
	return name[:dot], name[dot+1:]
}
