// Package cli holds what every faultline command shares with its users'
// expectations of a Unix tool: data on stdout and diagnostics on stderr,
// -h/--help that prints the command's own flags and succeeds, flags before
// or after an action and its arguments, durations in days, lists with a
// header row or as JSON, and the build's version. It owns no command: the
// packages that own a resource (groupadmin, dlqadmin) define theirs with it,
// and cmd/faultline wires them. It must not reach NATS, Elasticsearch or the
// network.
package cli
