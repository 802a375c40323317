package processor

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
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
	for attempt := 0; attempt < 10; attempt++ {
		stored, err := s.getGroups(ctx, []Delta{{Fingerprint: fingerprint}})
		if err != nil {
			return group.Group{}, err
		}
		sg, ok := stored[fingerprint]
		if !ok {
			return group.Group{}, fmt.Errorf("no group with fingerprint %q", fingerprint)
		}
		g := sg.Group
		g.Status, g.MutedUntil, g.ResolvedAt = status, nil, nil
		switch status {
		case group.StatusMuted:
			g.MutedUntil = until
		case group.StatusResolved:
			now := time.Now().UTC()
			g.ResolvedAt = &now
		}
		body, err := json.Marshal(g)
		if err != nil {
			return group.Group{}, fmt.Errorf("encode group: %w", err)
		}
		res, err := s.es.Index(elastic.GroupsIndex, bytes.NewReader(body),
			s.es.Index.WithDocumentID(fingerprint),
			s.es.Index.WithIfSeqNo(int(sg.seqNo)),
			s.es.Index.WithIfPrimaryTerm(int(sg.primaryTerm)),
			s.es.Index.WithRefresh("true"),
			s.es.Index.WithContext(ctx))
		if err == nil && res.StatusCode == http.StatusConflict {
			res.Body.Close()
			continue
		}
		if err := elastic.Check(res, err); err != nil {
			return group.Group{}, fmt.Errorf("set status of %s: %w", fingerprint, err)
		}
		// The bookkeeping is the processor's, not the caller's.
		g.Tally = nil
		return g, nil
	}
	return group.Group{}, fmt.Errorf("set status of %s: still conflicting after 10 attempts", fingerprint)
}

// ListGroups returns groups, most recently seen first, of one service or all.
func (s *Store) ListGroups(ctx context.Context, service string, limit int) ([]group.Group, error) {
	q := map[string]any{"size": limit, "sort": []any{map[string]any{"last_seen": "desc"}}}
	if service != "" {
		q["query"] = map[string]any{"term": map[string]any{"service.name": service}}
	}
	body, err := json.Marshal(q)
	if err != nil {
		return nil, fmt.Errorf("encode query: %w", err)
	}
	res, err := s.es.Search(s.es.Search.WithIndex(elastic.GroupsIndex), s.es.Search.WithBody(bytes.NewReader(body)), s.es.Search.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	defer res.Body.Close()
	if res.IsError() {
		return nil, fmt.Errorf("list groups: %w", elastic.Check(res, nil))
	}
	var sr struct {
		Hits struct {
			Hits []struct {
				Source group.Group `json:"_source"`
			} `json:"hits"`
		} `json:"hits"`
	}
	if err := json.NewDecoder(res.Body).Decode(&sr); err != nil {
		return nil, fmt.Errorf("list groups: decode: %w", err)
	}
	out := make([]group.Group, len(sr.Hits.Hits))
	for i, h := range sr.Hits.Hits {
		out[i] = h.Source
		out[i].Tally = nil
	}
	return out, nil
}
