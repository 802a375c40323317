// Command faultline runs the faultline services: ingest, processor and
// notifier on their own, or all three in one process with an embedded NATS,
// plus the operator commands (setup, groups, dlq, backup, restore,
// healthcheck, loadgen).
//
// It only parses flags and wires: each component reads its own part of the
// configuration (ingest.ConfigFrom, processor.ConfigFrom, broker.LimitsFrom),
// and every decision lives in the package that owns it (ARCHITECTURE.md).
// Logic added here cannot be reached by the other commands or by tests of
// the packages, so it belongs in a package instead.
package main
