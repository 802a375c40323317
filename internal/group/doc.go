// Package group holds the error group document and the alert candidate that
// the processor publishes and the notifier consumes, so the two agree on one
// shape without the notifier ever querying Elasticsearch. It owns the shapes
// and the status vocabulary (open, muted, resolved).
//
// It must not decide anything: fingerprints are the grouping package's,
// counts and status changes the processor's, what to send the notifier's.
package group
