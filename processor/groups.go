package processor

import (
	"context"
	"fmt"
	"time"

	"github.com/faultline/faultline/internal/elastic"
	"github.com/faultline/faultline/internal/group"
)

// SetStatus marks a group open, resolved or muted (until a time, or for good
// when until is nil). It uses the same optimistic concurrency as the
// processor's updates, so a status change never erases counts.
func (s *Store) SetStatus(ctx context.Context, fingerprint, status string, until *time.Time) (group.Group, error) {
	switch status {
	case group.StatusOpen, group.StatusResolved, group.StatusMuted:
	default:
		return group.Group{}, fmt.Errorf("status %q: want open, resolved or muted", status)
	}
	var g group.Group
	found, err := s.modifyGroup(ctx, fingerprint, func(stored *group.Group) (bool, error) {
		stored.Status, stored.MutedUntil, stored.ResolvedAt = status, nil, nil
		switch status {
		case group.StatusMuted:
			stored.MutedUntil = until
		case group.StatusResolved:
			now := time.Now().UTC()
			stored.ResolvedAt = &now
		}
		g = *stored
		return true, nil
	})
	if err != nil {
		return group.Group{}, fmt.Errorf("set status of %s: %w", fingerprint, err)
	}
	if !found {
		return group.Group{}, fmt.Errorf("no group with fingerprint %q", fingerprint)
	}
	// Whoever set it lists the groups next and expects to see it.
	if err := elastic.Check(s.es.Indices.Refresh(s.es.Indices.Refresh.WithIndex(elastic.GroupsIndex), s.es.Indices.Refresh.WithContext(ctx))); err != nil {
		return group.Group{}, fmt.Errorf("set status of %s: refresh: %w", fingerprint, err)
	}
	// The bookkeeping is the processor's, not the caller's.
	g.Tally = nil
	return g, nil
}

// ListGroups returns groups, most recently seen first, of one service or all.
func (s *Store) ListGroups(ctx context.Context, service string, limit int) ([]group.Group, error) {
	q := map[string]any{"size": limit, "sort": []any{map[string]any{"last_seen": "desc"}}}
	if service != "" {
		q["query"] = map[string]any{"term": map[string]any{"service.name": service}}
	}
	var sr struct {
		Hits struct {
			Hits []struct {
				Source group.Group `json:"_source"`
			} `json:"hits"`
		} `json:"hits"`
	}
	if err := s.search(ctx, elastic.GroupsIndex, q, &sr); err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	out := make([]group.Group, len(sr.Hits.Hits))
	for i, h := range sr.Hits.Hits {
		out[i] = h.Source
		out[i].Tally = nil
	}
	return out, nil
}
