package processor

import (
	"context"
	"fmt"
)

// A new grouping strategy must not silently regroup: an event whose
// fingerprint under an older strategy names a group that exists goes to
// that group, under that strategy, as Sentry's grouping transition does
// with its secondary hashes. Only events the strategies disagree on carry
// older fingerprints (grouping.Result.Previous), and whether a group exists
// for one is remembered: an older strategy makes no new groups, so the
// answer only changes when a group is deleted.

// olderGroupsCacheSize bounds the remembered answers; each is one
// fingerprint.
const olderGroupsCacheSize = 100_000

// keepOlderGroups moves the items whose older fingerprint names an existing
// group into it. An error (Elasticsearch unreachable) fails the batch:
// guessing could put a bug's events into a second group.
func (p *Processor) keepOlderGroups(ctx context.Context, items []pending) error {
	var ask []string
	for _, it := range items {
		for _, prev := range it.fp.Previous {
			if _, ok := p.older.Get(prev.Fingerprint); !ok {
				ask = append(ask, prev.Fingerprint)
			}
		}
	}
	if len(ask) > 0 {
		found, err := p.counter.groupsExist(ctx, ask)
		if err != nil {
			return fmt.Errorf("look up the groups of older grouping strategies: %w", err)
		}
		for _, fp := range ask {
			p.older.Add(fp, found[fp])
		}
	}
	for i := range items {
		for _, prev := range items[i].fp.Previous {
			if exists, _ := p.older.Get(prev.Fingerprint); exists {
				items[i].fp.Fingerprint, items[i].fp.Strategy, items[i].fp.Previous = prev.Fingerprint, prev.Strategy, nil
				break
			}
		}
	}
	return nil
}

// groupsExist tells which of the fingerprints have a group.
func (s *Counter) groupsExist(ctx context.Context, fps []string) (map[string]bool, error) {
	var mr struct {
		Docs []struct {
			ID    string `json:"_id"`
			Found bool   `json:"found"`
		} `json:"docs"`
	}
	if err := s.mgetGroups(ctx, fps, false, &mr); err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(mr.Docs))
	for _, d := range mr.Docs {
		out[d.ID] = out[d.ID] || d.Found
	}
	return out, nil
}
