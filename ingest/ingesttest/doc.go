// Package ingesttest runs a real ingest server for the protocol packages'
// tests: embedded JetStream, the operator routes, and whichever intakes the
// test wires, as cmd/faultline wires them. It is test support only: no
// production code imports it, and it must not fake NATS or the sink.
package ingesttest
