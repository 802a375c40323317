package notifier

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Metrics are the notifier's Prometheus metrics. Each Service counts into
// the one it is given, so a process serves them from the registry it chose
// and a test reads its own counts.
type Metrics struct {
	sent        *prometheus.CounterVec
	failed      *prometheus.CounterVec
	suppressed  *prometheus.CounterVec
	rateLimited *prometheus.CounterVec
}

// NewMetrics registers the notifier's metrics with reg; a nil reg leaves
// them unregistered (counted, served by nobody).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	f := promauto.With(reg)
	return &Metrics{
		sent: f.NewCounterVec(prometheus.CounterOpts{
			Name: "faultline_notifier_sent_total",
			Help: "Messages delivered, by channel and kind.",
		}, []string{"channel", "kind"}),
		failed: f.NewCounterVec(prometheus.CounterOpts{
			Name: "faultline_notifier_failed_total",
			Help: "Messages that could not be delivered after retries, by channel.",
		}, []string{"channel"}),
		suppressed: f.NewCounterVec(prometheus.CounterOpts{
			Name: "faultline_notifier_suppressed_total",
			Help: "Alert candidates held back (already announced, muted, within the cooldown or folded into a storm summary), by channel.",
		}, []string{"channel"}),
		rateLimited: f.NewCounterVec(prometheus.CounterOpts{
			Name: "faultline_notifier_rate_limited_total",
			Help: "Sends that waited for the channel's own rate limit or a provider's 429, by channel.",
		}, []string{"channel"}),
	}
}
