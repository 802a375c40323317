// Package elastic creates the Elasticsearch client (URLs, credentials,
// trust) and installs what faultline keeps there: the index templates, the
// events data stream, the groups index, the snapshot repository and its SLM
// policy, and it takes, prunes and restores snapshots. It owns the index
// names.
//
// It must not query events or groups: those questions are the processor's
// (EventWriter, Counter, Groups), so one package knows what a document means.
package elastic
