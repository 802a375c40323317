// Package notifier turns alert candidates into chat messages: it routes each
// group to channels, keeps repeats quiet for a cooldown, and remembers what it
// sent in NATS KV so a restart or a second replica sends nothing twice. It
// folds storms and late backlogs into summaries (kept as storm records the
// web UI reads through Storms) and reads each group's state at send time
// through Groups.
//
// One file per channel (discord.go, slack.go, webhook.go, sentry.go,
// console.go) behind the Notifier interface, each an entry of integrations
// (integrations.go) with its rate limit; decide.go says what to send,
// claims.go owns the KV record of what was sent, format.go the text every
// channel shares. It must not write to Elasticsearch, nor decide grouping:
// a candidate arrives with its group already made.
package notifier
