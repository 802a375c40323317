// Package processor consumes accepted events from JetStream, has the grouping
// package fingerprint them, writes events and groups to Elasticsearch, and
// publishes alert candidates. A message is acked only after Elasticsearch
// confirmed its write, and after the candidates it raised were published.
//
// It must not hold grouping rules (they are grouping's, versioned there) nor
// talk to chat: what to announce is the notifier's decision.
package processor
