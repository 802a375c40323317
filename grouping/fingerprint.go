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
	// Strategy is the version new fingerprints are made with (a Strategy*
	// constant); empty is Latest.
	Strategy string
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
// plain map under a lock rather than a sync.Map, whose per-name overhead is
// many times a map's, and the cache holds a name per frame of every group.
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

// javaInApp decides whether a Java frame is the app's, and why: the
// service's configured in_app list first (one service's vendored packages
// can be another's own code), then the SDK's own verdict where the strategy
// takes it, then the library prefixes.
func (f *Fingerprinter) javaInApp(s *strategy, own []string, fr event.Frame) (bool, string) {
	if len(own) > 0 {
		for _, p := range own {
			if strings.HasPrefix(fr.Class, p) {
				return true, ReasonInAppConfig
			}
		}
		return false, ReasonLibraryConfig
	}
	if s.sdkInApp && fr.InApp != nil {
		if *fr.InApp {
			return true, ReasonInAppSDK
		}
		return false, ReasonLibrarySDK
	}
	if f.class(fr.Class).library {
		return false, ReasonLibrary
	}
	return true, ReasonInApp
}

// ruleFields gives each of config.RuleMatchKeys the event's value a grouping
// rule's glob is matched against (TestRuleFieldsCoverConfigsMatchKeys holds
// it to that list).
var ruleFields = map[string]func(*event.Event) string{
	config.MatchService:     func(ev *event.Event) string { return ev.Service.Name },
	config.MatchEnvironment: func(ev *event.Event) string { return ev.Service.Environment },
	config.MatchLevel:       func(ev *event.Event) string { return ev.Log.Level },
	config.MatchLogger:      func(ev *event.Event) string { return ev.Log.Logger },
	config.MatchMessage:     func(ev *event.Event) string { return ev.Message },
	config.MatchErrorType: func(ev *event.Event) string {
		if ev.Error == nil {
			return ""
		}
		return ev.Error.Type
	},
}

// rule returns the fingerprint of the first rule the event matches.
func (f *Fingerprinter) rule(ev *event.Event) (string, bool) {
	if len(f.Rules) == 0 {
		return "", false
	}
	values := make(map[string]string, len(ruleFields))
	for k, field := range ruleFields {
		values[k] = field(ev)
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

// Result is a fingerprint, the strategy that made it and the frame to show
// as where the error happened.
type Result struct {
	Fingerprint string
	Culprit     string
	Strategy    string
	// Previous holds what the older strategies give the event where they
	// differ, newest first: a group one of them made keeps the event
	// (the processor looks), so a new version never silently regroups.
	Previous []Previous
}

// Previous is an older strategy's fingerprint for an event.
type Previous struct {
	Fingerprint string
	Strategy    string
}

// strategy is the version this Fingerprinter makes new groups with.
func (f *Fingerprinter) strategy() *strategy {
	if s := strategies[f.Strategy]; s != nil {
		return s
	}
	return strategies[Latest]
}

// Compute follows Sentry's order: an explicit fingerprint, else the exception
// chain with in-app frames, else the message template, else the message with
// its variable parts replaced. The service is part of every fingerprint since
// groups belong to a service.
func (f *Fingerprinter) Compute(ev *event.Event) Result {
	s := f.strategy()
	var memo javaMemo
	r := f.compute(ev, s, explainer{}, &memo)
	for p := s.previous; p != nil; p = p.previous {
		if s.agrees(p, ev) {
			continue
		}
		if o := f.compute(ev, p, explainer{}, &memo); o.Fingerprint != r.Fingerprint {
			r.Previous = append(r.Previous, Previous{Fingerprint: o.Fingerprint, Strategy: p.id})
		}
	}
	return r
}

// javaMemo carries one event's javaStack from one strategy's computation
// to the next; nil carries nothing.
type javaMemo struct{ st *javaStack }

func (m *javaMemo) get(s *strategy, n int) *javaStack {
	if m == nil || m.st == nil || m.st.sdk && m.st.sdkInApp != s.sdkInApp || m.st.n != n {
		return nil
	}
	return m.st
}

func (m *javaMemo) put(st *javaStack) {
	if m != nil {
		m.st = st
	}
}

func (f *Fingerprinter) compute(ev *event.Event, s *strategy, rec explainer, memo *javaMemo) Result {
	if r, ok := f.withDefault(ev, s, rec, memo); ok {
		return r
	}
	svc := ev.Service.Name
	exs := ev.Faultline.Exceptions
	if s.outermost && len(exs) > 1 {
		exs = exs[:1]
	}
	var parts []string
	var culprit string
	if p := ev.Faultline.Platform; p != "" && p != event.PlatformJava && len(exs) > 0 {
		parts, culprit = f.chainPlatform(s, svc, p, exs, rec)
	} else if len(exs) > 0 {
		st := memo.get(s, len(exs))
		if st == nil {
			st = f.readJava(s, svc, exs, rec)
			memo.put(st)
		}
		parts, culprit = f.chainParts(s, st, exs, rec), st.culprit
	}
	result := func(basis string, inputs ...string) Result {
		rec.result(basis, inputs)
		return Result{Fingerprint: hash(inputs...), Culprit: culprit, Strategy: s.id}
	}
	if explicit := ev.Labels["fingerprint"]; explicit != "" {
		return result("explicit", svc, "explicit", explicit)
	}
	if explicit, ok := f.rule(ev); ok {
		return result("rule", svc, "explicit", explicit)
	}
	if len(exs) > 0 {
		return result("exception", append([]string{svc, "exception"}, parts...)...)
	}
	if ev.Error != nil && ev.Error.Type != "" {
		return result("error", svc, "error", ev.Error.Type, normalizeMessage(ev.Error.Message, s.escapes))
	}
	if t := ev.Faultline.MessageTemplate; t != "" && !argumentsVary(t, ev.Message, s.escapes) {
		return result("template", svc, "template", ev.Log.Logger, t)
	}
	return result("message", svc, "message", ev.Log.Logger, normalizeMessage(ev.Message, s.escapes))
}

// javaFrame is a Java frame's verdict.
type javaFrame struct {
	inApp bool
	why   string
}

// javaStack is what a Java chain's frames come to before a strategy's rule
// picks from them. Strategies that decide in-app frames alike share it, so
// computing an older strategy's fingerprint too reads the frames once.
type javaStack struct {
	// sdkInApp is whether the verdicts took the SDK's in_app, which
	// matters only when a frame has one (sdk).
	sdkInApp, sdk bool
	n             int // exceptions read
	verdicts      [][]javaFrame
	// names are each exception's frames that may count, innermost first,
	// recursion folded; idx their indices, seen those before folding.
	names     [][]string
	idx, seen [][]int
	anyInApp  bool
	culprit   string
}

// readJava names a Java chain's frames and drops those that never count:
// library frames (when any frame is in-app), generated classes, a proxy's
// handler, lambdas below the throw site, repeats of a recursion.
func (f *Fingerprinter) readJava(s *strategy, svc string, exs []event.Exception, rec explainer) *javaStack {
	own := f.InApp[svc]
	st := &javaStack{sdkInApp: s.sdkInApp, n: len(exs), verdicts: make([][]javaFrame, len(exs)),
		names: make([][]string, len(exs)), idx: make([][]int, len(exs)), seen: make([][]int, len(exs))}
	total := 0
	for _, ex := range exs {
		total += len(ex.Frames)
	}
	all := make([]javaFrame, total)
	for i, ex := range exs {
		st.verdicts[i], all = all[:len(ex.Frames):len(ex.Frames)], all[len(ex.Frames):]
		for j, fr := range ex.Frames {
			in, why := f.javaInApp(s, own, fr)
			st.verdicts[i][j] = javaFrame{in, why}
			st.anyInApp = st.anyInApp || in
			st.sdk = st.sdk || fr.InApp != nil && len(own) == 0
		}
	}
	for ei, ex := range exs {
		rec.exception(ex.Type, ex.Frames)
		var names []string
		var idx []int
		for i, fr := range ex.Frames {
			v := st.verdicts[ei][i]
			if st.anyInApp && !v.inApp {
				rec.frame(ei, i, "", false, false, v.why)
				continue
			}
			// An InvocationHandler's invoke right under a JDK proxy frame is
			// there only when the call went through the proxy.
			if fr.Method == "invoke" && i+1 < len(ex.Frames) && proxyClass.MatchString(ex.Frames[i+1].Class) {
				rec.frame(ei, i, "", v.inApp, false, ReasonProxyHandler)
				continue
			}
			name, ok := f.normalFrame(fr)
			if !ok {
				rec.frame(ei, i, "", v.inApp, false, ReasonGenerated)
				continue
			}
			// A lambda is the same code as the loop it replaced unless the
			// error is thrown in its body.
			if len(names) > 0 && strings.Contains(fr.Method, "lambda$") {
				rec.frame(ei, i, name, v.inApp, false, ReasonLambda)
				continue
			}
			names, idx = append(names, name), append(idx, i)
		}
		st.seen[ei] = idx
		st.names[ei], st.idx[ei] = collapseCycles(names, idx, 4)
	}
	st.culprit = f.culprit(st.verdicts, exs)
	return st
}

// chainParts lists each exception type with the frames the strategy's Java
// rule counts. When no exception has an in-app frame, every frame counts,
// and when there are no frames at all the message stands in for them.
func (f *Fingerprinter) chainParts(s *strategy, st *javaStack, exs []event.Exception, rec explainer) (parts []string) {
	throwSite := s.java == javaThrowSite || s.java == javaThrowSiteMessage
	framesSeen := false
	for ei, ex := range exs {
		parts = append(parts, "type:"+ex.Type)
		names, idx := st.names[ei], st.idx[ei]
		if throwSite {
			names, idx = names[:min(1, len(names))], idx[:min(1, len(idx))]
		}
		if rec.on() {
			for _, i := range st.seen[ei] {
				v := st.verdicts[ei][i]
				name, _ := f.normalFrame(ex.Frames[i])
				why := ReasonRecursion
				if throwSite {
					why = ReasonNotThrowSite
				}
				counted := slices.Contains(idx, i)
				if counted {
					why = v.why
					switch {
					case !st.anyInApp:
						why = ReasonNoInApp
					case throwSite:
						why = ReasonThrowSite
					}
				}
				rec.frame(ei, i, name, v.inApp, counted, why)
			}
		}
		framesSeen = framesSeen || len(names) > 0
		parts = append(parts, names...)
		if s.java != javaAllFrames && s.java != javaThrowSite && len(ex.Frames) > 0 && st.verdicts[ei][0].inApp {
			if msg, ok := f.constantMessage(s, ex.Message); ok {
				parts = append(parts, "message:"+msg)
				rec.message(ei, msg)
			}
		}
	}
	if !framesSeen {
		msg := normalizeMessage(exs[len(exs)-1].Message, s.escapes)
		parts = append(parts, "message:"+msg)
		rec.message(len(exs)-1, msg)
	}
	return parts
}

// constantMessage is msg, and whether it looks like a literal the code
// wrote rather than text built from data: a short plain sentence, words of
// letters only, none capitalised but the first. A number, id, name, code
// (EU-DE), quoted value, path or "label: value" fails it, and then the
// message is left out and the frames alone decide, which never splits a bug.
func (f *Fingerprinter) constantMessage(s *strategy, msg string) (string, bool) {
	msg = strings.TrimSpace(msg)
	if msg == "" || len(msg) > maxConstantMessage {
		return "", false
	}
	if s.loose {
		n := f.messages.normalize(msg, s.escapes)
		return n, n == msg
	}
	words := strings.Split(strings.TrimRight(msg, ".!"), " ")
	if s.cut {
		for i, w := range words {
			if prepositions[w] && i > 0 {
				words = words[:i+1]
				break
			}
		}
	}
	for i, w := range words {
		if w == "" {
			return "", false
		}
		for j, c := range w {
			switch {
			case c >= 'a' && c <= 'z':
			case c >= 'A' && c <= 'Z' && i == 0 && j == 0:
			case c == ',' && j == len(w)-1:
			default:
				return "", false
			}
		}
	}
	return strings.Join(words, " "), true
}

// prepositions after which a message most often names a value.
var prepositions = map[string]bool{
	"for": true, "of": true, "in": true, "on": true, "at": true, "to": true, "from": true,
	"with": true, "by": true, "into": true, "about": true, "than": true, "as": true,
}

// maxConstantMessage: a longer message is rarely a constant.
const maxConstantMessage = 200

var proxyClass = regexp.MustCompile(`\$Proxy\d*$`)

// collapseCycles folds repeats of any run of up to maxLen frames into one,
// so recursion (direct or mutual) counts the same at every depth. idx, the
// frames' indices, is cut alongside.
func collapseCycles(names []string, idx []int, maxLen int) ([]string, []int) {
	out := make([]string, 0, len(names))
	outIdx := make([]int, 0, len(idx))
	for k, n := range names {
		out, outIdx = append(out, n), append(outIdx, idx[k])
		for l := 1; l <= maxLen && 2*l <= len(out); l++ {
			if slices.Equal(out[len(out)-l:], out[len(out)-2*l:len(out)-l]) {
				out, outIdx = out[:len(out)-l], outIdx[:len(outIdx)-l]
				break
			}
		}
	}
	return out, outIdx
}

// culprit is the first in-app frame of the deepest cause that has one: the
// place closest to where the problem started.
func (f *Fingerprinter) culprit(verdicts [][]javaFrame, exs []event.Exception) string {
	for i := len(exs) - 1; i >= 0; i-- {
		for j, fr := range exs[i].Frames {
			if !verdicts[i][j].inApp {
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

// hash is the first 16 bytes of the SHA-256 of the parts, each followed by
// a NUL, in hex. The parts are joined on the stack when they fit: every
// event is hashed once per strategy it is compared under.
func hash(parts ...string) string {
	var stack [1024]byte
	buf := stack[:0]
	for _, p := range parts {
		buf = append(append(buf, p...), 0)
	}
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:16])
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
	{quoted, "<quoted>", "'\"`"},
	{regexp.MustCompile(`\d+`), "<int>", "0123456789"},
}

var (
	// quoted is faultline:1's quoted value: it ends at the next quote, so
	// encoding/json's "invalid character '\\''" left a quote behind.
	quoted = regexp.MustCompile(`'[^']*'|"[^"]*"|` + "`[^`]*`")
	// quotedEscaped lets a backslash escape a quote inside the value, and
	// still ends a value at a backslash before its closing quote ('C:\dir\').
	quotedEscaped = regexp.MustCompile(`'(?:\\.|[^'])*'|"(?:\\.|[^"])*"|` + "`[^`]*`")
)

// escapedQuotes tells whether any message of ev may hold an escaped quote,
// which faultline:1 and the later versions normalise apart.
func escapedQuotes(ev *event.Event) bool {
	has := func(s string) bool { return strings.Contains(s, `\`) && strings.ContainsAny(s, `'"`) }
	if has(ev.Message) || ev.Error != nil && has(ev.Error.Message) {
		return true
	}
	for _, ex := range ev.Faultline.Exceptions {
		if has(ex.Message) {
			return true
		}
	}
	return false
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
func argumentsVary(tpl, msg string, escapes bool) bool {
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
		if arg == "" || normalizeMessage(arg, escapes) == strings.TrimSpace(arg) {
			return false
		}
	}
	return true
}

// maxNormalizedBytes bounds the text NormalizeMessage works on. Its regular
// expressions take time in proportion to the text, and a message is up to
// 1 MiB of whatever a client sends, so a stream of long one-line messages
// could hold the processor to a few events a second. What tells one problem from another is at a message's start; the
// group's message is cut at the same length.
const maxNormalizedBytes = 1024

// NormalizeMessage replaces the parts of a message that vary between
// occurrences of the same problem, keeping its first two lines, as Sentry
// does, and as the latest strategy does.
func NormalizeMessage(msg string) string { return normalizeMessage(msg, strategies[Latest].escapes) }

// normalizeMessage is NormalizeMessage with quoted values ending at the
// first quote (faultline:1) or allowing escaped quotes inside (escapes).
func normalizeMessage(msg string, escapes bool) string {
	lines := strings.SplitN(msg, "\n", 3)
	if len(lines) > 2 {
		lines = lines[:2]
	}
	s := event.Truncate(strings.TrimSpace(strings.Join(lines, "\n")), maxNormalizedBytes)
	for _, v := range messageVariables {
		if !mayMatch(s, v.need) {
			continue
		}
		re := v.re
		if re == quoted && escapes {
			re = quotedEscaped
		}
		s = re.ReplaceAllStringFunc(s, func(m string) string {
			// A hex id has a digit and a letter and is long enough not to be a word.
			if v.with == "<hex>" && !(strings.HasPrefix(m, "0x") || len(m) >= 8 && strings.ContainsAny(m, "abcdefABCDEF")) {
				return m
			}
			return v.with
		})
	}
	return s
}
