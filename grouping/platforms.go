package grouping

import (
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/faultline/faultline/internal/event"
)

// Grouping for the platforms other than Java. A frame is named by its
// module and function, never its line: for Python the dotted module
// (derived from the file when the text gave none), for Go the package path,
// for JavaScript the file relative to the app (or the npm package). What is
// library code is decided per platform from the file and module, below.
//
// The rule differs from Java's on purpose (Java's stays as it is, which the
// Java corpus holds at 1.0). Each exception contributes its type, its throw
// site (the innermost in-app frame) rather than every in-app frame, so the
// same failing line reached through different callers is one group; and,
// when the app raised it itself (its innermost frame is in-app), its
// normalised message, so two raises in one function with different constant
// messages are two groups where line numbers, which every deploy moves,
// cannot tell them apart. A library's exception message is left out: it
// says what input the library choked on, which varies with the data.

// messageCache remembers normalised messages: an app's own raise usually
// has a constant message, which NormalizeMessage's regexps would otherwise
// read again for every event. Bounded like nameCache, by dropping all.
type messageCache struct {
	mu sync.RWMutex
	// m holds what normalizeMessage gives without and with escapes.
	m [2]map[string]string
}

func (c *messageCache) normalize(msg string, escapes bool) string {
	k := 0
	if escapes {
		k = 1
	}
	c.mu.RLock()
	out, ok := c.m[k][msg]
	c.mu.RUnlock()
	if ok {
		return out
	}
	out = normalizeMessage(msg, escapes)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m[k] == nil || len(c.m[k]) >= nameCacheSize/20 {
		c.m[k] = map[string]string{}
	}
	c.m[k][strings.Clone(msg)] = out
	return out
}

// platformFrame is what grouping needs of one frame.
type platformFrame struct {
	name  string // module.function, normalised
	inApp bool
	why   string
}

// chainPlatform fingerprints a non-Java chain and names its culprit.
func (f *Fingerprinter) chainPlatform(s *strategy, svc, platform string, exs []event.Exception, rec explainer) (parts []string, culprit string) {
	// framesAt maps each exception read to the event's own whose frames it
	// has; nil is the identity.
	var framesAt []int
	if rec.on() {
		for _, ex := range exs {
			rec.exception(ex.Type, ex.Frames)
		}
	}
	if platform == event.PlatformGo && s.goChain && sdkGoTypes(exs) {
		orig := exs
		exs, framesAt = goChain(exs)
		if rec.on() {
			for i, ex := range orig {
				if !slices.Contains(framesAt, i) {
					for j := range ex.Frames {
						rec.frame(i, j, "", false, false, ReasonWrapperLink)
					}
				}
			}
		}
	}
	index := func(m []int, i int) int {
		if m == nil {
			return i
		}
		return m[i]
	}
	frames := make([][]platformFrame, len(exs))
	skipped := make([]int, len(exs))
	anyInApp := false
	for i, ex := range exs {
		frames[i], skipped[i] = f.platformFrames(s, svc, platform, ex.Frames)
		for _, fr := range frames[i] {
			anyInApp = anyInApp || fr.inApp
		}
	}
	parts = []string{"platform:" + platform}
	for i, ex := range exs {
		parts = append(parts, "type:"+platformType(platform, ex.Type))
		fs := frames[i]
		site, siteOK := throwSite(fs, anyInApp)
		if rec.on() {
			fi := index(framesAt, i)
			for j := range skipped[i] {
				rec.frame(fi, j, "", false, false, ReasonAbovePanic)
			}
			counted := false
			for j, fr := range fs {
				why, count := fr.why, false
				switch {
				case !counted && (fr.inApp || !anyInApp):
					why, count, counted = ReasonThrowSite, true, true
				case fr.inApp || !anyInApp:
					why = ReasonNotThrowSite
				}
				rec.frame(fi, skipped[i]+j, fr.name, fr.inApp, count, why)
			}
		}
		if len(fs) == 0 {
			continue
		}
		if siteOK {
			parts = append(parts, site)
		}
		if fs[0].inApp {
			msg := f.messages.normalize(platformMessage(platform, ex.Message), s.escapes)
			parts = append(parts, "message:"+msg)
			rec.message(index(framesAt, i), msg)
		}
	}
	// The deepest cause's throw site is where the problem started.
	for i := len(exs) - 1; i >= 0; i-- {
		if site, ok := throwSite(frames[i], anyInApp); ok {
			return parts, site
		}
	}
	return parts, ""
}

// goTextTypes are the only types a printed Go stack has (the parser in
// internal/event/stack_go.go): a Go error is a value, and its text never
// shows its dynamic type.
var goTextTypes = map[string]bool{"error": true, "panic": true, "runtime.Error": true, "fatal error": true}

// sdkGoTypes tells whether a Go chain has a type only an SDK knows.
func sdkGoTypes(exs []event.Exception) bool {
	for _, ex := range exs {
		if !goTextTypes[ex.Type] {
			return true
		}
	}
	return false
}

// goChain reads a Go chain from an SDK as the printed stack of the same
// error reads. sentry-go names each error's dynamic type
// (*errors.fundamental, runtime.boundsError, *json.SyntaxError) and unwraps
// a github.com/pkg/errors Wrap into withStack, withMessage and the cause,
// each message ending with its causes' text; the text has "error" or
// "runtime.Error", the wrapper's own message with its stack, and the cause.
// So a link whose message is its cause's (withStack over its cause,
// withMessage under withStack) is dropped, its frames going to the cause
// when that has none; a message ending with ": " and its cause's keeps its
// own part; and the type becomes what the text parser would name it.
// Links of the text's own types are left alone: a printed stack's
// fingerprint stays what it was. framesAt gives, for each exception
// returned, the index in exs of the one whose frames it has.
func goChain(exs []event.Exception) (out []event.Exception, framesAt []int) {
	out, framesAt = make([]event.Exception, 0, len(exs)), make([]int, 0, len(exs))
	var carried []event.Frame
	carriedAt := -1
	for i, ex := range exs {
		fi := i
		if len(ex.Frames) == 0 && carriedAt >= 0 {
			ex.Frames, fi = carried, carriedAt
		}
		carried, carriedAt = nil, -1
		if !goTextTypes[ex.Type] && i+1 < len(exs) && ex.Message == exs[i+1].Message {
			if len(ex.Frames) > 0 {
				carried, carriedAt = ex.Frames, fi
			}
			continue
		}
		out, framesAt = append(out, ex), append(framesAt, fi)
	}
	for i := range out {
		ex := &out[i]
		if goTextTypes[ex.Type] {
			continue
		}
		if i+1 < len(out) {
			if own, ok := strings.CutSuffix(ex.Message, ": "+out[i+1].Message); ok && own != "" {
				ex.Message = own
			}
		}
		ex.Type = "error"
		if strings.HasPrefix(ex.Message, "runtime error: ") {
			ex.Type = "runtime.Error"
		}
	}
	return out, framesAt
}

// throwSite is the innermost in-app frame, or the innermost frame when no
// exception of the chain has an in-app one.
func throwSite(fs []platformFrame, anyInApp bool) (string, bool) {
	for _, fr := range fs {
		if fr.inApp || !anyInApp {
			return fr.name, true
		}
	}
	return "", false
}

// platformFrames names a stack's frames, innermost first, and drops those
// above a Go panic (skipped says how many): the deferred function that
// recovered it and runtime/debug.Stack are where it was caught, not where
// it happened. A frame is the app's by the service's configured in_app
// list, else by the SDK's verdict where the strategy takes it, else by the
// platform's rules and the library prefixes.
func (f *Fingerprinter) platformFrames(s *strategy, svc, platform string, frames []event.Frame) (out []platformFrame, skipped int) {
	if platform == event.PlatformGo {
		for i := len(frames) - 1; i >= 0; i-- {
			if frames[i].Class == "" && frames[i].Method == "panic" {
				frames, skipped = frames[i+1:], i+1
				break
			}
		}
	}
	own := f.InApp[svc]
	out = make([]platformFrame, 0, len(frames))
	for _, fr := range frames {
		module, library := frameModule(platform, fr)
		why := ReasonInApp
		for _, p := range f.LibraryPrefixes {
			library = library || strings.HasPrefix(module, p)
		}
		if library {
			why = ReasonLibrary
		}
		switch {
		case len(own) > 0:
			library, why = true, ReasonLibraryConfig
			for _, p := range own {
				if strings.HasPrefix(module, p) {
					library, why = false, ReasonInAppConfig
					break
				}
			}
		case s.sdkInApp && fr.InApp != nil:
			library, why = !*fr.InApp, ReasonInAppSDK
			if library {
				why = ReasonLibrarySDK
			}
		}
		out = append(out, platformFrame{name: module + "." + platformFunction(platform, fr.Method), inApp: !library, why: why})
	}
	return out, skipped
}

// The name rules below are written out rather than as regular expressions:
// they run for every frame of every event, and the regexps took most of a
// fingerprint's time.

// pythonStdlibEnd is the index just past "/lib/pythonX.Y/" (or
// "/lib/python3/", "/lib/python3.13t/") in file, or -1.
func pythonStdlibEnd(file string) int {
	const marker = "/lib/python"
	for from := 0; ; {
		i := strings.Index(file[from:], marker)
		if i < 0 {
			return -1
		}
		j := from + i + len(marker)
		k := j
		for k < len(file) && (file[k] >= '0' && file[k] <= '9' || file[k] == '.') {
			k++
		}
		if k < len(file) && file[k] == 't' {
			k++ // free-threaded builds
		}
		if k > j && k < len(file) && file[k] == '/' {
			return k + 1
		}
		from = j
	}
}

// stripGoClosure drops closure suffixes (.func1, .func2.1) and the wrappers
// of go and defer statements (.gowrap1, .deferwrap1).
func stripGoClosure(fn string) string {
	for {
		dot := strings.LastIndexByte(fn, '.')
		if dot < 0 {
			return fn
		}
		seg := fn[dot+1:]
		for _, p := range []string{"func", "gowrap", "deferwrap"} {
			if rest, ok := strings.CutPrefix(seg, p); ok && rest != "" {
				seg = rest
				break
			}
		}
		if seg == "" || strings.Trim(seg, "0123456789") != "" {
			return fn
		}
		fn = fn[:dot]
	}
}

// stripBundlerHash drops a content hash from a file name (without its
// extension): main.3f2a1b9c, chunk-5XK2ZQ3A.
func stripBundlerHash(name string) string {
	i := strings.LastIndexAny(name, ".-")
	if i < 0 || strings.LastIndexByte(name, '/') > i {
		return name
	}
	digit := false
	for _, c := range name[i+1:] {
		switch {
		case c >= '0' && c <= '9':
			digit = true
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		default:
			return name
		}
	}
	if !digit {
		return name
	}
	return name[:i]
}

// frameModule derives a frame's module and whether the platform's own
// rules make it library code.
func frameModule(platform string, fr event.Frame) (module string, library bool) {
	file := fr.File
	switch platform {
	case event.PlatformPython:
		library = strings.Contains(file, "/site-packages/") || strings.Contains(file, "/dist-packages/") ||
			pythonStdlibEnd(file) >= 0 || strings.HasPrefix(file, "<")
		if fr.Class != "" {
			return fr.Class, library
		}
		return pythonModule(file), library
	case event.PlatformGo:
		pkg := fr.Class
		if pkg == "" {
			pkg = "runtime" // the runtime's own panic frame
		}
		first, _, _ := strings.Cut(pkg, "/")
		// The standard library's paths have no dot in their first element;
		// the main package is the app's.
		std := !strings.Contains(first, ".") && pkg != "main"
		return pkg, std || strings.Contains(file, "/pkg/mod/") || strings.Contains(file, "/vendor/")
	default: // JavaScript
		if fr.Class != "" {
			return fr.Class, strings.Contains(file, "/node_modules/")
		}
		return jsModule(file)
	}
}

// pythonModule is the module a file holds: its path below site-packages or
// the standard library, else (the app's own code, wherever it was
// deployed) its directory and name.
func pythonModule(file string) string {
	rel := file
	if i := strings.LastIndex(file, "-packages/"); i >= 0 {
		rel = file[i+len("-packages/"):]
	} else if end := pythonStdlibEnd(file); end >= 0 {
		rel = file[end:]
	} else if name, ok := strings.CutPrefix(file, "<frozen "); ok {
		return strings.TrimSuffix(name, ">")
	} else {
		rel = appRelative(file)
	}
	rel = strings.TrimSuffix(strings.TrimSuffix(rel, ".py"), "/__init__")
	return strings.ReplaceAll(rel, "/", ".")
}

// jsModule is an npm package's path below node_modules, Node's own module
// ("node:internal/…"), or the app's file without its directory above the
// app, its extension and a bundler's hash.
func jsModule(file string) (module string, library bool) {
	if i := strings.LastIndex(file, "/node_modules/"); i >= 0 {
		return strings.TrimSuffix(file[i+len("/node_modules/"):], path.Ext(file)), true
	}
	if strings.HasPrefix(file, "node:") || !strings.Contains(file, "/") {
		return file, true // node:internal/…, <anonymous>, native
	}
	file, _, _ = strings.Cut(strings.TrimPrefix(file, "webpack://"), "?")
	rel := appRelative(file)
	rel = strings.TrimSuffix(rel, path.Ext(rel))
	return stripBundlerHash(rel), false
}

// appRelative keeps a file's name and its directory, the part of an app's
// path that survives a move to another checkout, container or release
// directory; a directory with a digit in its name (releases/20240101,
// build-42) is a deploy's, not the app's, and is dropped.
func appRelative(file string) string {
	dir, name := path.Split(strings.TrimRight(file, "/"))
	parent := path.Base(dir)
	if parent == "." || parent == "/" || parent == "" || strings.ContainsAny(parent, "0123456789") {
		return name
	}
	return parent + "/" + name
}

// platformFunction drops what changes with the build but not the code: Go's
// closure numbers and pointer receivers' "(*T)", V8's "Object." receiver
// (module.exports) and its spellings of an anonymous function.
func platformFunction(platform, fn string) string {
	switch platform {
	case event.PlatformGo:
		fn = stripGoClosure(fn)
		if strings.HasPrefix(fn, "(*") {
			if end := strings.IndexByte(fn, ')'); end > 0 {
				fn = fn[2:end] + fn[end+1:]
			}
		} else if strings.HasPrefix(fn, "(") {
			if end := strings.IndexByte(fn, ')'); end > 0 {
				fn = fn[1:end] + fn[end+1:]
			}
		}
		if i := strings.IndexByte(fn, '['); i >= 0 {
			if end := strings.IndexByte(fn[i:], ']'); end > 0 {
				fn = fn[:i] + fn[i+end+1:] // a generic's type arguments
			}
		}
	case event.PlatformJavaScript:
		fn = strings.TrimPrefix(fn, "Object.")
		if fn == "" || fn == "anonymous" {
			fn = "<anonymous>"
		}
	}
	return fn
}

// platformType keeps a Python exception's class name alone: tracebacks
// print it with its module (shop.billing.PaymentError), ecs-logging's
// error.type without.
func platformType(platform, typ string) string {
	if platform == event.PlatformPython {
		if i := strings.LastIndexByte(typ, '.'); i >= 0 {
			return typ[i+1:]
		}
	}
	return typ
}

// pyGroupCount is what str() of a Python ExceptionGroup appends to the
// message it was given (ecs-logging's error.message has it, the traceback
// parser strips it): the count varies, the bug does not.
var pyGroupCount = regexp.MustCompile(` \(\d+ sub-exceptions?\)$`)

func platformMessage(platform, msg string) string {
	if platform == event.PlatformPython {
		return pyGroupCount.ReplaceAllString(msg, "")
	}
	return msg
}
