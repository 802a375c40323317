package grouping

import (
	"maps"
	"regexp"
	"strings"

	"github.com/faultline/faultline/internal/event"
)

// defaultToken is Sentry's name for its own grouping inside a fingerprint,
// however it is spaced.
var defaultToken = regexp.MustCompile(`\{\{\s*default\s*\}\}`)

// withDefault honours "{{ default }}" in an explicit fingerprint (a Sentry
// SDK's, or an MDC fingerprint written the same way) as Sentry does: the
// token stands for the fingerprint faultline would compute itself, and the
// other parts split that group further ("{{ default }}" and a tenant: one
// group per bug and tenant). The token alone is faultline's own grouping.
// ok is false when the event has no such fingerprint.
func (f *Fingerprinter) withDefault(ev *event.Event, s *strategy, rec explainer, memo *javaMemo) (Result, bool) {
	explicit := ev.Labels["fingerprint"]
	if !strings.Contains(explicit, "{{") || !defaultToken.MatchString(explicit) {
		return Result{}, false
	}
	own := *ev
	own.Labels = maps.Clone(ev.Labels)
	delete(own.Labels, "fingerprint")
	r := f.compute(&own, s, rec, memo)
	if strings.TrimSpace(defaultToken.ReplaceAllString(explicit, "")) == "" {
		return r, true
	}
	inputs := []string{ev.Service.Name, "default+", r.Fingerprint, defaultToken.ReplaceAllString(explicit, "{{ default }}")}
	rec.result("default+", inputs)
	r.Fingerprint = hash(inputs...)
	return r, true
}
