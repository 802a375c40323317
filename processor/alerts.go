package processor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/group"
)

// No alert is lost between a group update and the notifier.
//
// A batch's events are acked only after JetStream acknowledged the
// candidates their group update raised; when it did not, the batch's events
// are nacked. Their redelivery finds them stored (409), so they are not
// counted again, and that is also why the redelivery alone cannot raise the
// alert again: the update that said "regression" or "threshold" already
// happened, and a duplicate adds nothing to its group. So a candidate is not
// lost in two ways:
//
//   - The group writer keeps every candidate JetStream did not acknowledge
//     (the outbox) and publishes it again, with the next round and every
//     second meanwhile, until it is acknowledged.
//   - A process can stop with its outbox full. So the update that raises an
//     escalation (new, regression, threshold) records it on the group
//     (group.Tally.Raised), in the same write, and a redelivered duplicate,
//     which is what a nacked or never acked batch comes back as, publishes
//     its group's recorded escalation again while the alerts stream still
//     remembers its message id.
//
// Every candidate has a message id derived from what raised it, so
// publishing it again is harmless within the stream's DuplicatesWindow: an
// escalation is announced once, and a repeat counted once in its digest.

// raisedAgainWithin is how long after raising it an escalation is published
// again by a redelivery: the alerts stream drops a second copy for
// broker.DuplicatesWindow after the first, less a minute for the clock skew
// between processor hosts. Later, the copy could be announced twice.
const raisedAgainWithin = broker.DuplicatesWindow - time.Minute

// candidateID is the Nats-Msg-Id of a candidate. A group is new only once,
// whoever finds it (an update or a reconcile); other kinds are one per raise.
func candidateID(c group.Candidate) string {
	if c.Kind == group.KindNew {
		return "new-" + c.Group.Fingerprint
	}
	return string(c.Kind) + "-" + c.Group.Fingerprint + "-" + strconv.FormatInt(c.At.UnixNano(), 10)
}

// markRaised records an escalation on the group it is about. g's tally may
// be a cached group's: it is copied, never written into.
func markRaised(g *group.Group, c group.Candidate) {
	if c.Kind == group.KindRepeat {
		return
	}
	t := group.Tally{}
	if g.Tally != nil {
		t = *g.Tally
	}
	t.Raised = &group.Raised{Kind: c.Kind, Occurrences: c.Occurrences, At: c.At}
	g.Tally = &t
}

// raisedAgain returns the escalations recently recorded on the groups of
// fps, as candidates to publish again.
func (s *Store) raisedAgain(ctx context.Context, fps []string) ([]group.Candidate, error) {
	if len(fps) == 0 {
		return nil, nil
	}
	ds := make([]Delta, len(fps))
	for i, fp := range fps {
		ds[i] = Delta{Fingerprint: fp}
	}
	stored, err := s.getGroups(ctx, ds)
	if err != nil {
		return nil, fmt.Errorf("reconcile: read raised alerts: %w", err)
	}
	now := s.now()
	var out []group.Candidate
	for _, fp := range fps {
		sg, ok := stored[fp]
		if !ok || sg.Tally == nil || sg.Tally.Raised == nil {
			continue
		}
		r := sg.Tally.Raised
		if now.Sub(r.At) >= raisedAgainWithin {
			continue
		}
		g := sg.Group
		g.Tally = nil
		out = append(out, group.Candidate{Kind: r.Kind, Occurrences: r.Occurrences, Group: g, At: r.At})
	}
	return out, nil
}

// outbox holds the candidates JetStream has not acknowledged yet, in the
// order they were raised. Only the group writer uses it.
type outbox struct {
	list  []outgoing
	index map[string]int // by merge key
}

type outgoing struct {
	id, key string
	c       group.Candidate
}

// add queues a candidate. Repeats of one group merge, so an outage of
// JetStream holds one per group rather than one per batch; a candidate
// already queued under the same id is replaced by the newer state.
func (o *outbox) add(c group.Candidate) {
	id := candidateID(c)
	key := id
	if c.Kind == group.KindRepeat {
		key = "repeat\x00" + c.Group.Fingerprint
	}
	if o.index == nil {
		o.index = map[string]int{}
	}
	i, ok := o.index[key]
	if !ok {
		o.index[key] = len(o.list)
		o.list = append(o.list, outgoing{id: id, key: key, c: c})
		return
	}
	if c.Kind == group.KindRepeat {
		// The queued id stays: if an earlier publish of it did reach the
		// stream unacknowledged, the merged copy is dropped rather than
		// counting its occurrences twice.
		c.Occurrences += o.list[i].c.Occurrences
		o.list[i].c = c
		return
	}
	o.list[i].c = c
}

// remove drops the candidates acknowledged.
func (o *outbox) remove(done map[string]bool) {
	kept := o.list[:0]
	clear(o.index)
	for _, it := range o.list {
		if done[it.key] {
			continue
		}
		o.index[it.key] = len(kept)
		kept = append(kept, it)
	}
	clear(o.list[len(kept):])
	o.list = kept
}

// publishCandidates queues cs behind the candidates still unacknowledged and
// publishes them all, awaited together: one round trip per round. It
// returns an error unless JetStream acknowledged every one of them.
func (p *Processor) publishCandidates(ctx context.Context, cs []group.Candidate) error {
	for _, c := range cs {
		p.unsent.add(c)
	}
	if len(p.unsent.list) == 0 {
		return nil
	}
	type future struct {
		key string
		f   jetstream.PubAckFuture
	}
	futures := make([]future, 0, len(p.unsent.list))
	var errs []error
	for _, it := range p.unsent.list {
		data, err := json.Marshal(it.c)
		if err != nil {
			// A group.Candidate always encodes; kept for the error's sake.
			errs = append(errs, fmt.Errorf("encode alert candidate %s: %w", it.id, err))
			continue
		}
		f, err := p.js.PublishAsync(broker.AlertsSubject, data, jetstream.WithMsgID(it.id))
		if err != nil {
			errs = append(errs, fmt.Errorf("publish alert candidate %s: %w", it.id, err))
			continue
		}
		futures = append(futures, future{it.key, f})
	}
	done := make(map[string]bool, len(futures))
wait:
	for _, f := range futures {
		select {
		case <-f.f.Ok():
			done[f.key] = true
		case err := <-f.f.Err():
			errs = append(errs, err)
		case <-ctx.Done():
			errs = append(errs, ctx.Err())
			break wait
		}
	}
	p.unsent.remove(done)
	if n := len(p.unsent.list); n > 0 {
		return fmt.Errorf("%d alert candidates not acknowledged by JetStream: %w", n, errors.Join(errs...))
	}
	return nil
}
