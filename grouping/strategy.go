package grouping

import "github.com/faultline/faultline/internal/event"

// A strategy is a named, frozen version of the grouping rules, in the
// spirit of Sentry's grouping configs. The fingerprint never includes the
// strategy's name: where two versions agree on an event they give it the
// same fingerprint, so a new version regroups only the events its rules
// treat differently, and the processor keeps those in the groups the
// previous version made (Result.Previous).
//
// A version, once released, never changes: a rule change is a new version
// whose previous is the current one.
type strategy struct {
	id string
	// sdkInApp takes a frame's InApp (a Sentry SDK's in_app) over the
	// platform's default, when the service has no configured in-app list.
	sdkInApp bool
	// java is the rule for Java chains, and loose whether a Java message
	// counts when normalising leaves it as it was, rather than only when
	// it reads as a plain sentence (constantMessage).
	java  javaRule
	loose bool
	// cut keeps a Java message only up to its first preposition: what
	// follows "for", "of", "in"... is most often the value the code filled
	// in ("no price for kiwi").
	cut bool
	// outermost fingerprints a chain by its outermost exception alone,
	// what a source that drops the causes still has. Measured only
	// (corpus_chain_test.go): it merges bugs that differ by their cause.
	outermost bool
	// goChain reads a Go chain as a printed stack shows it (goChain in
	// platforms.go): an SDK's dynamic error types and pkg/errors wrapper
	// links come to what the text of the same error has.
	goChain bool
	// escapes lets a quoted value in a message hold escaped quotes
	// ('\'', "a\"b"), so the whole value is replaced.
	escapes bool
	// previous is the version this one replaced, or nil.
	previous *strategy
}

// javaRule is which frames and messages of a Java chain count.
type javaRule int

const (
	// javaAllFrames: every in-app frame of every exception, no message.
	javaAllFrames javaRule = iota
	// javaAllFramesMessage: javaAllFrames, plus the message of each
	// exception the app threw when it looks constant.
	javaAllFramesMessage
	// javaThrowSiteMessage: the throw site (innermost in-app frame) of each
	// exception, plus the message of each exception the app threw when it
	// looks constant; the rule of the other platforms.
	javaThrowSiteMessage
	// javaThrowSite: the throw site alone.
	javaThrowSite
)

// Strategy versions.
const (
	// StrategyV1 is the rule before versions: Java by every in-app frame,
	// the other platforms by throw site and the app's own message, the
	// SDK's in_app ignored.
	StrategyV1 = "faultline:1"
	// StrategyV2 honours the SDK's in_app and groups Java as the other
	// platforms are: by each exception's throw site and, when the app threw
	// it with a message that reads as a constant sentence, that message up
	// to its first preposition. A Go chain from an SDK is read as its
	// printed stack would be, and a quoted value in a message may hold
	// escaped quotes.
	StrategyV2 = "faultline:2"
	// Latest is the version new groups are made with.
	Latest = StrategyV2
)

var (
	strategyV1 = &strategy{id: StrategyV1, java: javaAllFrames}
	strategyV2 = &strategy{id: StrategyV2, sdkInApp: true, java: javaThrowSiteMessage, cut: true,
		goChain: true, escapes: true, previous: strategyV1}
	strategies = map[string]*strategy{StrategyV1: strategyV1, StrategyV2: strategyV2}
)

// agrees tells, without computing it, that p gives ev the fingerprint s
// gives it: the rules the two differ in do not apply to ev.
func (s *strategy) agrees(p *strategy, ev *event.Event) bool {
	exs := ev.Faultline.Exceptions
	if s.escapes != p.escapes && escapedQuotes(ev) {
		return false
	}
	if len(exs) == 0 {
		return true
	}
	java := ev.Faultline.Platform == "" || ev.Faultline.Platform == event.PlatformJava
	if java && (s.java != p.java || s.loose != p.loose || s.cut != p.cut) || s.outermost != p.outermost && len(exs) > 1 {
		return false
	}
	if s.goChain != p.goChain && ev.Faultline.Platform == event.PlatformGo && sdkGoTypes(exs) {
		return false
	}
	if s.sdkInApp != p.sdkInApp {
		for _, ex := range exs {
			for _, fr := range ex.Frames {
				if fr.InApp != nil {
					return false
				}
			}
		}
	}
	return true
}

// Strategies lists the known versions, oldest first.
func Strategies() []string { return []string{StrategyV1, StrategyV2} }

// KnownStrategy tells whether id names a version this build implements.
func KnownStrategy(id string) bool { return strategies[id] != nil }
