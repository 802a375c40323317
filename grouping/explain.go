package grouping

import (
	"fmt"

	"github.com/faultline/faultline/internal/event"
)

// Explanation says how an event's fingerprint was made: by which strategy,
// from what, and for each frame whether it counted and why. It is what a
// group's page shows as the frames that made the fingerprint.
type Explanation struct {
	Strategy    string `json:"strategy"`
	Fingerprint string `json:"fingerprint"`
	// Basis is what the fingerprint came from: explicit (an SDK's or MDC
	// fingerprint), rule (a configured grouping rule), default+ (an
	// explicit fingerprint refining faultline's own), exception (the
	// chain), error (an error type and message without a stack), template
	// or message.
	Basis string `json:"basis"`
	// Inputs are the strings hashed, in order, the service first.
	Inputs     []string             `json:"inputs"`
	Exceptions []ExplainedException `json:"exceptions,omitempty"`
}

// ExplainedException is one exception of the chain, outermost first.
type ExplainedException struct {
	Type string `json:"type"`
	// Message is the normalised message when it counted.
	Message string           `json:"message,omitempty"`
	Frames  []ExplainedFrame `json:"frames,omitempty"`
}

// ExplainedFrame is one frame, innermost first, as grouping named it.
type ExplainedFrame struct {
	Name    string `json:"name"`
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	InApp   bool   `json:"in_app"`
	Counted bool   `json:"counted"`
	Reason  string `json:"reason"`
}

// Why a frame counted or not.
const (
	ReasonInApp         = "in-app"
	ReasonInAppSDK      = "in-app, as the SDK said"
	ReasonInAppConfig   = "in-app, by the service's in_app list"
	ReasonLibrary       = "library code"
	ReasonLibrarySDK    = "library code, as the SDK said"
	ReasonLibraryConfig = "not in the service's in_app list"
	ReasonNoInApp       = "no frame of the chain is in-app, so every frame counts"
	ReasonGenerated     = "runtime-generated class"
	ReasonProxyHandler  = "proxy handler, there only when called through the proxy"
	ReasonLambda        = "lambda frame below the throw site"
	ReasonRecursion     = "repeat of a recursion"
	ReasonNotThrowSite  = "not the throw site"
	ReasonThrowSite     = "throw site"
	ReasonAbovePanic    = "where a panic was recovered, not where it happened"
	ReasonWrapperLink   = "a wrapper's, whose cause's frames count"
	ReasonExplicitWins  = "an explicit fingerprint decides"
)

// Explain fingerprints ev as Compute does with the Fingerprinter's own
// strategy and says how.
func (f *Fingerprinter) Explain(ev *event.Event) Explanation {
	return f.explain(ev, f.strategy())
}

// ExplainAs says how the strategy named id fingerprints ev: a group's page
// explains its sample event by the group's own grouping_strategy ("" is
// StrategyV1, for groups made before versions).
func (f *Fingerprinter) ExplainAs(ev *event.Event, id string) (Explanation, error) {
	if id == "" {
		id = StrategyV1
	}
	s := strategies[id]
	if s == nil {
		return Explanation{}, fmt.Errorf("unknown grouping strategy %q (this build knows %v)", id, Strategies())
	}
	return f.explain(ev, s), nil
}

func (f *Fingerprinter) explain(ev *event.Event, s *strategy) Explanation {
	var x Explanation
	r := f.compute(ev, s, explainer{&x}, nil)
	x.Strategy, x.Fingerprint = r.Strategy, r.Fingerprint
	return x
}

// explainer records into an Explanation; a nil one records nothing, which
// is the path every event takes.
type explainer struct{ x *Explanation }

func (e explainer) on() bool { return e.x != nil }

func (e explainer) exception(typ string, frames []event.Frame) {
	if e.x == nil {
		return
	}
	ex := ExplainedException{Type: typ, Frames: make([]ExplainedFrame, len(frames))}
	for i, fr := range frames {
		ex.Frames[i] = ExplainedFrame{Name: fr.Function(), File: fr.File, Line: fr.Line}
	}
	e.x.Exceptions = append(e.x.Exceptions, ex)
}

// frame sets the verdict on frame i of exception ei.
func (e explainer) frame(ei, i int, name string, inApp, counted bool, reason string) {
	if e.x == nil || ei >= len(e.x.Exceptions) || i >= len(e.x.Exceptions[ei].Frames) {
		return
	}
	fr := &e.x.Exceptions[ei].Frames[i]
	if name != "" {
		fr.Name = name
	}
	fr.InApp, fr.Counted, fr.Reason = inApp, counted, reason
}

func (e explainer) message(ei int, msg string) {
	if e.x == nil || ei >= len(e.x.Exceptions) {
		return
	}
	e.x.Exceptions[ei].Message = msg
}

func (e explainer) result(basis string, inputs []string) {
	if e.x == nil {
		return
	}
	e.x.Basis, e.x.Inputs = basis, inputs
}
