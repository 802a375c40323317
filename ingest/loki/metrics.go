package loki

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Metrics are the Loki intake's Prometheus metrics.
type Metrics struct {
	requests     *prometheus.CounterVec
	linesRefused prometheus.Counter
}

// NewMetrics registers the Loki intake's metrics with reg; a nil reg leaves
// them unregistered.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	f := promauto.With(reg)
	return &Metrics{
		requests: f.NewCounterVec(prometheus.CounterOpts{
			Name: "faultline_ingest_loki_requests_total",
			Help: "Requests to the Loki push route, by status code.",
		}, []string{"status"}),
		linesRefused: f.NewCounter(prometheus.CounterOpts{
			Name: "faultline_ingest_loki_lines_refused_total",
			Help: "Loki lines refused one by one (too large, too many labels, empty, not storable) while the rest of their push was stored.",
		}),
	}
}
