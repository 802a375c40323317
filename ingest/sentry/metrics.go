package sentry

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Metrics are the Sentry intake's Prometheus metrics.
type Metrics struct {
	requests *prometheus.CounterVec
	skipped  *prometheus.CounterVec
}

// NewMetrics registers the Sentry intake's metrics with reg; a nil reg
// leaves them unregistered.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	f := promauto.With(reg)
	return &Metrics{
		requests: f.NewCounterVec(prometheus.CounterOpts{
			Name: "faultline_ingest_sentry_requests_total",
			Help: "Requests to the Sentry routes, by route and status code.",
		}, []string{"route", "status"}),
		skipped: f.NewCounterVec(prometheus.CounterOpts{
			Name: "faultline_ingest_sentry_items_skipped_total",
			Help: "Envelope items that are not events (transactions, sessions, client reports, attachments, …), skipped, by item type.",
		}, []string{"type"}),
	}
}
