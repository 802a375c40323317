// Package event holds the canonical event that ingest produces and the
// processor and notifier consume. Field names follow ECS so that the JSON
// written to Elasticsearch is what Kibana's logs-* views expect. It owns the
// event's shape, its encoding on the stream and the parsing of stack traces
// per runtime.
//
// It must not depend on any service package: all three import it.
package event
