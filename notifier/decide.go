package notifier

import (
	"time"

	"github.com/faultline/faultline/internal/group"
)

// verdict is what a channel does with one alert candidate.
type verdict int

const (
	// sendNow claims the group and sends decision's kind.
	sendNow verdict = iota
	// quiet: already announced (a redelivery or a second replica).
	quiet
	// hold counts the occurrences for the next digest (cooldown).
	hold
	// busy: another notifier is announcing the group right now.
	busy
)

// decision is decide's answer: for sendNow, the kind of message and, for a
// digest, its occurrences and how long they took to gather.
type decision struct {
	verdict     verdict
	kind        group.Kind
	occurrences int
	since       time.Duration
}

// decide is the notifier's rule for one candidate, given what the channel
// was last told about the group (known is false when nothing was) — pure,
// so the rule can be read and tested apart from NATS and the providers.
func decide(st sentState, known bool, c group.Candidate, now time.Time, cooldown time.Duration) decision {
	d := decision{verdict: sendNow, kind: c.Kind, occurrences: c.Occurrences}
	inFlight := known && !st.Confirmed && now.Sub(st.LastSent) < claimTimeout
	switch {
	case !known:
		if d.kind == group.KindRepeat {
			// Its announcement is lost or expired from state: announce it now.
			d.kind = group.KindNew
		}
	case inFlight && c.Kind != group.KindRepeat:
		d.verdict = busy
	case !st.Confirmed && c.Kind != group.KindRepeat:
		// The claim's owner died before the provider took the message.
	case c.Kind == group.KindRegression || c.Kind == group.KindThreshold:
		// Escalations go out at once; the processor raises each only once.
	case c.Kind == group.KindNew:
		d.verdict = quiet
	case inFlight || now.Sub(st.LastSent) < cooldown:
		d.verdict = hold
	default:
		d.kind = group.KindRepeat
		d.occurrences = st.Pending + c.Occurrences
		d.since = now.Sub(st.LastSent)
	}
	return d
}
