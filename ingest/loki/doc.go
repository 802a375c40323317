// Package loki is the Loki push API intake: POST /loki/api/v1/push in
// Loki's JSON and protobuf+snappy encodings, as loki4j, Promtail, Grafana
// Alloy and Vector's loki sink send it. Each line becomes a canonical event
// (a JSON line through ingest's format detection, a text line through
// ingest.ParseText), stream labels and structured metadata its labels,
// and the events go through ingest's sink; the answers are Loki's.
package loki
