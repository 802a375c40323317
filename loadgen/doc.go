// Package loadgen produces realistic logback JsonEncoder error events and
// sends them to ingest: many services, many distinct bugs with a long-tail
// frequency (a few bugs make most of the noise), real nested stack traces,
// and bursts.
//
// It is a client of ingest's public HTTP API only and must not import a
// service package, so what it measures is what an application sees.
package loadgen
