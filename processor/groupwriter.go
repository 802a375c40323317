package processor

import (
	"context"
	"fmt"
	"time"
)

// Group updates are the processor's second Elasticsearch write per batch, and
// each one rewrites every group the batch touched, sample event included.
// With several batches in flight most of them touch the same groups, so the
// batches that finish their events while an update is in flight are merged
// into the next update: one write per group instead of one per batch. A
// batch still acks only after the update that carries its counts returned.
//
// Reconciling goes through the writer too, after the updates it merged, so
// its group writes do not make this replica's updates conflict.

type groupRequest struct {
	// deltas are the batch's created events.
	deltas []Delta
	// duplicates are samples of the batch's duplicate events, per
	// fingerprint, and dupIDs their event ids: their groups are to be
	// reconciled.
	duplicates []Delta
	dupIDs     []string
	// deadline is the batch's: counts written after it could be counted
	// twice, since a recount takes events stored a batch timeout ago as
	// final.
	deadline time.Time
	done     chan groupResult
}

type groupResult struct {
	update, reconcile error
	// deferred holds the fingerprints whose duplicates are to come back at
	// the given time (see Store.Reconcile).
	deferred map[string]time.Time
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
		var dupIDs []string
		for _, r := range batch {
			if len(r.deltas) > 0 {
				updates = append(updates, r.deltas)
			}
			if len(r.duplicates) > 0 {
				dups = append(dups, r.duplicates)
				dupIDs = append(dupIDs, r.dupIDs...)
			}
		}
		// Bounded by the batches' own deadlines, which also keeps a hung node
		// from holding the writer (and every batch waiting on it) forever.
		deadline := time.Now().Add(p.cfg.BatchTimeout)
		for _, r := range batch {
			if !r.deadline.IsZero() && r.deadline.Before(deadline) {
				deadline = r.deadline
			}
		}
		uctx, cancel := context.WithDeadline(ctx, deadline)
		var res groupResult
		if len(updates) > 0 {
			candidates, err := p.store.UpdateGroups(uctx, mergeDeltas(updates))
			p.publishCandidates(uctx, candidates)
			res.update = err
		}
		if len(dups) > 0 {
			candidates, deferred, err := p.store.Reconcile(uctx, mergeDeltas(dups), dupIDs)
			p.publishCandidates(uctx, candidates)
			res.reconcile, res.deferred = err, deferred
		}
		cancel()
		for _, r := range batch {
			r.done <- res
		}
	}
}

// writeGroupsFor hands a batch's group work to the writer and waits for it.
func (p *Processor) writeGroupsFor(ctx context.Context, deltas, duplicates []Delta, dupIDs []string) groupResult {
	done := make(chan groupResult, 1)
	deadline, _ := ctx.Deadline()
	select {
	case p.groupReqs <- groupRequest{deltas: deltas, duplicates: duplicates, dupIDs: dupIDs, deadline: deadline, done: done}:
	case <-ctx.Done():
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
