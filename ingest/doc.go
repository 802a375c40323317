// Package ingest is faultline's intake. It accepts log events over HTTP
// (/v1/logs in logback, logstash, ECS, GELF or plain JSON; the
// Elasticsearch bulk API for appenders and shippers), detects each event's
// format, reads plain text log lines (text.go: level, time and stack trace,
// for /_bulk and the Loki intake alike), normalises it to the canonical
// event (internal/event) and publishes it to the events stream, answering
// 202 only after JetStream acknowledged every accepted event.
//
// It owns what an event is when it arrives: its format, its time (one it
// cannot read, or years off, is refused with the reason), its service (the
// API key's), its id (ids.go), and the body, rate and quota limits of who
// sends it. Its sink (Deliver) publishes for the protocol intakes in its
// sub-packages (loki, otlp, sentry) under the same rules.
//
// It must not fingerprint, group or reach Elasticsearch (the processor
// does), and it answers from what JetStream said, never from what happens
// to an event after.
package ingest
