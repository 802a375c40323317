// Package harness runs the real pipeline as separate processes (a NATS
// server or cluster, ingest, processors, notifiers; the local Elasticsearch
// node) for the fault-injection tests and the end-to-end benchmarks, so
// that a process can be killed and started again.
//
// It owns only what multi-process pipelines need: building the binaries,
// the processes, the NATS cluster, the pipeline's webhook channel read as
// faultline's payloads. Everything a test of one package needs (embedded
// NATS, the Elasticsearch node and its queries, chat inboxes, Eventually)
// is internal/testenv's, the one test kit; do not add a copy here.
package harness
