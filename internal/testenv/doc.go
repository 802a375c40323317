// Package testenv is faultline's one test kit, used by every package's
// tests, by chaos/ and by bench/: the real components a test runs against
// (an embedded NATS JetStream server, the local Elasticsearch node or a
// private one, a headless Chromium, throwaway certificates, a TCP proxy
// that can cut a dependency off) and what a test reads them with (an Inbox
// standing for a chat provider, with scripted answers; Elasticsearch count,
// search and refresh helpers; Eventually; a log Buffer).
//
// It must not fake a component: an Inbox is a real HTTP server that a
// channel really posts to. Running faultline itself as separate processes
// belongs to internal/harness, which builds on this package.
package testenv
