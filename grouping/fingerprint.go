package grouping

import (
	"crypto/sha256"
	"encoding/hex"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/faultline/faultline/internal/config"
	"github.com/faultline/faultline/internal/event"
)

// defaultLibraryPrefixes are packages whose frames are never "in-app": they are
// the JDK and the frameworks around the code that has the bug, and their
// presence varies with versions and proxy modes.
var defaultLibraryPrefixes = []string{
	"java.", "javax.", "jakarta.", "jdk.", "sun.", "com.sun.",
	"kotlin.", "kotlinx.", "scala.", "groovy.",
	"org.springframework.", "org.apache.", "org.hibernate.", "org.eclipse.",
	"io.netty.", "reactor.", "io.reactivex.", "com.fasterxml.", "com.google.",
	"ch.qos.logback.", "org.slf4j.", "io.micrometer.", "com.zaxxer.",
	"io.undertow.", "org.glassfish.", "okhttp3.", "feign.", "io.grpc.",
	"net.bytebuddy.", "org.junit.", "org.mockito.", "com.mysql.", "org.postgresql.",
	"io.opentelemetry.", "io.github.resilience4j.", "org.aspectj.",
}

// Fingerprinter computes group fingerprints. Its fields are set before the
// first Compute, which may then run from several goroutines.
type Fingerprinter struct {
	// LibraryPrefixes are packages that are never in-app.
	LibraryPrefixes []string
	// InApp, per service, lists the packages that are the service's own code.
	InApp map[string][]string
	// Rules set explicit fingerprints, first match wins.
	Rules []config.FingerprintRule
	// names remembers what each class and lambda method name comes to: the
	// same frames come in event after event, and the generated-name regexps
	// and the library prefix list took two thirds of a fingerprint.
	names nameCache
	// messages remembers normalised exception messages (platforms.go).
	messages messageCache
}

// classInfo is what a fingerprint needs to know of a class name.
type classInfo struct {
	generated bool // runtime-generated: its frames are dropped
	library   bool // under LibraryPrefixes
}

// nameCache is bounded by dropping everything when full: the names of a
// running system are far fewer, so it fills only on pathological input. A
// plain map under a lock: a sync.Map took about 1 KB per name, which at 10 000
// groups was a tenth of the processor's peak memory.
type nameCache struct {
	mu      sync.RWMutex
	classes map[string]classInfo
	methods map[string]string
}

const nameCacheSize = 100_000

func (c *nameCache) class(name string) (classInfo, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	ci, ok := c.classes[name]
	return ci, ok
}

func (c *nameCache) method(name string) (string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	m, ok := c.methods[name]
	return m, ok
}

// remember stores a class's info, or a method's normal form, or both.
func (c *nameCache) remember(class string, ci classInfo, method, normal string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.classes == nil || len(c.classes)+len(c.methods) >= nameCacheSize {
		c.classes, c.methods = map[string]classInfo{}, map[string]string{}
	}
	if class != "" {
		c.classes[strings.Clone(class)] = ci
	}
	if method != "" {
		c.methods[strings.Clone(method)] = strings.Clone(normal)
	}
}

func (c *nameCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.classes) + len(c.methods)
}

func (f *Fingerprinter) class(name string) classInfo {
	if ci, ok := f.names.class(name); ok {
		return ci
	}
	// Every generated name has a '$' or "Accessor".
	ci := classInfo{generated: (strings.Contains(name, "$") || strings.Contains(name, "Accessor")) && generatedClass.MatchString(name)}
	for _, p := range f.LibraryPrefixes {
		if strings.HasPrefix(name, p) {
			ci.library = true
			break
		}
	}
	f.names.remember(name, ci, "", "")
	return ci
}

// method drops a lambda's synthetic counter.
func (f *Fingerprinter) method(name string) string {
	if !strings.HasPrefix(name, "lambda$") {
		return name
	}
	if m, ok := f.names.method(name); ok {
		return m
	}
	out := name
	if m := lambdaMethod.FindStringSubmatch(name); m != nil {
		out = m[1]
	}
	f.names.remember("", classInfo{}, name, out)
	return out
}

// NewFingerprinter uses the default library prefixes plus extra ones.
func NewFingerprinter(extra ...string) *Fingerprinter {
	return &Fingerprinter{LibraryPrefixes: append(append([]string(nil), defaultLibraryPrefixes...), extra...)}
}

// NewFingerprinterFrom applies the grouping section of the configuration.
func NewFingerprinterFrom(g config.Grouping) *Fingerprinter {
	f := NewFingerprinter(g.LibraryPrefixes...)
	f.InApp = g.InApp
	f.Rules = g.Rules
	return f
}

// inAppFunc decides per service, so one service's vendored packages can be
// another's own code.
func (f *Fingerprinter) inAppFunc(service string) func(class string) bool {
	if own, ok := f.InApp[service]; ok && len(own) > 0 {
		return func(class string) bool {
			for _, p := range own {
				if strings.HasPrefix(class, p) {
					return true
				}
			}
			return false
		}
	}
	return func(class string) bool { return !f.class(class).library }
}

// rule returns the fingerprint of the first rule the event matches.
func (f *Fingerprinter) rule(ev *event.Event) (string, bool) {
	if len(f.Rules) == 0 {
		return "", false
	}
	values := map[string]string{
		"service": ev.Service.Name, "environment": ev.Service.Environment, "level": ev.Log.Level,
		"logger": ev.Log.Logger, "message": ev.Message,
	}
	if ev.Error != nil {
		values["error_type"] = ev.Error.Type
	}
	for _, r := range f.Rules {
		ok := true
		for k, pattern := range r.Match {
			// Validated at start-up, so the pattern is well formed.
			if m, _ := path.Match(pattern, values[k]); !m {
				ok = false
				break
			}
		}
		if ok {
			return r.Fingerprint, true
		}
	}
	return "", false
}

var (
	// Runtime-generated classes: whether they appear depends on proxy modes
	// and JIT warm-up, not on the bug, so their frames are dropped.
	generatedClass = regexp.MustCompile(`\$\$(EnhancerBySpringCGLIB|SpringCGLIB|FastClassBySpringCGLIB|EnhancerByCGLIB)\$\$|\$Proxy\d*|GeneratedMethodAccessor\d*|GeneratedConstructorAccessor\d*|DirectMethodHandleAccessor|\$\$Lambda|\$HibernateProxy\$|\$ByteBuddy\$`)
	lambdaMethod   = regexp.MustCompile(`^(lambda\$.*?)\$\d+$`)
)

// normalFrame names a frame without anything that changes between builds or
// runs: no line, no file, no synthetic suffix. ok is false for frames that are
// themselves generated.
func (f *Fingerprinter) normalFrame(fr event.Frame) (string, bool) {
	if f.class(fr.Class).generated {
		return "", false
	}
	return fr.Class + "." + f.method(fr.Method), true
}

// Result is a fingerprint and the frame to show as where the error happened.
type Result struct {
	Fingerprint string
	Culprit     string
}

// Compute follows Sentry's order: an explicit fingerprint, else the exception
// chain with in-app frames, else the message template, else the message with
// its variable parts replaced. The service is part of every fingerprint since
// groups belong to a service.
func (f *Fingerprinter) Compute(ev *event.Event) Result {
	if r, ok := f.withDefault(ev); ok {
		return r
	}
	svc := ev.Service.Name
	inApp := f.inAppFunc(svc)
	exs := ev.Faultline.Exceptions
	var parts []string
	var culprit string
	if p := ev.Faultline.Platform; p != "" && p != event.PlatformJava && len(exs) > 0 {
		parts, culprit = f.chainPlatform(svc, p, exs)
	} else if len(exs) > 0 {
		parts, culprit = f.chainParts(inApp, exs), f.culprit(inApp, exs)
	}
	if explicit := ev.Labels["fingerprint"]; explicit != "" {
		return Result{Fingerprint: hash(svc, "explicit", explicit), Culprit: culprit}
	}
	if explicit, ok := f.rule(ev); ok {
		return Result{Fingerprint: hash(svc, "explicit", explicit), Culprit: culprit}
	}
	if len(exs) > 0 {
		return Result{Fingerprint: hash(append([]string{svc, "exception"}, parts...)...), Culprit: culprit}
	}
	if ev.Error != nil && ev.Error.Type != "" {
		return Result{Fingerprint: hash(svc, "error", ev.Error.Type, NormalizeMessage(ev.Error.Message))}
	}
	if t := ev.Faultline.MessageTemplate; t != "" && !argumentsVary(t, ev.Message) {
		return Result{Fingerprint: hash(svc, "template", ev.Log.Logger, t)}
	}
	return Result{Fingerprint: hash(svc, "message", ev.Log.Logger, NormalizeMessage(ev.Message))}
}

// chainParts lists each exception type with its in-app frames. When no
// exception has an in-app frame, every non-generated frame counts, and when
// there are no frames at all the message stands in for them.
func (f *Fingerprinter) chainParts(inApp func(string) bool, exs []event.Exception) []string {
	anyInApp := false
	for _, ex := range exs {
		for _, fr := range ex.Frames {
			if inApp(fr.Class) {
				anyInApp = true
				break
			}
		}
	}
	var parts []string
	framesSeen := false
	for _, ex := range exs {
		parts = append(parts, "type:"+ex.Type)
		var names []string
		for i, fr := range ex.Frames {
			if anyInApp && !inApp(fr.Class) {
				continue
			}
			// An InvocationHandler's invoke right under a JDK proxy frame is
			// there only when the call went through the proxy.
			if fr.Method == "invoke" && i+1 < len(ex.Frames) && proxyClass.MatchString(ex.Frames[i+1].Class) {
				continue
			}
			name, ok := f.normalFrame(fr)
			if !ok {
				continue
			}
			// A lambda is the same code as the loop it replaced unless the
			// error is thrown in its body.
			if len(names) > 0 && strings.Contains(fr.Method, "lambda$") {
				continue
			}
			names = append(names, name)
		}
		names = collapseCycles(names, 4)
		framesSeen = framesSeen || len(names) > 0
		parts = append(parts, names...)
	}
	if !framesSeen {
		parts = append(parts, "message:"+NormalizeMessage(exs[len(exs)-1].Message))
	}
	return parts
}

var proxyClass = regexp.MustCompile(`\$Proxy\d*$`)

// collapseCycles folds repeats of any run of up to maxLen frames into one,
// so recursion (direct or mutual) counts the same at every depth.
func collapseCycles(names []string, maxLen int) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, n)
		for l := 1; l <= maxLen && 2*l <= len(out); l++ {
			if slices.Equal(out[len(out)-l:], out[len(out)-2*l:len(out)-l]) {
				out = out[:len(out)-l]
				break
			}
		}
	}
	return out
}

// culprit is the first in-app frame of the deepest cause that has one: the
// place closest to where the problem started.
func (f *Fingerprinter) culprit(inApp func(string) bool, exs []event.Exception) string {
	for i := len(exs) - 1; i >= 0; i-- {
		for _, fr := range exs[i].Frames {
			if !inApp(fr.Class) {
				continue
			}
			if name, ok := f.normalFrame(fr); ok {
				return name
			}
		}
	}
	for _, ex := range exs {
		for _, fr := range ex.Frames {
			if name, ok := f.normalFrame(fr); ok {
				return name
			}
		}
	}
	return ""
}

func hash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// messageVariables are tried in order. need lists bytes of which a match
// holds at least one (two colons for an IPv6 address): a pattern whose
// bytes are absent is not run, since the regexps cost tens of microseconds
// on every message while most messages hold no date, address or id.
var messageVariables = []struct {
	re   *regexp.Regexp
	with string
	need string
}{
	{regexp.MustCompile(`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}([.,]\d+)?)?(Z|[+-]\d{2}:?\d{2})?`), "<date>", "-"},
	{regexp.MustCompile(`(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`), "<uuid>", "-"},
	{regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`), "<email>", "@"},
	{regexp.MustCompile(`\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b`), "<ip>", "."},
	{regexp.MustCompile(`(?i)\b([0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}\b`), "<ip>", "::"},
	{regexp.MustCompile(`(?i)\b(0x[0-9a-f]+|[0-9a-f]*\d[0-9a-f]*)\b`), "<hex>", "0123456789"},
	{regexp.MustCompile(`'[^']*'|"[^"]*"|` + "`[^`]*`"), "<quoted>", "'\"`"},
	{regexp.MustCompile(`\d+`), "<int>", "0123456789"},
}

// mayMatch tells whether s holds the bytes a pattern needs.
func mayMatch(s, need string) bool {
	if need == "::" {
		return strings.Count(s, ":") >= 2
	}
	return strings.ContainsAny(s, need)
}

// argumentsVary tells whether every argument that msg fills into tpl's {}
// placeholders is something NormalizeMessage replaces (an id, a number).
// Then the normalised message is as stable a key as the template, and it is
// the key the other encoders, which write only the formatted message, give
// the same bug: so it is the one used. An argument normalisation keeps (a
// name, a word) leaves the template as the only stable key.
func argumentsVary(tpl, msg string) bool {
	parts := strings.Split(tpl, "{}")
	if len(parts) < 2 || !strings.HasPrefix(msg, parts[0]) {
		return false
	}
	rest := msg[len(parts[0]):]
	for i, lit := range parts[1:] {
		var arg string
		switch {
		case i == len(parts)-2:
			// The last literal ends the message.
			if !strings.HasSuffix(rest, lit) {
				return false
			}
			arg = rest[:len(rest)-len(lit)]
		case lit == "":
			// Adjacent placeholders: no way to tell where one argument ends.
			return false
		default:
			j := strings.Index(rest, lit)
			if j < 0 {
				return false
			}
			arg, rest = rest[:j], rest[j+len(lit):]
		}
		if arg == "" || NormalizeMessage(arg) == strings.TrimSpace(arg) {
			return false
		}
	}
	return true
}

// maxNormalizedBytes bounds the text NormalizeMessage works on. Its regular
// expressions take time in proportion to the text, and a message is up to
// 1 MiB of whatever a client sends: a one-line megabyte of hex digits took
// the processor about 0.4 s of CPU, so such events could hold it near 2 per
// second. What tells one problem from another is at a message's start; the
// group's message is cut at the same length.
const maxNormalizedBytes = 1024

// NormalizeMessage replaces the parts of a message that vary between
// occurrences of the same problem, keeping its first two lines, as Sentry does.
func NormalizeMessage(msg string) string {
	lines := strings.SplitN(msg, "\n", 3)
	if len(lines) > 2 {
		lines = lines[:2]
	}
	s := truncate(strings.TrimSpace(strings.Join(lines, "\n")), maxNormalizedBytes)
	for _, v := range messageVariables {
		if !mayMatch(s, v.need) {
			continue
		}
		s = v.re.ReplaceAllStringFunc(s, func(m string) string {
			// A hex id has a digit and a letter and is long enough not to be a word.
			if v.with == "<hex>" && !(strings.HasPrefix(m, "0x") || len(m) >= 8 && strings.ContainsAny(m, "abcdefABCDEF")) {
				return m
			}
			return v.with
		})
	}
	return s
}
