package notifier

import (
	"testing"
	"time"

	"github.com/faultline/faultline/internal/config"
)

// Sending as fast as the limiter allows must stay within each provider's
// documented windows.
func TestChannelLimitsStayBelowProviders(t *testing.T) {
	cases := []struct {
		typ     config.ChannelType
		windows map[time.Duration]int
	}{
		{"discord", map[time.Duration]int{2 * time.Second: 5, time.Minute: 30}},
		{"slack", map[time.Duration]int{time.Second: 1, time.Minute: 61}},
	}
	for _, tc := range cases {
		lim := channelLimit(tc.typ)
		start := time.Unix(0, 0)
		var sends []time.Time
		now := start
		for len(sends) < 200 {
			r := lim.ReserveN(now, 1)
			at := now.Add(r.DelayFrom(now))
			sends = append(sends, at)
			now = at
		}
		for window, max := range tc.windows {
			for i := range sends {
				n := 0
				for j := i; j < len(sends) && sends[j].Sub(sends[i]) < window; j++ {
					n++
				}
				if n > max {
					t.Errorf("%s: %d sends within %s from send %d, limit %d", tc.typ, n, window, i, max)
					break
				}
			}
		}
	}
}
