package otlp

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Metrics are the OTLP intake's Prometheus metrics.
type Metrics struct {
	requests        *prometheus.CounterVec
	recordsRejected prometheus.Counter
}

// NewMetrics registers the OTLP intake's metrics with reg; a nil reg leaves
// them unregistered.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	f := promauto.With(reg)
	return &Metrics{
		requests: f.NewCounterVec(prometheus.CounterOpts{
			Name: "faultline_ingest_otlp_requests_total",
			Help: "OTLP/HTTP log export requests, by encoding and status code.",
		}, []string{"encoding", "status"}),
		recordsRejected: f.NewCounter(prometheus.CounterOpts{
			Name: "faultline_ingest_otlp_records_rejected_total",
			Help: "OTLP log records refused in partial_success (bad or too large records).",
		}),
	}
}
