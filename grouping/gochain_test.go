package grouping

import (
	"testing"

	"github.com/faultline/faultline/internal/event"
)

// sentryGoFrame is a frame as sentry-go sends it: the package path as
// module, the rest of the name as function, in_app set.
func sentryGoFrame(pkg, fn, file string, line int) event.Frame {
	yes := true
	return event.Frame{Class: pkg, Method: fn, File: file, Line: line, InApp: &yes}
}

// goEvent is an event of the Go service "gosvc" with the chain given.
func goEvent(exs ...event.Exception) *event.Event {
	return &event.Event{Service: event.Service{Name: "gosvc"}, Faultline: event.Faultline{Platform: event.PlatformGo, Exceptions: exs}}
}

// textEvent is the event a printed Go stack gives, parsed as ingest does.
func textEvent(t *testing.T, text string) *event.Event {
	t.Helper()
	platform, chain := event.ParseStack(text)
	if platform != event.PlatformGo || len(chain) == 0 {
		t.Fatalf("not read as a Go stack (%q, %d exceptions):\n%s", platform, len(chain), text)
	}
	return goEvent(chain...)
}

// The same Go error reported by sentry-go (its dynamic types, pkg/errors
// unwrapped into one exception per link, each message holding its causes'
// text) and printed with its stack (%+v, or the runtime's panic) gets one
// fingerprint; different errors keep different ones.
func TestGoChainFromSDKGroupsWithText(t *testing.T) {
	var (
		validate = sentryGoFrame("github.com/acme/shop/billing", "Validate", "/src/shop/billing/billing.go", 13)
		load     = sentryGoFrame("github.com/acme/shop/config", "Load", "/src/shop/config/config.go", 14)
		newErr   = sentryGoFrame("github.com/acme/shop/store", "Open", "/src/shop/store/store.go", 5)
		priceOf  = sentryGoFrame("github.com/acme/shop/cart", "(*Cart).PriceOf", "/src/shop/cart/cart.go", 11)
		mainFn   = sentryGoFrame("main", "main", "/src/shop/main.go", 10)
		mainAt20 = sentryGoFrame("main", "main", "/src/shop/main.go", 20)
	)
	const badJSON = `invalid character '\'' looking for beginning of object key string`
	cases := []struct {
		name string
		sdk  []event.Exception
		text string
	}{
		{"errors.New", []event.Exception{
			{Type: "*errors.fundamental", Message: "amount must be positive", Frames: []event.Frame{validate, mainFn}},
		}, "amount must be positive\ngithub.com/acme/shop/billing.Validate\n\t/src/shop/billing/billing.go:13\nmain.main\n\t/src/shop/main.go:10\n"},
		{"errors.Wrap of a library error", []event.Exception{
			{Type: "*errors.withStack", Message: "config load failed: " + badJSON, Frames: []event.Frame{load, mainFn}},
			{Type: "*errors.withMessage", Message: "config load failed: " + badJSON},
			{Type: "*json.SyntaxError", Message: badJSON},
		}, badJSON + "\nconfig load failed\ngithub.com/acme/shop/config.Load\n\t/src/shop/config/config.go:14\nmain.main\n\t/src/shop/main.go:10\n"},
		{"errors.WithStack over errors.New", []event.Exception{
			{Type: "*errors.withStack", Message: "store closed", Frames: []event.Frame{mainAt20}},
			{Type: "*errors.fundamental", Message: "store closed", Frames: []event.Frame{newErr, mainFn}},
		}, "store closed\ngithub.com/acme/shop/store.Open\n\t/src/shop/store/store.go:5\nmain.main\n\t/src/shop/main.go:10\nmain.main\n\t/src/shop/main.go:20\n"},
		{"errors.WithMessage over errors.New", []event.Exception{
			{Type: "*errors.withMessage", Message: "retry failed: store closed"},
			{Type: "*errors.fundamental", Message: "store closed", Frames: []event.Frame{newErr, mainFn}},
		}, "store closed\ngithub.com/acme/shop/store.Open\n\t/src/shop/store/store.go:5\nmain.main\n\t/src/shop/main.go:10\nretry failed\n"},
		{"runtime error", []event.Exception{
			{Type: "runtime.boundsError", Message: "runtime error: index out of range [5] with length 2", Frames: []event.Frame{priceOf, mainFn}},
		}, "panic: runtime error: index out of range [5] with length 2\n\ngoroutine 1 [running]:\n" +
			"github.com/acme/shop/cart.(*Cart).PriceOf(...)\n\t/src/shop/cart/cart.go:11 +0x1d\nmain.main()\n\t/src/shop/main.go:10 +0x25\n"},
	}
	f := NewFingerprinter()
	v1 := NewFingerprinter()
	v1.Strategy = StrategyV1
	seen := map[string]string{}
	for _, c := range cases {
		sdk, text := goEvent(c.sdk...), textEvent(t, c.text)
		got, want := f.Compute(sdk), f.Compute(text)
		if got.Fingerprint != want.Fingerprint {
			t.Errorf("%s: sentry-go %s, printed stack %s\n  sentry-go: %q\n  text:      %q", c.name, got.Fingerprint, want.Fingerprint,
				f.Explain(sdk).Inputs, f.Explain(text).Inputs)
		}
		if other, ok := seen[got.Fingerprint]; ok {
			t.Errorf("%s and %s share a fingerprint", other, c.name)
		}
		seen[got.Fingerprint] = c.name
		// faultline:1 read the SDK's types as they came, so the event names
		// faultline:1's fingerprint for the processor to find its old group;
		// the printed stack's fingerprint is faultline:1's.
		if old := v1.Compute(sdk).Fingerprint; len(got.Previous) != 1 || got.Previous[0] != (Previous{Fingerprint: old, Strategy: StrategyV1}) {
			t.Errorf("%s: previous %+v, want faultline:1's %s", c.name, got.Previous, old)
		}
		if old := v1.Compute(text).Fingerprint; want.Fingerprint != old || len(want.Previous) != 0 {
			t.Errorf("%s: the printed stack moved from faultline:1's %s to %s %+v", c.name, old, want.Fingerprint, want.Previous)
		}
	}
}

// The frames a wrapper link brought are shown where they were sent: a
// Wrap's stack counts with its own message, a WithStack's frames over a
// cause that has its own stack do not count.
func TestGoChainExplained(t *testing.T) {
	load := sentryGoFrame("github.com/acme/shop/config", "Load", "/src/shop/config/config.go", 14)
	open := sentryGoFrame("github.com/acme/shop/store", "Open", "/src/shop/store/store.go", 5)
	mainFn := sentryGoFrame("main", "main", "/src/shop/main.go", 10)
	f := NewFingerprinter()

	x := f.Explain(goEvent(
		event.Exception{Type: "*errors.withStack", Message: "config load failed: unexpected EOF", Frames: []event.Frame{load, mainFn}},
		event.Exception{Type: "*errors.withMessage", Message: "config load failed: unexpected EOF"},
		event.Exception{Type: "*errors.errorString", Message: "unexpected EOF"},
	))
	if len(x.Exceptions) != 3 || x.Exceptions[0].Type != "*errors.withStack" {
		t.Fatalf("explanation shows %+v, want the three exceptions sent", x.Exceptions)
	}
	if fr := x.Exceptions[0].Frames[0]; !fr.Counted || fr.Reason != ReasonThrowSite || x.Exceptions[0].Message != "config load failed" {
		t.Errorf("Wrap: throw site %+v, message %q; want the stack's first frame and the wrapper's own message", fr, x.Exceptions[0].Message)
	}

	x = f.Explain(goEvent(
		event.Exception{Type: "*errors.withStack", Message: "store closed", Frames: []event.Frame{mainFn}},
		event.Exception{Type: "*errors.fundamental", Message: "store closed", Frames: []event.Frame{open, mainFn}},
	))
	if fr := x.Exceptions[0].Frames[0]; fr.Counted || fr.Reason != ReasonWrapperLink {
		t.Errorf("WithStack's own frame: %+v, want not counted, %q", fr, ReasonWrapperLink)
	}
	if fr := x.Exceptions[1].Frames[0]; !fr.Counted || fr.Name != "github.com/acme/shop/store.Open" {
		t.Errorf("the cause's throw site: %+v", fr)
	}
}

// goChain on its own: what it drops, strips and renames.
func TestGoChain(t *testing.T) {
	fr := []event.Frame{{Class: "main", Method: "main"}}
	cases := []struct {
		name     string
		in       []event.Exception
		want     []event.Exception
		framesAt []int
	}{
		{"the text's own types are left alone",
			[]event.Exception{{Type: "error", Message: "a: b", Frames: fr}, {Type: "error", Message: "b"}},
			[]event.Exception{{Type: "error", Message: "a: b", Frames: fr}, {Type: "error", Message: "b"}}, []int{0, 1}},
		{"a runtime error by its message",
			[]event.Exception{{Type: "*runtime.TypeAssertionError", Message: "runtime error: interface conversion", Frames: fr}},
			[]event.Exception{{Type: "runtime.Error", Message: "runtime error: interface conversion", Frames: fr}}, []int{0}},
		{"fmt.Errorf's %w over a pkg/errors error",
			[]event.Exception{{Type: "*fmt.wrapError", Message: "save: disk full"}, {Type: "*errors.fundamental", Message: "disk full", Frames: fr}},
			[]event.Exception{{Type: "error", Message: "save"}, {Type: "error", Message: "disk full", Frames: fr}}, []int{0, 1}},
		{"a link with its cause's message is dropped, its frames go to the cause",
			[]event.Exception{{Type: "*app.Err", Message: "disk full", Frames: fr}, {Type: "*os.PathError", Message: "disk full"}},
			[]event.Exception{{Type: "error", Message: "disk full", Frames: fr}}, []int{0}},
		{"a message that only ends like its cause's is kept",
			[]event.Exception{{Type: "*app.Err", Message: "nodisk full", Frames: fr}, {Type: "*os.PathError", Message: "disk full"}},
			[]event.Exception{{Type: "error", Message: "nodisk full", Frames: fr}, {Type: "error", Message: "disk full"}}, []int{0, 1}},
		{"two wrappers with one message over a cause",
			[]event.Exception{{Type: "*errors.withStack", Message: "x: y", Frames: fr}, {Type: "*errors.withMessage", Message: "x: y"},
				{Type: "*errors.withStack", Message: "y"}, {Type: "*errors.fundamental", Message: "y", Frames: fr}},
			[]event.Exception{{Type: "error", Message: "x", Frames: fr}, {Type: "error", Message: "y", Frames: fr}}, []int{0, 3}},
	}
	for _, c := range cases {
		got, at := goChain(c.in)
		if len(got) != len(c.want) || len(at) != len(c.framesAt) {
			t.Errorf("%s: %+v at %v, want %+v at %v", c.name, got, at, c.want, c.framesAt)
			continue
		}
		for i := range got {
			if got[i].Type != c.want[i].Type || got[i].Message != c.want[i].Message || len(got[i].Frames) != len(c.want[i].Frames) || at[i] != c.framesAt[i] {
				t.Errorf("%s: link %d is %+v from %d, want %+v from %d", c.name, i, got[i], at[i], c.want[i], c.framesAt[i])
			}
		}
	}
}
