// Package schemas embeds the Elasticsearch index templates (and, later, the
// input JSON Schemas and Kibana objects) so the binary installs exactly what
// the repository reviews.
package schemas

import _ "embed"

// EventsTemplate is the composable template of the events data stream.
//
//go:embed events-template.json
var EventsTemplate []byte

// GroupsTemplate is the template of the groups index.
//
//go:embed groups-template.json
var GroupsTemplate []byte
