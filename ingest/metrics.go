package ingest

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Metrics are ingest's Prometheus metrics. Each Server counts into the one
// it is given, so a process serves them from the registry it chose and a
// test reads its own server's counts, untouched by other tests.
type Metrics struct {
	requests       *prometheus.CounterVec
	eventsAccepted prometheus.Counter
	eventsRejected *prometheus.CounterVec
	publishSeconds prometheus.Histogram
	bytesIn        prometheus.Counter
	inflightBytes  prometheus.Gauge
	quotaRefused   *prometheus.CounterVec
	storeFull      prometheus.Counter
}

// NewMetrics registers ingest's metrics with reg; a nil reg leaves them
// unregistered (counted, served by nobody).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	f := promauto.With(reg)
	return &Metrics{
		requests: f.NewCounterVec(prometheus.CounterOpts{
			Name: "faultline_ingest_requests_total",
			Help: "HTTP requests to ingest, by route and status code.",
		}, []string{"route", "status"}),
		eventsAccepted: f.NewCounter(prometheus.CounterOpts{
			Name: "faultline_ingest_events_accepted_total",
			Help: "Events acknowledged by JetStream and answered 202.",
		}),
		eventsRejected: f.NewCounterVec(prometheus.CounterOpts{
			Name: "faultline_ingest_events_rejected_total",
			Help: "Events rejected, by reason.",
		}, []string{"reason"}),
		publishSeconds: f.NewHistogram(prometheus.HistogramOpts{
			Name:    "faultline_ingest_publish_seconds",
			Help:    "Time from publishing a request's events to JetStream's last acknowledgement.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
		bytesIn: f.NewCounter(prometheus.CounterOpts{
			Name: "faultline_ingest_bytes_total",
			Help: "Request body bytes read by ingest, after decompression.",
		}),
		inflightBytes: f.NewGauge(prometheus.GaugeOpts{
			Name: "faultline_ingest_inflight_bytes",
			Help: "Request body bytes reserved by requests being read, parsed or published (bounded by ingest.max_inflight_bytes).",
		}),
		quotaRefused: f.NewCounterVec(prometheus.CounterOpts{
			Name: "faultline_ingest_quota_refused_total",
			Help: "Requests refused with 429 because a service was over its quota, by quota (events_per_second, bytes_per_day).",
		}, []string{"quota"}),
		storeFull: f.NewCounter(prometheus.CounterOpts{
			Name: "faultline_ingest_stream_full_total",
			Help: "Requests answered 507 (or bulk items 429) because the events stream held its max_bytes.",
		}),
	}
}
