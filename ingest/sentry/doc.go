// Package sentry is the Sentry intake: it speaks the protocol of Sentry's
// SDKs (envelopes on /api/{project}/envelope/, bare events on the older
// /api/{project}/store/), maps their events onto the canonical event and
// hands them to ingest's sink, which limits, publishes and decides the
// answer. A DSN is http(s)://<faultline API key>@<faultline host>/<any
// project id>: the key is the DSN's public key and decides service.name.
// Items that are not error events (transactions, sessions, client
// reports, attachments, …) are skipped and counted, never refused.
package sentry
