package web

import "github.com/faultline/faultline/internal/elastic"

// Indices names where the pages read groups and events. The zero value is
// the live groups index and every events data stream; the benchmark sets
// its own data set's.
type Indices struct {
	Groups string
	Events string
}

func (d *Data) groupsIndex() string {
	if d.Indices.Groups != "" {
		return d.Indices.Groups
	}
	return elastic.GroupsIndex
}

func (d *Data) eventsIndex() string {
	if d.Indices.Events != "" {
		return d.Indices.Events
	}
	return EventsIndex
}
