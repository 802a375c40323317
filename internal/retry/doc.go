// Package retry owns how a faultline service waits for a dependency (NATS,
// Elasticsearch) that is unreachable at start-up: its setup is tried at once
// and then with exponential backoff until it succeeds, every failure is
// logged with the dependency's redacted URL and the time of the next try,
// and meanwhile the dependency says why it is not ready, for /readyz and for
// the 503 answers of the routes that need it. The service listens from the
// start and becomes ready by itself when the dependency comes up.
//
// It must not know which dependency it waits for beyond its name and URL.
package retry
