// Package groupadmin lists error groups and mutes, resolves and unmutes
// them, for the notifier's group API and the `faultline groups` command
// alike: it checks the caller's role and service scope, records who changed
// a group's status on the group document, and tells the notifiers of a mute
// so it holds for alerts already on their way. The CLI reaches it directly
// (Elasticsearch and NATS) or through the group API (Client).
package groupadmin
