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
