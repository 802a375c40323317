// Package grouping decides which events are the same problem: it owns the
// fingerprint strategies and their versions, the per-platform normalisation
// of frames and messages, and the decision whether a frame is the app's own
// code. It is pure computation on an event: no Elasticsearch, NATS or HTTP;
// the processor calls it and stores what it returns.
package grouping
