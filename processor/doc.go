// Package processor consumes accepted events from JetStream, has the grouping
// package fingerprint them, writes events and groups to Elasticsearch, and
// publishes alert candidates. A message is acked only after Elasticsearch
// confirmed its write, and after the candidates it raised were published.
//
// It must not hold grouping rules (they are grouping's, versioned there) nor
// talk to chat: what to announce is the notifier's decision.
//
// Elasticsearch is reached through three types sharing one client, clock,
// metrics and group cache: EventWriter writes events (eventwriter.go),
// Counter keeps the group documents the processor writes and their exact
// counts (counter.go, tally.go, alerts.go), and Groups reads groups and
// changes their status for everyone else (groups.go).
//
// # Exact counts
//
// A group's count should be the number of its events in the data stream. It
// is kept by adding each batch's created events, which is cheap, but a
// processor can stop between writing events and counting them. Their
// redelivery then finds them stored (409). Whether the first delivery counted
// them, or another replica stored them and is about to count them, nothing in
// that moment tells.
//
// Time does. Every event carries faultline.stored_at, set by its processor
// just before the write, and a batch counts its events within its context
// (Config.BatchTimeout) or never. So once TallyConfig.Settle has passed since
// an event was stored, its count is final: added, or never to be. Each group
// keeps its counts per bucket of stored_at (group.Tally), and a recount
// replaces the buckets before the horizon (now less Settle, rounded down to a
// bucket) with the number of the group's events stored in them, read from the
// data stream. That number is right whatever crashed and whoever is still
// writing. An update for a bucket a recount already passed adds nothing: its
// events were in that number. Elasticsearch can apply a bulk long after its
// client gave up, so an event can become searchable after a recount passed
// its bucket; every recount counts the buckets of the last TallyConfig.Late
// again (group.Tally's Window and Settled), and the redelivery of such an
// event, finding it stored, causes one.
//
// A redelivered duplicate makes its group due for a recount once the
// duplicate is settled. The processor recounts due groups (auditDue), and also every
// TallyConfig.Recount while a group keeps receiving events, which bounds its
// buckets.
package processor
