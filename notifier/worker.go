package notifier

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/group"
)

// worker delivers alert candidates to one channel from its own consumer.
type worker struct {
	s    *Service
	name string
	n    Notifier
	// recent are the announcements sent within the storm window.
	recent []time.Time
	storm  *storm
	// catchUp holds new groups whose candidates were already stale when
	// they arrived (a backlog: a channel added late, a notifier that was
	// down), for one catch-up summary instead of a flood of late alerts.
	catchUp *storm
}

// storm holds the announcements that arrived after the threshold was
// crossed. Their messages stay unacked until the summary is delivered, so a
// crash mid-storm loses nothing.
type storm struct {
	id    string
	kind  string // StormKind or CatchUpKind
	start time.Time
	// oldest is the earliest candidate time held (catch-ups).
	oldest time.Time
	held   []held
	// refreshed is when the held groups' claims were last renewed.
	refreshed time.Time
}

type held struct {
	msg jetstream.Msg
	c   group.Candidate
	// stopKeepAlive ends the keep-alive that runs from when the message is
	// held until it is acked or nacked: the summary's send can block on
	// retries far longer than AckWait, and a redelivered message could be
	// announced on its own by another replica on top of the summary.
	stopKeepAlive func()
}

// run takes one message at a time, never prefetching: a message waiting in
// a buffer behind a slow send (a Retry-After can take 30 s) would outstay
// AckWait and come back, and a repeat handled twice counts twice in the
// digest.
func (w *worker) run(ctx context.Context, cons jetstream.Consumer) error {
	defer w.abandonStorm()
	for ctx.Err() == nil {
		m, err := cons.Next(jetstream.FetchMaxWait(time.Second))
		// Nothing came within the wait: a backlog is drained.
		idle := errors.Is(err, nats.ErrTimeout) || errors.Is(err, context.DeadlineExceeded)
		switch {
		case err == nil:
			w.handle(context.WithoutCancel(ctx), m)
		case !errors.Is(err, nats.ErrTimeout) && !errors.Is(err, context.DeadlineExceeded):
			w.s.log.Warn().Err(err).Str("channel", w.name).Msg("fetch alert candidates")
			// NATS away fails a fetch at once: no busy loop meanwhile.
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
		w.flushStorm(context.WithoutCancel(ctx))
		w.flushCatchUp(context.WithoutCancel(ctx), idle)
		w.renewStormClaims(context.WithoutCancel(ctx))
	}
	return nil
}

// renewStormClaims keeps the claims of the groups a storm holds fresh. The
// storm window (a minute by default) outlasts claimTimeout, and a claim
// that old passes for one a dead notifier left: another replica would send
// the group's escalations at once, before the summary announced it, and
// the summary's confirmation would land on that replica's claim.
func (w *worker) renewStormClaims(ctx context.Context) {
	for _, st := range []*storm{w.storm, w.catchUp} {
		w.renewClaims(ctx, st)
	}
}

func (w *worker) renewClaims(ctx context.Context, st *storm) {
	now := w.s.now()
	if st == nil || now.Sub(st.refreshed) < w.keepAliveEvery() {
		return
	}
	st.refreshed = now
	renewed := map[string]bool{}
	for _, h := range st.held {
		key := stateKey(w.name, h.c.Group.Fingerprint)
		if renewed[key] {
			continue
		}
		renewed[key] = true
		w.s.claims().renew(ctx, key, now)
	}
}

// keepAliveEvery is a third of AckWait, so that one lost or late progress
// report still leaves time for the next before JetStream redelivers.
func (w *worker) keepAliveEvery() time.Duration {
	return w.s.ackWait / 3
}

// abandonStorm stops keeping held messages alive when the worker stops, so
// they come back after AckWait to whichever replica runs on.
func (w *worker) abandonStorm() {
	for _, st := range []*storm{w.storm, w.catchUp} {
		if st == nil {
			continue
		}
		for _, h := range st.held {
			h.stopKeepAlive()
		}
	}
	w.storm, w.catchUp = nil, nil
}

func (w *worker) handle(ctx context.Context, m jetstream.Msg) {
	var c group.Candidate
	if err := json.Unmarshal(m.Data(), &c); err != nil {
		w.s.log.Error().Err(err).Msg("undecodable alert candidate dropped")
		w.settled("term", "", m.Term())
		return
	}
	if !w.s.wants(w.name, c.Group) {
		w.settled("ack", c.Group.Fingerprint, m.Ack())
		return
	}
	if w.holdStale(ctx, m, c) {
		return
	}
	announce := c.Kind == group.KindNew || c.Kind == group.KindRegression
	if announce && c.Group.Status != group.StatusMuted {
		now := w.s.now()
		window := w.s.cfg.Storm.Window.Duration
		w.recent = slices.DeleteFunc(w.recent, func(t time.Time) bool { return now.Sub(t) > window })
		if w.storm == nil && len(w.recent) >= w.s.cfg.Storm.Threshold {
			w.storm = &storm{id: newStormID(now), kind: StormKind, start: now, refreshed: now}
			w.s.log.Warn().Str("channel", w.name).Int("threshold", w.s.cfg.Storm.Threshold).Msg("error storm: folding announcements into one summary")
		}
		if w.storm != nil {
			// Claim the group for the summary, so its repeats meanwhile are
			// held back as pending instead of announcing it on their own.
			if w.s.claims().write(ctx, stateKey(w.name, c.Group.Fingerprint), 0, sentState{LastSent: w.s.now().UTC()}) == nil {
				w.storm.held = append(w.storm.held, held{msg: m, c: c, stopKeepAlive: broker.KeepAlive(w.keepAliveEvery(), m)})
				w.s.metrics.suppressed.WithLabelValues(w.name).Inc()
				return
			}
		}
		w.recent = append(w.recent, now)
	}
	stop := broker.KeepAlive(w.keepAliveEvery(), m)
	err := w.s.deliver(ctx, w.name, w.n, c)
	stop()
	switch {
	case errors.Is(err, errInFlight):
		w.settled("nak", c.Group.Fingerprint, m.NakWithDelay(5*time.Second))
	case errors.Is(err, errStopping):
		// Shutting down: another replica can take it now.
		w.s.log.Info().Str("channel", w.name).Str("fingerprint", c.Group.Fingerprint).Msg("shutting down: alert handed back for redelivery")
		w.settled("nak", c.Group.Fingerprint, m.Nak())
	case errors.Is(err, errPermanent):
		// Redelivering would only be refused again, forever: the consumer
		// has no MaxDeliver.
		w.s.metrics.failed.WithLabelValues(w.name).Inc()
		w.s.log.Error().Err(err).Str("channel", w.name).Str("fingerprint", c.Group.Fingerprint).Msg("alert refused by the channel; dropped")
		w.settled("term", c.Group.Fingerprint, m.Term())
	case err != nil:
		w.s.metrics.failed.WithLabelValues(w.name).Inc()
		w.s.log.Error().Err(err).Str("channel", w.name).Str("fingerprint", c.Group.Fingerprint).Msg("alert not delivered; will retry")
		w.settled("nak", c.Group.Fingerprint, m.NakWithDelay(30*time.Second))
	default:
		w.settled("ack", c.Group.Fingerprint, m.Ack())
	}
}

// settled logs an acknowledgement that did not reach NATS: the message
// comes back after AckWait, so an alert may go out twice or a repeat count
// twice in a digest, and the log should say why.
func (w *worker) settled(reply, fingerprint string, err error) {
	if err != nil {
		w.s.log.Warn().Err(err).Str("channel", w.name).Str("fingerprint", fingerprint).Str("reply", reply).
			Msg("alert candidate's acknowledgement not delivered to NATS; it will be redelivered")
	}
}

// flushStorm sends the summary once the window that began the storm is over.
func (w *worker) flushStorm(ctx context.Context) {
	st := w.storm
	if st == nil || w.s.now().Sub(st.start) < w.s.cfg.Storm.Window.Duration {
		return
	}
	w.storm = nil
	w.recent = []time.Time{w.s.now()}
	w.summarise(ctx, st)
}

// catchUpMax bounds the candidates one catch-up holds unacked.
const catchUpMax = 2000

// holdStale takes a new group's candidate that waited longer than
// notify.catch_up_after into the catch-up summary. Other kinds, and groups
// this channel already knows, go on to deliver, which reads their state at
// send time.
func (w *worker) holdStale(ctx context.Context, m jetstream.Msg, c group.Candidate) bool {
	now := w.s.now()
	bound := w.s.cfg.CatchUpAfter.Duration
	if c.Kind != group.KindNew || c.At.IsZero() || bound <= 0 || now.Sub(c.At) <= bound {
		return false
	}
	if w.s.mutedAt(ctx, c.Group, now) {
		w.s.metrics.suppressed.WithLabelValues(w.name).Inc()
		w.settled("ack", c.Group.Fingerprint, m.Ack())
		return true
	}
	if w.catchUp == nil {
		w.catchUp = &storm{id: newStormID(now), kind: CatchUpKind, start: now, oldest: c.At, refreshed: now}
		w.s.log.Warn().Str("channel", w.name).Dur("waited", now.Sub(c.At)).Msg("alert candidates arrive late: new groups go into one catch-up summary")
	}
	if w.s.claims().write(ctx, stateKey(w.name, c.Group.Fingerprint), 0, sentState{LastSent: now.UTC()}) != nil {
		// Announced already, or being announced: deliver decides.
		return false
	}
	if c.At.Before(w.catchUp.oldest) {
		w.catchUp.oldest = c.At
	}
	w.catchUp.held = append(w.catchUp.held, held{msg: m, c: c, stopKeepAlive: broker.KeepAlive(w.keepAliveEvery(), m)})
	w.s.metrics.suppressed.WithLabelValues(w.name).Inc()
	return true
}

// flushCatchUp sends the catch-up once the backlog is drained (a fetch came
// back empty), or after a storm window of collecting, or when it is full.
func (w *worker) flushCatchUp(ctx context.Context, idle bool) {
	st := w.catchUp
	if st == nil || !idle && len(st.held) < catchUpMax && w.s.now().Sub(st.start) < w.s.cfg.Storm.Window.Duration {
		return
	}
	w.catchUp = nil
	w.summarise(ctx, st)
}

// summariseBudget bounds reading the held groups' state before a summary.
const summariseBudget = 5 * time.Second

// summarise sends a storm or catch-up summary of the held groups, with
// their counts read now; groups muted meanwhile are left out of it.
func (w *worker) summarise(ctx context.Context, st *storm) {
	latest := map[string]group.Group{}
	for _, h := range st.held {
		latest[h.c.Group.Fingerprint] = h.c.Group
	}
	groups := make([]group.Group, 0, len(latest))
	var quiet []string
	readBy := time.Now().Add(summariseBudget)
	now := w.s.now()
	for fp, g := range latest {
		if time.Now().Before(readBy) {
			g = w.s.current(ctx, g)
		}
		if w.s.mutedAt(ctx, g, now) {
			quiet = append(quiet, fp)
			continue
		}
		groups = append(groups, g)
	}
	done := func(ack bool) {
		for _, h := range st.held {
			if ack {
				w.settled("ack", h.c.Group.Fingerprint, h.msg.Ack())
			} else {
				w.settled("nak", h.c.Group.Fingerprint, h.msg.NakWithDelay(5*time.Second))
			}
			h.stopKeepAlive()
		}
	}
	// Muted since they were held: their claims stand for an announcement,
	// as deliver does.
	for _, fp := range quiet {
		w.s.claims().confirm(ctx, stateKey(w.name, fp))
		w.s.metrics.suppressed.WithLabelValues(w.name).Inc()
	}
	if len(groups) == 0 {
		done(true)
		return
	}
	slices.SortFunc(groups, func(a, b group.Group) int { return cmp.Compare(b.Count, a.Count) })
	record := newStormRecord(st.id, w.name, st.start, now, groups)
	record.Kind = st.kind
	if st.kind == CatchUpKind {
		record.Oldest = st.oldest.UTC()
	}
	// Written before the summary, so its link leads somewhere when clicked.
	if err := NewStorms(w.s.state).put(ctx, record); err != nil {
		w.s.log.Warn().Err(err).Str("channel", w.name).Str("storm", st.id).Msg("storm record not kept; the summary goes out without its page")
	}
	if err := w.sendStorm(ctx, record); err != nil {
		w.s.metrics.failed.WithLabelValues(w.name).Inc()
		w.s.log.Error().Err(err).Str("channel", w.name).Str("summary", st.kind).Int("groups", len(groups)).Msg("summary not delivered; its groups are handed back")
		for _, g := range groups {
			w.s.claims().release(ctx, stateKey(w.name, g.Fingerprint), sentState{}, true)
		}
		done(false)
		return
	}
	// The summary announced them: later repeats become digests as usual.
	for _, g := range groups {
		w.s.claims().confirm(ctx, stateKey(w.name, g.Fingerprint))
	}
	done(true)
}

// sendStorm sends the summary's messages in order. Once the first is
// delivered the storm counts as announced: it carries the heading, the
// count and the link to every group, and announcing the groups one by one
// on top of it would be the flood the summary is for. A later message that
// fails is logged and counted as failed.
func (w *worker) sendStorm(ctx context.Context, r StormRecord) error {
	window := w.s.cfg.Storm.Window.Duration
	link := w.s.stormLink(r.ID)
	g := stormGroup(r, window)
	for i, p := range stormPages(w.n, r, window, link) {
		a := Alert{Kind: group.KindStorm, Group: g, Storm: &r, StormPage: &p, Page: link}
		err := w.s.send(ctx, w.n, a, 5)
		switch {
		case err != nil && i == 0:
			return err
		case err != nil:
			w.s.metrics.failed.WithLabelValues(w.name).Inc()
			w.s.log.Error().Err(err).Str("channel", w.name).Str("storm", r.ID).Int("message", p.Index).Int("of", p.Of).Msg("a storm summary message not delivered; the storm page lists its groups")
		default:
			w.s.metrics.sent.WithLabelValues(w.name, string(group.KindStorm)).Inc()
		}
	}
	return nil
}

// stormGroup renders a storm as a group-shaped alert, for channels that
// show it without knowing about storms (Sentry, the webhook's group).
func stormGroup(r StormRecord, window time.Duration) group.Group {
	var b strings.Builder
	var total int64
	for _, g := range r.Groups {
		total += g.Count
		count, service, title := stormLine(g)
		fmt.Fprintf(&b, "%s %s: %s\n", count, service, title)
	}
	if r.Omitted > 0 {
		fmt.Fprintf(&b, "+%d more\n", r.Omitted)
	}
	return group.Group{
		Fingerprint: "storm-" + r.ID,
		Title:       fmt.Sprintf("%s within %s", plural(len(r.Groups)+r.Omitted, "new error group", "new error groups"), humanDuration(window)),
		Message:     b.String(),
		Service:     event.Service{Name: "faultline"},
		Count:       total,
		FirstSeen:   r.Start,
		LastSeen:    r.End,
		Status:      group.StatusOpen,
	}
}
