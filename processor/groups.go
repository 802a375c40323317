package processor

import (
	"context"
	"fmt"
	"strings"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/typedapi/core/search"
	"github.com/elastic/go-elasticsearch/v8/typedapi/types"
	"github.com/elastic/go-elasticsearch/v8/typedapi/types/enums/sortorder"

	"github.com/faultline/faultline/internal/elastic"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/group"
)

// Groups reads group documents and their events, and changes a group's
// status, for the group API, the pages, the notifier and the CLI. It never
// counts: that is the processor's Counter.
type Groups struct {
	*store
}

// NewGroups wraps a client.
func NewGroups(es *elasticsearch.Client) *Groups {
	return &Groups{newStore(es, nil)}
}

// SetStatus applies a mute, resolve or unmute to a group and records it on
// the group (status_changes). allow, when not nil, sees the stored group
// first and refuses the change with an error (a key scoped to other
// services). It uses the same optimistic concurrency as the processor's
// updates, so a status change never erases counts. A missing group is
// group.ErrNotFound.
func (s *Groups) SetStatus(ctx context.Context, fingerprint string, change group.StatusChange, allow func(group.Group) error) (group.Group, error) {
	var status string
	switch change.Action {
	case "mute":
		status = group.StatusMuted
	case "resolve":
		status = group.StatusResolved
	case "unmute":
		status = group.StatusOpen
	default:
		return group.Group{}, fmt.Errorf("action %q: want mute, resolve or unmute", change.Action)
	}
	var g group.Group
	apply := func(stored *group.Group) (bool, error) {
		if allow != nil {
			if err := allow(*stored); err != nil {
				return false, err
			}
		}
		stored.Status, stored.MutedUntil, stored.ResolvedAt = status, nil, nil
		switch status {
		case group.StatusMuted:
			stored.MutedUntil = change.Until
		case group.StatusResolved:
			at := change.At
			stored.ResolvedAt = &at
		}
		stored.StatusChanges = append(stored.StatusChanges, change)
		if n := len(stored.StatusChanges); n > group.MaxStatusChanges {
			stored.StatusChanges = stored.StatusChanges[n-group.MaxStatusChanges:]
		}
		g = *stored
		return true, nil
	}
	found, err := s.modifyGroup(ctx, fingerprint, apply)
	if err != nil && strings.Contains(err.Error(), "strict_dynamic_mapping_exception") {
		// An index older than status_changes (restored from a snapshot, or
		// no processor of this version started yet): update its mapping once.
		if merr := elastic.UpdateGroupsMapping(ctx, s.es); merr != nil {
			return group.Group{}, fmt.Errorf("%s group %s: %w (and updating the mapping: %w)", change.Action, fingerprint, err, merr)
		}
		found, err = s.modifyGroup(ctx, fingerprint, apply)
	}
	if err != nil {
		return group.Group{}, fmt.Errorf("%s group %s: %w", change.Action, fingerprint, err)
	}
	if !found {
		return group.Group{}, fmt.Errorf("%s: %w with fingerprint %q", change.Action, group.ErrNotFound, fingerprint)
	}
	// Whoever set it lists the groups next and expects to see it.
	if err := elastic.Check(s.es.Indices.Refresh(s.es.Indices.Refresh.WithIndex(elastic.GroupsIndex), s.es.Indices.Refresh.WithContext(ctx))); err != nil {
		return group.Group{}, fmt.Errorf("%s group %s: refresh: %w", change.Action, fingerprint, err)
	}
	// The bookkeeping is the processor's, not the caller's.
	g.Tally = nil
	return g, nil
}

// Group returns the group of a fingerprint, or group.ErrNotFound.
func (s *Groups) Group(ctx context.Context, fingerprint string) (group.Group, error) {
	stored, err := s.getGroups(ctx, []Delta{{Fingerprint: fingerprint}})
	if err != nil {
		return group.Group{}, err
	}
	sg, ok := stored[fingerprint]
	if !ok {
		return group.Group{}, fmt.Errorf("%w with fingerprint %q", group.ErrNotFound, fingerprint)
	}
	g := sg.Group
	g.Tally = nil
	return g, nil
}

// Events returns the latest limit events of a group, newest first.
func (s *Groups) Events(ctx context.Context, fingerprint string, limit int) ([]event.Event, error) {
	req := &search.Request{
		Size:  new(limit),
		Sort:  []types.SortCombinations{sortBy("@timestamp", sortorder.Desc)},
		Query: new(term("faultline.fingerprint", fingerprint)),
	}
	var sr struct {
		Hits struct {
			Hits []struct {
				Source event.Event `json:"_source"`
			} `json:"hits"`
		} `json:"hits"`
	}
	if err := s.search(ctx, elastic.EventsDataStream, req, &sr); err != nil {
		return nil, fmt.Errorf("events of group %s: %w", fingerprint, err)
	}
	out := make([]event.Event, len(sr.Hits.Hits))
	for i, h := range sr.Hits.Hits {
		out[i] = h.Source
	}
	return out, nil
}

// ListGroups returns groups, most recently seen first, of one service (or
// all; a glob as path.Match reads it) within the scope (service globs as path.Match reads them; empty is
// every service). The scope is part of the query, so limit counts only
// groups in it.
func (s *Groups) ListGroups(ctx context.Context, service string, scope []string, limit int) ([]group.Group, error) {
	req := &search.Request{Size: new(limit), Sort: []types.SortCombinations{sortBy("last_seen", sortorder.Desc)}}
	services := func(re string) types.Query {
		return types.Query{Regexp: map[string]types.RegexpQuery{"service.name": {Value: re, Flags: new("NONE")}}}
	}
	var filter []types.Query
	if service != "" {
		// The same globs as routes and key scopes; a plain name stays a term.
		if !strings.ContainsAny(service, `*?[\`) {
			filter = append(filter, term("service.name", service))
		} else if re, ok := GlobRegexp(service); ok {
			filter = append(filter, services(re))
		} else {
			return nil, nil
		}
	}
	if len(scope) > 0 {
		var should []types.Query
		for _, glob := range scope {
			if re, ok := GlobRegexp(glob); ok {
				should = append(should, services(re))
			}
		}
		if len(should) == 0 {
			return nil, nil
		}
		filter = append(filter, types.Query{Bool: &types.BoolQuery{Should: should, MinimumShouldMatch: 1}})
	}
	if len(filter) > 0 {
		req.Query = &types.Query{Bool: &types.BoolQuery{Filter: filter}}
	}
	var sr struct {
		Hits struct {
			Hits []struct {
				Source group.Group `json:"_source"`
			} `json:"hits"`
		} `json:"hits"`
	}
	if err := s.search(ctx, elastic.GroupsIndex, req, &sr); err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	out := make([]group.Group, len(sr.Hits.Hits))
	for i, h := range sr.Hits.Hits {
		out[i] = h.Source
		out[i].Tally = nil
	}
	return out, nil
}

// GlobRegexp turns a path.Match glob into the Lucene regular expression
// (flags NONE) that matches the same names: * and ? stop at '/', classes
// keep their ranges and negation, every other character is literal. ok is
// false for a glob that can match nothing (a class of reversed ranges
// only), which Lucene would refuse. A malformed glob (config validation
// refuses those) is taken literally where it breaks.
func GlobRegexp(glob string) (re string, ok bool) {
	var b strings.Builder
	lit := func(r rune) {
		if r < 0x80 && !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	rs := []rune(glob)
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; r {
		case '*':
			b.WriteString("[^/]*")
		case '?':
			b.WriteString("[^/]")
		case '\\':
			if i+1 < len(rs) {
				i++
			}
			lit(rs[i])
		case '[':
			end := classEnd(rs, i)
			if end < 0 {
				lit(r)
				continue
			}
			j := i + 1
			negated := rs[j] == '^'
			if negated {
				j++
			}
			// Items are c or lo-hi, each end possibly escaped; a reversed
			// range matches nothing, as in path.Match.
			char := func() rune {
				if rs[j] == '\\' {
					j++
				}
				c := rs[j]
				j++
				return c
			}
			var items [][2]rune
			for j < end {
				lo := char()
				hi := lo
				if j < end && rs[j] == '-' {
					j++
					hi = char()
				}
				if lo <= hi {
					items = append(items, [2]rune{lo, hi})
				}
			}
			switch {
			case len(items) == 0 && negated:
				b.WriteByte('.')
			case len(items) == 0:
				return "", false
			default:
				b.WriteByte('[')
				if negated {
					b.WriteByte('^')
				}
				for _, it := range items {
					lit(it[0])
					if it[1] != it[0] {
						b.WriteByte('-')
						lit(it[1])
					}
				}
				b.WriteByte(']')
			}
			i = end
		default:
			lit(r)
		}
	}
	return b.String(), true
}

// classEnd is the index of the ']' closing the class opened at rs[open], or
// -1 when it is malformed.
func classEnd(rs []rune, open int) int {
	j := open + 1
	if j < len(rs) && rs[j] == '^' {
		j++
	}
	first := true
	for ; j < len(rs); j++ {
		switch rs[j] {
		case ']':
			if !first {
				return j
			}
			return -1
		case '\\':
			j++
		}
		first = false
	}
	return -1
}
