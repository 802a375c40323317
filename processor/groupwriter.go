package processor

import (
	"context"
	"time"
)

// Group updates are the processor's second Elasticsearch write per batch, and
// each one rewrites every group the batch touched, sample event included.
// With several batches in flight most of them touch the same groups, so the
// batches that finish their events while an update is in flight are merged
// into the next update: one write per group instead of one per batch. A
// batch still acks only after the update that carries its counts returned.

type groupRequest struct {
	deltas []Delta
	done   chan error
}

// writeGroups serves group updates until reqs is closed. Run owns it.
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
		var all [][]Delta
		for _, r := range batch {
			all = append(all, r.deltas)
		}
		// Bounded like a worker's batch, so a hung node cannot hold the
		// writer (and every batch waiting on it) forever.
		uctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		candidates, err := p.store.UpdateGroups(uctx, mergeDeltas(all))
		p.publishCandidates(uctx, candidates)
		cancel()
		for _, r := range batch {
			r.done <- err
		}
	}
}

// updateGroups adds deltas to their groups and returns when they are
// written, through the writer when Run started one.
func (p *Processor) updateGroups(ctx context.Context, deltas []Delta) error {
	if p.groupReqs == nil {
		candidates, err := p.store.UpdateGroups(ctx, deltas)
		p.publishCandidates(ctx, candidates)
		return err
	}
	done := make(chan error, 1)
	p.groupReqs <- groupRequest{deltas: deltas, done: done}
	return <-done
}

// mergeDeltas sums the deltas of several batches per fingerprint, in the
// order the fingerprints first appear.
func mergeDeltas(lists [][]Delta) []Delta {
	if len(lists) == 1 {
		return lists[0]
	}
	index := map[string]int{}
	var out []Delta
	for _, list := range lists {
		for _, d := range list {
			i, ok := index[d.Fingerprint]
			if !ok {
				index[d.Fingerprint] = len(out)
				out = append(out, d)
				continue
			}
			m := &out[i]
			m.Count += d.Count
			if d.First.Before(m.First) {
				m.First = d.First
			}
			if d.Last.After(m.Last) {
				m.Last = d.Last
				m.Sample = d.Sample // the newest event is the better sample
			}
		}
	}
	return out
}
