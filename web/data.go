package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/elastic/go-elasticsearch/v8"

	"github.com/faultline/faultline/groupadmin"
	"github.com/faultline/faultline/internal/elastic"
	"github.com/faultline/faultline/internal/group"
	"github.com/faultline/faultline/processor"
)

// EventsIndex is every events data stream faultline writes.
const EventsIndex = "logs-faultline-*"

// Data reads what the pages show from Elasticsearch: the groups index and
// the events data stream. It never writes; changes go through groupadmin.
// Every page's reads are methods of it, so one client and one place know
// the indices.
type Data struct {
	ES *elasticsearch.Client
	// Groups is the group store, read through groupadmin for the keys'
	// service scopes.
	Groups *processor.Groups
	// Indices, when set, are read instead of the live ones.
	Indices Indices
}

// NewData wraps a client.
func NewData(es *elasticsearch.Client) *Data {
	return &Data{ES: es, Groups: processor.NewGroups(es)}
}

// search runs one query against index and decodes the answer into out.
func (d *Data) search(ctx context.Context, index string, q map[string]any, out any) error {
	body, err := json.Marshal(q)
	if err != nil {
		return fmt.Errorf("encode query: %w", err)
	}
	res, err := d.ES.Search(d.ES.Search.WithIndex(index), d.ES.Search.WithBody(bytes.NewReader(body)),
		d.ES.Search.WithContext(ctx), d.ES.Search.WithIgnoreUnavailable(true), d.ES.Search.WithAllowNoIndices(true))
	if err != nil {
		return fmt.Errorf("search %s: %w", index, err)
	}
	defer res.Body.Close()
	if res.IsError() {
		return fmt.Errorf("search %s: %w", index, elastic.Check(res, nil))
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		return fmt.Errorf("search %s: decode: %w", index, err)
	}
	return nil
}

// scopeFilter is the query clause that keeps a scoped key to its
// services, as the group API's list does; ok is false when the scope can
// match no service.
func scopeFilter(scope []string) (clause map[string]any, ok bool) {
	if len(scope) == 0 {
		return nil, true
	}
	var should []any
	for _, glob := range scope {
		if re, ok := processor.GlobRegexp(glob); ok {
			should = append(should, map[string]any{"regexp": map[string]any{"service.name": map[string]any{"value": re, "flags": "NONE"}}})
		}
	}
	if len(should) == 0 {
		return nil, false
	}
	return map[string]any{"bool": map[string]any{"should": should, "minimum_should_match": 1}}, true
}

func isNotFound(err error) bool { return errors.Is(err, group.ErrNotFound) }

// badInput is a request that can never succeed as it is (400).
func badInput(msg string) error { return groupadmin.Invalid(msg) }
