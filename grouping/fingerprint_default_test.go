package grouping

import (
	"testing"

	"github.com/faultline/faultline/internal/event"
)

// A fingerprint with "{{ default }}" refines faultline's own grouping; the
// token alone is faultline's own grouping; without it the fingerprint
// replaces grouping, as an MDC fingerprint does.
func TestFingerprintWithDefault(t *testing.T) {
	f := NewFingerprinter()
	bug := func(typ, fp string) *event.Event {
		ev := &event.Event{Service: event.Service{Name: "shop"}, Message: "boom", Faultline: event.Faultline{Exceptions: []event.Exception{
			{Type: typ, Frames: []event.Frame{{Class: "com.acme.Cart", Method: "add", Line: 12}}},
		}}}
		if fp != "" {
			ev.Labels = map[string]string{"fingerprint": fp}
		}
		return ev
	}
	fp := func(ev *event.Event) string { return f.Compute(ev).Fingerprint }
	own := fp(bug("com.acme.CartFull", ""))
	if got := fp(bug("com.acme.CartFull", "{{ default }}")); got != own {
		t.Errorf("the token alone: %s, want faultline's own %s", got, own)
	}
	t7 := fp(bug("com.acme.CartFull", "{{ default }}\ntenant-7"))
	if t7 == own || t7 == fp(bug("com.acme.CartFull", "{{ default }}\ntenant-8")) || t7 == fp(bug("com.acme.Timeout", "{{ default }}\ntenant-7")) {
		t.Error("default plus a tenant must split by tenant and by bug")
	}
	if t7 != fp(bug("com.acme.CartFull", "{{default}}\ntenant-7")) {
		t.Error("the token's spacing must not matter")
	}
	if fp(bug("com.acme.CartFull", "tenant-7")) != fp(bug("com.acme.Timeout", "tenant-7")) {
		t.Error("a fingerprint without the token replaces grouping")
	}
	if got := f.Compute(bug("com.acme.CartFull", "{{ default }}\ntenant-7")).Culprit; got != "com.acme.Cart.add" {
		t.Errorf("culprit %q", got)
	}
}
