package processor

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Metrics are the processor's Prometheus metrics, its store's included.
// Each Processor counts into the one its Config gives, so a process serves
// them from the registry it chose and a test reads its own counts.
type Metrics struct {
	eventsWritten     *prometheus.CounterVec
	batchSeconds      prometheus.Histogram
	bulkFailures      prometheus.Counter
	consumerLag       prometheus.Gauge
	groupsNew         prometheus.Counter
	bulkBytes         prometheus.Histogram
	deadLetterRefused prometheus.Counter
	streamTrimmed     *prometheus.CounterVec
	groupRecounts     prometheus.Counter
}

// NewMetrics registers the processor's metrics with reg; a nil reg leaves
// them unregistered (counted, served by nobody).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	f := promauto.With(reg)
	return &Metrics{
		eventsWritten: f.NewCounterVec(prometheus.CounterOpts{
			Name: "faultline_processor_events_total",
			Help: "Events handled by the processor, by outcome (created, duplicate, retry, dead_letter).",
		}, []string{"outcome"}),
		batchSeconds: f.NewHistogram(prometheus.HistogramOpts{
			Name:    "faultline_processor_batch_seconds",
			Help:    "Time to write one batch of events and groups to Elasticsearch.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 12),
		}),
		bulkFailures: f.NewCounter(prometheus.CounterOpts{
			Name: "faultline_processor_bulk_failures_total",
			Help: "Bulk requests that failed as a whole (Elasticsearch unreachable or erroring).",
		}),
		consumerLag: f.NewGauge(prometheus.GaugeOpts{
			Name: "faultline_processor_consumer_lag",
			Help: "Events in JetStream not yet acknowledged by the processor (pending plus in flight).",
		}),
		groupsNew: f.NewCounter(prometheus.CounterOpts{
			Name: "faultline_processor_groups_new_total",
			Help: "Error groups seen for the first time.",
		}),
		bulkBytes: f.NewHistogram(prometheus.HistogramOpts{
			Name:    "faultline_processor_bulk_request_bytes",
			Help:    "Body size of each bulk request of events (capped by processor.max_bulk_bytes).",
			Buckets: prometheus.ExponentialBuckets(64<<10, 2, 12),
		}),
		deadLetterRefused: f.NewCounter(prometheus.CounterOpts{
			Name: "faultline_processor_dead_letter_refused_total",
			Help: "Dead letters the DLQ stream refused (full or unreachable); their events were nacked and are retried.",
		}),
		streamTrimmed: f.NewCounterVec(prometheus.CounterOpts{
			Name: "faultline_stream_trimmed_messages_total",
			Help: "Messages every consumer had acknowledged, purged from a stream nearing its max_bytes.",
		}, []string{"stream"}),
		groupRecounts: f.NewCounter(prometheus.CounterOpts{
			Name: "faultline_processor_group_recounts_total",
			Help: "Group counts recounted from the data stream (after redeliveries, and regularly for active groups).",
		}),
	}
}
