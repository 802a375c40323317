package processor

import (
	"context"
	"fmt"
	"time"

	"github.com/faultline/faultline/internal/group"
)

// unsentRetry is how often the group writer publishes again the candidates
// JetStream did not acknowledge, between rounds.
const unsentRetry = time.Second

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
	// publish is set when JetStream did not acknowledge every alert
	// candidate of the round (alerts.go).
	publish error
	// deferred holds the fingerprints whose duplicates are to come back at
	// the given time (see Counter.Reconcile).
	deferred map[string]time.Time
}

// writeGroups serves group requests until reqs is closed, and meanwhile
// publishes the candidates JetStream did not acknowledge yet every
// unsentRetry. Run owns it.
func (p *Processor) writeGroups(ctx context.Context, reqs <-chan groupRequest) {
	retry := time.NewTicker(unsentRetry)
	defer retry.Stop()
	for {
		var first groupRequest
		select {
		case r, ok := <-reqs:
			if !ok {
				// Candidates still unsent stay with their events, which
				// were nacked: their redelivery publishes them (alerts.go).
				if n := len(p.unsent.list); n > 0 {
					p.log.Warn().Int("candidates", n).Msg("stopping with alert candidates unpublished; their events' redelivery publishes them")
				}
				return
			}
			first = r
		case <-retry.C:
			if len(p.unsent.list) > 0 {
				rctx, cancel := context.WithTimeout(ctx, unsentRetry)
				if err := p.publishCandidates(rctx, nil); err != nil {
					p.log.Warn().Err(err).Msg("alert candidates still not published; retrying")
				}
				cancel()
			}
			continue
		}
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
		var candidates []group.Candidate
		if len(updates) > 0 {
			cs, err := p.counter.UpdateGroups(uctx, mergeDeltas(updates))
			candidates = append(candidates, cs...)
			res.update = err
		}
		if len(dups) > 0 {
			cs, deferred, err := p.counter.Reconcile(uctx, mergeDeltas(dups), dupIDs)
			candidates = append(candidates, cs...)
			res.reconcile, res.deferred = err, deferred
		}
		res.publish = p.publishCandidates(uctx, candidates)
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
