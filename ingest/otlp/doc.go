// Package otlp accepts OpenTelemetry logs over OTLP/HTTP (protobuf and OTLP
// JSON on POST /v1/logs), maps each log record to the canonical event and
// hands the events to ingest's sink, answering as the OTLP spec asks:
// ExportLogsServiceResponse with partial_success for refused records, and
// google.rpc.Status bodies on errors, both in the request's encoding.
//
// It owns the mapping from OTLP's data model and OTLP's answers; it must
// not publish, limit or give ids itself: ingest's sink does that for every
// protocol alike.
package otlp
