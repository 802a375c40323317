package event

import (
	"strings"
)

// The platforms a stack can come from, as Sentry names them.
const (
	PlatformJava       = "java"
	PlatformPython     = "python"
	PlatformGo         = "go"
	PlatformJavaScript = "javascript"
)

// Bounds on what the text parsers keep of hostile input: a real chain is a
// handful of exceptions and a real stack a few hundred frames, while text of
// a few megabytes could describe a million of either.
const (
	maxChain  = 100
	maxFrames = 1000
)

// detectPlatform tells from the text which runtime printed it. Each shape it
// looks for is one that Java never prints, so Java text keeps its parser:
// Python starts with its Traceback header (or chains with one of its two
// separator sentences), Go names goroutines or prints each frame's file as a
// tab-indented "path.go:line", and V8 gives every frame a line and a column.
func detectPlatform(text string) string {
	first := true
	for line := range strings.SplitSeq(text, "\n") {
		body := strings.TrimSpace(line)
		if body == "" {
			continue
		}
		if first {
			first = false
			switch {
			case isPythonTraceback(body) || strings.HasPrefix(body, `File "`) && strings.Contains(body, `", line `):
				return PlatformPython
			case strings.HasPrefix(body, "panic: ") || strings.HasPrefix(body, "http: panic serving "):
				return PlatformGo
			}
		}
		switch {
		case body == pyCause || body == pyContext:
			return PlatformPython
		case goroutineHeader(body) || isGoFileLine(line):
			return PlatformGo
		case strings.HasPrefix(body, "at "):
			if isJSFrameLine(body) {
				return PlatformJavaScript
			}
			if _, ok := parseFrame(body); ok {
				return PlatformJava // the rest of a Java trace need not be read
			}
		}
	}
	return PlatformJava
}

// appendFrame adds f unless the exception already has maxFrames.
func appendFrame(ex *Exception, f Frame) {
	if len(ex.Frames) < maxFrames {
		ex.Frames = append(ex.Frames, f)
	}
}

// reverseFrames turns every exception's frames around, for runtimes that
// print the innermost call last.
func reverseFrames(chain []Exception) {
	for i := range chain {
		for l, r := 0, len(chain[i].Frames)-1; l < r; l, r = l+1, r-1 {
			chain[i].Frames[l], chain[i].Frames[r] = chain[i].Frames[r], chain[i].Frames[l]
		}
	}
}

// isTypeNameWith is isTypeName that also takes the characters extra lists
// (Python's "<locals>" in qualified names, say).
func isTypeNameWith(s, extra string) bool {
	if strings.ContainsAny(s, extra) {
		s = strings.Map(func(r rune) rune {
			if strings.ContainsRune(extra, r) {
				return '_'
			}
			return r
		}, s)
	}
	return isTypeName(s)
}
