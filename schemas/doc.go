// Package schemas embeds the Elasticsearch index templates and Kibana's
// saved objects, so the binary installs exactly what the repository
// reviews. It owns the mappings.
//
// It must not talk to a server: internal/elastic and internal/kibana
// install what it holds.
package schemas
