package event

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// ParseStackTrace is ParseStack without the platform.
func ParseStackTrace(text string) []Exception {
	_, chain := ParseStack(text)
	return chain
}

// ParseStack parses stack trace text into the cause chain, outermost first,
// frames innermost first, and names the platform that printed it. It reads
// Python tracebacks, Go panics and errors printed with their stack, Node/V8
// error stacks, and Java's Throwable.printStackTrace (logback's %ex,
// logstash-logback-encoder's stack_trace): the text says which, since each
// prints frames in a shape the others never do (see detectPlatform). Text
// that is none of them yields nil.
func ParseStack(text string) (platform string, chain []Exception) {
	text = normalizeNewlines(text)
	platform = detectPlatform(text)
	switch platform {
	case PlatformPython:
		chain = parsePython(text)
	case PlatformGo:
		chain = parseGo(text)
	case PlatformJavaScript:
		chain = parseJS(text)
	default:
		chain = parseJava(text)
	}
	if chain == nil {
		return "", nil
	}
	return platform, chain
}

func normalizeNewlines(text string) string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	if !strings.Contains(text, "\n") && strings.Contains(text, `\n`) {
		// logstash-logback-encoder's "inline" option writes a literal \n.
		text = strings.ReplaceAll(text, `\n`, "\n")
	}
	return text
}

// parseJava parses Java stack trace text. Suppressed exceptions are not part
// of the chain and are skipped. Text whose first line is not an exception
// header yields nil.
func parseJava(text string) []Exception {

	var chain []Exception
	var more []string  // message lines after the header, joined once to stay linear
	base := 0          // indentation of the first header; the main chain never goes deeper
	inMessage := false // still collecting a multi-line message of the last exception
	skipping := false  // inside a Suppressed: block
	rootFirst := false // saw "Wrapped by:", so the chain is root cause first
	flush := func() {
		if len(more) > 0 {
			last := &chain[len(chain)-1]
			last.Message = strings.TrimRight(last.Message+"\n"+strings.Join(more, "\n"), "\n")
			more = more[:0]
		}
	}
	for line := range strings.SplitSeq(text, "\n") {
		body := strings.TrimSpace(line)
		indent := len(line) - len(strings.TrimLeft(line, " \t"))

		if len(chain) == 0 {
			if body == "" {
				continue
			}
			typ, msg, ok := parseHeader(stripThreadPrefix(body))
			if !ok {
				return nil
			}
			chain = append(chain, Exception{Type: typ, Message: msg})
			base, inMessage = indent, true
			continue
		}

		switch {
		case strings.HasPrefix(body, "Suppressed: "):
			skipping, inMessage = true, false
			continue
		case indent <= base && (strings.HasPrefix(body, "Caused by: ") || strings.HasPrefix(body, "Wrapped by: ")):
			prefix, rest, _ := strings.Cut(body, ": ")
			if typ, msg, ok := parseHeader(rest); ok {
				flush()
				chain = append(chain, Exception{Type: typ, Message: msg})
				rootFirst = rootFirst || prefix == "Wrapped by"
				skipping, inMessage = false, true
				continue
			}
		case strings.HasPrefix(body, "at "):
			if f, ok := parseFrame(body); ok {
				if !skipping {
					last := &chain[len(chain)-1]
					last.Frames = append(last.Frames, f)
				}
				inMessage = false
				continue
			}
		case strings.HasPrefix(body, "... ") || strings.HasPrefix(body, "[CIRCULAR REFERENCE"):
			inMessage = false
			continue
		}
		if inMessage && !skipping {
			more = append(more, strings.TrimRight(line, " \t"))
		}
	}
	if len(chain) > 0 {
		flush()
	}
	if rootFirst {
		slices.Reverse(chain)
	}
	return chain
}

// stripThreadPrefix removes the JVM's uncaught-exception prefix
// `Exception in thread "main" `.
func stripThreadPrefix(s string) string {
	const p = `Exception in thread "`
	if !strings.HasPrefix(s, p) {
		return s
	}
	if _, rest, ok := strings.Cut(s[len(p):], `" `); ok {
		return rest
	}
	return s
}

// parseHeader splits "Type: message" or "Type". Java writes a null message as
// "Type", logback as "Type: null"; both become an empty message so the two
// renderings of one exception agree.
func parseHeader(s string) (typ, msg string, ok bool) {
	// logstash-logback-encoder's inlineHash option prefixes "<#hash> ".
	if strings.HasPrefix(s, "<#") {
		if _, rest, found := strings.Cut(s, "> "); found {
			s = rest
		}
	}
	typ, msg, found := strings.Cut(s, ": ")
	if !found {
		typ = strings.TrimSuffix(strings.TrimSpace(s), ":")
	}
	if !isTypeName(typ) {
		return "", "", false
	}
	if msg == "null" {
		msg = ""
	}
	return typ, msg, true
}

func isTypeName(s string) bool {
	if s == "" || len(s) > 1024 || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	for i, r := range s {
		switch {
		case unicode.IsLetter(r), r == '_', r == '$':
		case i > 0 && (unicode.IsDigit(r) || r == '.'):
		default:
			return false
		}
	}
	return true
}

// parseFrame parses "at [loader/][module[@version]/]pkg.Class.method(File.java:12)",
// optionally followed by logback packaging data like " ~[app.jar:1.0]".
func parseFrame(body string) (Frame, bool) {
	s := strings.TrimPrefix(body, "at ")
	open := strings.IndexByte(s, '(')
	if open <= 0 {
		return Frame{}, false
	}
	closing := strings.IndexByte(s[open:], ')')
	if closing < 0 {
		return Frame{}, false
	}
	name, loc := strings.TrimSpace(s[:open]), s[open+1:open+closing]
	if name == "" || strings.ContainsAny(name, " \t") {
		return Frame{}, false
	}

	var f Frame
	if dot := strings.LastIndexByte(name, '.'); dot >= 0 {
		f.Class, f.Method = stripModule(name[:dot]), name[dot+1:]
	} else {
		f.Method = name
	}
	if f.Method == "" {
		return Frame{}, false
	}
	if loc != "Native Method" && loc != "Unknown Source" {
		file, line, hasLine := strings.Cut(loc, ":")
		f.File = file
		if n, err := strconv.Atoi(line); hasLine && err == nil && n > 0 {
			f.Line = n
		}
	}
	return f, true
}

// stripModule drops the class loader and module prefixes Java 9+ prints
// ("app//", "java.base/"), keeping the "/0x..." suffix of hidden classes such
// as lambdas ("App$$Lambda/0x0000000801001234").
func stripModule(class string) string {
	parts := strings.Split(class, "/")
	n := len(parts)
	if n >= 2 && strings.HasPrefix(parts[n-1], "0x") {
		return parts[n-2] + "/" + parts[n-1]
	}
	return parts[n-1]
}
