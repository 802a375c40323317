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
	"github.com/faultline/faultline/internal/event"
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
//   - The update itself can fail after the events were written. A missing
//     group is then created, and announced, by Reconcile; a resolved group
//     whose duplicates were stored after it was resolved is reopened, and
//     the regression raised, by escalationsOf.
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

// duplicate is what Reconcile knows of one group's duplicates.
type duplicate struct {
	// storedAt is when the newest of them was stored, when searchable says
	// all of them were found.
	storedAt   *time.Time
	searchable bool
	sample     *Delta
}

// refreshWait is how long a duplicate not yet searchable is to wait before
// it comes back: Elasticsearch's refresh interval (1 s), and a margin.
const refreshWait = 2 * time.Second

// escalationsOf returns the escalations the groups of a batch's duplicates
// may not have announced. A duplicate is what comes back of a batch whose
// candidates were not published, or whose group update never happened (it
// failed, or its processor stopped first):
//
//   - An escalation recorded on the group within raisedAgainWithin is
//     published again; the stream drops it if it went out.
//   - A group still resolved although a duplicate was stored after it was
//     resolved missed the update that would have reopened it: it is
//     reopened now, and the regression raised. When the duplicates are not
//     searchable yet, that cannot be told: they are to come back (later)
//     after a refresh.
func (s *Counter) escalationsOf(ctx context.Context, dups map[string]duplicate) ([]group.Candidate, map[string]time.Time, error) {
	if len(dups) == 0 {
		return nil, nil, nil
	}
	ds := make([]Delta, 0, len(dups))
	for fp := range dups {
		ds = append(ds, Delta{Fingerprint: fp})
	}
	stored, err := s.getGroups(ctx, ds)
	if err != nil {
		return nil, nil, fmt.Errorf("reconcile: read raised alerts: %w", err)
	}
	now := s.now()
	var out []group.Candidate
	later := map[string]time.Time{}
	var errs []error
	for fp, d := range dups {
		sg, ok := stored[fp]
		if !ok {
			continue
		}
		if sg.Status == group.StatusResolved && sg.ResolvedAt != nil {
			switch {
			case !d.searchable:
				later[fp] = now.Add(refreshWait).UTC()
			case d.storedAt != nil && d.storedAt.After(*sg.ResolvedAt):
				c, err := s.reopenMissed(ctx, fp, *d.storedAt, d.sample)
				if err != nil {
					errs = append(errs, err)
				} else if c != nil {
					out = append(out, *c)
				}
			}
			continue
		}
		if sg.Tally == nil || sg.Tally.Raised == nil || now.Sub(sg.Tally.Raised.At) >= raisedAgainWithin {
			continue
		}
		r := sg.Tally.Raised
		g := sg.Group
		g.Tally = nil
		out = append(out, group.Candidate{Kind: r.Kind, Occurrences: r.Occurrences, Group: g, At: r.At})
	}
	return out, later, errors.Join(errs...)
}

// reopenMissed reopens fp's group if it is still resolved from before
// storedAt, and returns its regression.
func (s *Counter) reopenMissed(ctx context.Context, fp string, storedAt time.Time, sample *Delta) (*group.Candidate, error) {
	var c *group.Candidate
	_, err := s.modifyGroup(ctx, fp, func(g *group.Group) (bool, error) {
		c = nil
		if g.Status != group.StatusResolved || g.ResolvedAt == nil || !storedAt.After(*g.ResolvedAt) {
			return false, nil
		}
		g.Status, g.ResolvedAt = group.StatusOpen, nil
		occurrences := 1
		if sample != nil {
			occurrences = sample.Count
			if sample.Last.After(g.LastSeen) {
				g.LastSeen = sample.Last
			}
		}
		cand := group.Candidate{Kind: group.KindRegression, Occurrences: occurrences, At: s.now().UTC()}
		markRaised(g, cand)
		cand.Group = *g
		cand.Group.Tally = nil
		c = &cand
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("reopen group %s: %w", fp, err)
	}
	return c, nil
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
		if limit := p.js.Conn().MaxPayload(); err == nil && limit > 0 && int64(len(data))+headerRoom > limit {
			// Only a hostile event's fields (a logger name of a megabyte)
			// make a candidate this large; cut, it goes out rather than
			// holding every batch behind it for ever.
			data, err = json.Marshal(cut(it.c))
		}
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

// headerRoom is what the Nats-Msg-Id header and its framing take of a
// message's payload limit.
const headerRoom = 1024

// cut shortens a candidate's group's free-form fields.
func cut(c group.Candidate) group.Candidate {
	const n = 1024
	g := &c.Group
	for _, f := range []*string{&g.Title, &g.Message, &g.Service.Name, &g.Service.Environment, &g.Error.Type,
		&g.Log.Level, &g.Log.Logger, &g.Culprit, &g.Sample.EventID, &g.Sample.Message, &g.Sample.StackTrace,
		&g.Sample.Thread, &g.Sample.Host, &g.Sample.TraceID} {
		*f = event.Truncate(*f, n)
	}
	return c
}
