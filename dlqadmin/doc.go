// Package dlqadmin lists and replays dead letters for the API on the
// notifier's address and the `faultline dlq` command alike: it checks the
// caller's role and service scope against the service of each stored event,
// and logs every replay with the key's name. The CLI reaches the dead-letter
// stream directly (NATS) or through the API (Client); the stream itself is
// read and written by processor's ScanDLQ, GetDLQ and ReplayDLQ.
package dlqadmin
