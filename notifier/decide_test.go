package notifier

import (
	"testing"
	"time"

	"github.com/faultline/faultline/internal/group"
)

func TestDecide(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	cooldown := 5 * time.Minute
	sent := func(ago time.Duration, confirmed bool, pending int) sentState {
		return sentState{LastSent: now.Add(-ago), Confirmed: confirmed, Pending: pending}
	}
	cases := []struct {
		name  string
		st    sentState
		known bool
		kind  group.Kind
		want  decision
	}{
		{"first announcement", sentState{}, false, group.KindNew, decision{verdict: sendNow, kind: group.KindNew, occurrences: 2}},
		{"repeat of a group the channel forgot is announced", sentState{}, false, group.KindRepeat, decision{verdict: sendNow, kind: group.KindNew, occurrences: 2}},
		{"announcement redelivered", sent(time.Minute, true, 0), true, group.KindNew, decision{verdict: quiet, kind: group.KindNew, occurrences: 2}},
		{"announcement being sent by another replica", sent(10*time.Second, false, 0), true, group.KindNew, decision{verdict: busy, kind: group.KindNew, occurrences: 2}},
		{"claim of a dead replica taken over", sent(time.Minute, false, 0), true, group.KindNew, decision{verdict: sendNow, kind: group.KindNew, occurrences: 2}},
		{"regression goes out at once", sent(time.Minute, true, 0), true, group.KindRegression, decision{verdict: sendNow, kind: group.KindRegression, occurrences: 2}},
		{"threshold goes out at once", sent(time.Minute, true, 0), true, group.KindThreshold, decision{verdict: sendNow, kind: group.KindThreshold, occurrences: 2}},
		{"repeat within the cooldown is held", sent(time.Minute, true, 3), true, group.KindRepeat, decision{verdict: hold, kind: group.KindRepeat, occurrences: 2}},
		{"repeat while the announcement is in flight is held", sent(10*time.Second, false, 0), true, group.KindRepeat, decision{verdict: hold, kind: group.KindRepeat, occurrences: 2}},
		{"repeat after the cooldown is a digest of all held", sent(6*time.Minute, true, 3), true, group.KindRepeat, decision{verdict: sendNow, kind: group.KindRepeat, occurrences: 5, since: 6 * time.Minute}},
	}
	for _, c := range cases {
		got := decide(c.st, c.known, group.Candidate{Kind: c.kind, Occurrences: 2}, now, cooldown)
		if got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}
