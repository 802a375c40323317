package processor

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Group updates are the processor's second Elasticsearch write per batch, and
// each one rewrites every group the batch touched, sample event included.
// With several batches in flight most of them touch the same groups, so the
// batches that finish their events while an update is in flight are merged
// into the next update: one write per group instead of one per batch. A
// batch still acks only after the update that carries its counts returned.
//
// Reconciling goes through the writer too, after the updates it merged: a
// group is then never raised while this replica's update of it is under way.

type groupRequest struct {
	// deltas are the batch's created events, counted in p.inflight until
	// the writer's update for them returned.
	deltas []Delta
	// duplicates are samples of the batch's duplicate events, per
	// fingerprint, whose groups are to be reconciled.
	duplicates []Delta
	done       chan groupResult
}

type groupResult struct {
	update, reconcile error
}

// writeGroups serves group requests until reqs is closed. Run owns it.
func (p *Processor) writeGroups(ctx context.Context, reqs <-chan groupRequest) {
	for first := range reqs {
		batch := []groupRequest{first}
	more:
		for {
			select {
			case r, ok := <-reqs:
				if !ok {
					break more
				}
				batch = append(batch, r)
			default:
				break more
			}
		}
		var updates, dups [][]Delta
		for _, r := range batch {
			if len(r.deltas) > 0 {
				updates = append(updates, r.deltas)
			}
			if len(r.duplicates) > 0 {
				dups = append(dups, r.duplicates)
			}
		}
		// Bounded like a worker's batch, so a hung node cannot hold the
		// writer (and every batch waiting on it) forever.
		uctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		var res groupResult
		if len(updates) > 0 {
			candidates, err := p.store.UpdateGroups(uctx, mergeDeltas(updates))
			p.publishCandidates(uctx, candidates)
			res.update = err
		}
		// Failed or not, these counts are no longer on their way: a failed
		// update is repaired by Reconcile, which must then count them.
		for _, r := range batch {
			p.inflight.done(r.deltas)
		}
		if len(dups) > 0 {
			candidates, err := p.store.Reconcile(uctx, mergeDeltas(dups), p.inflight.get)
			p.publishCandidates(uctx, candidates)
			res.reconcile = err
		}
		cancel()
		for _, r := range batch {
			r.done <- res
		}
	}
}

// writeGroupsFor hands a batch's group work to the writer and waits for it.
func (p *Processor) writeGroupsFor(ctx context.Context, deltas, duplicates []Delta) groupResult {
	done := make(chan groupResult, 1)
	select {
	case p.groupReqs <- groupRequest{deltas: deltas, duplicates: duplicates, done: done}:
	case <-ctx.Done():
		// The writer never saw these counts, so it will not settle them.
		p.inflight.done(deltas)
		err := fmt.Errorf("group writer busy: %w", ctx.Err())
		return groupResult{update: err, reconcile: err}
	}
	select {
	case res := <-done:
		return res
	case <-ctx.Done():
		err := fmt.Errorf("waiting for the group writer: %w", ctx.Err())
		return groupResult{update: err, reconcile: err}
	}
}

// mergeDeltas sums the deltas of several batches per fingerprint, in the
// order the fingerprints first appear.
func mergeDeltas(lists [][]Delta) []Delta {
	if len(lists) == 1 {
		return lists[0]
	}
	var set deltaSet
	for _, list := range lists {
		for _, d := range list {
			set.add(d)
		}
	}
	return set.list
}

// inflight counts, per fingerprint, this replica's events from just before
// their write until the group update carrying their +1 returned: stored
// events that their group may not count yet, but will.
type inflight struct {
	mu sync.Mutex
	n  map[string]int
}

func (f *inflight) add(fp string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == nil {
		f.n = map[string]int{}
	}
	if f.n[fp] += n; f.n[fp] <= 0 {
		delete(f.n, fp)
	}
}

func (f *inflight) done(deltas []Delta) {
	for _, d := range deltas {
		f.add(d.Fingerprint, -d.Count)
	}
}

func (f *inflight) get(fp string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n[fp]
}
