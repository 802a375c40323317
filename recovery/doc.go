// Package recovery brings faultline's data back after Elasticsearch was
// lost: it restores a snapshot, then replays from JetStream what was
// accepted since the snapshot began, so nothing within the stream's
// retention is lost. It owns the order of those steps and the report;
// the snapshot calls are in internal/elastic, the writes the processor's.
//
// It must not write events itself: a replayed event goes through the
// processor, so it is grouped and counted as it was the first time.
package recovery
