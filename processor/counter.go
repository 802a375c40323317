package processor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/elastic/go-elasticsearch/v8"

	"github.com/faultline/faultline/grouping"
	"github.com/faultline/faultline/internal/config"
	"github.com/faultline/faultline/internal/elastic"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/group"
)

// Counter keeps the group documents the processor writes: it adds each
// batch's events to their groups, says which writes are alert candidates,
// and keeps the counts exact by recounting groups from the data stream
// (tally.go) and catching the escalations a crash left unannounced
// (alerts.go).
type Counter struct {
	*store
	// Threshold raises KindThreshold when a group sees Count events in Window.
	Threshold config.Threshold
	// Tally sets the time scales of exact counting (tally.go).
	Tally TallyConfig
}

// NewCounter wraps a client.
func NewCounter(es *elasticsearch.Client) *Counter {
	return newCounter(newStore(es, nil))
}

func newCounter(s *store) *Counter {
	c := &Counter{store: s}
	c.Tally.defaults(defaultBatchTimeout)
	return c
}

// Delta is what one batch adds to a group.
type Delta struct {
	Fingerprint string
	Culprit     string
	// Strategy is the grouping version that made Fingerprint.
	Strategy    string
	Count       int
	First, Last time.Time
	Sample      *event.Event
	// wire is the sample's message when Sample is nil: the processor keeps
	// the message of each event in flight and nothing decoded, and only a
	// group that turns out new needs its sample (sample).
	wire []byte
	// Stored splits Count by the bucket its events were stored in.
	Stored []Bucket
}

// sample is the delta's sample event, decoded from its message when that
// is what the delta holds.
func (d Delta) sample() *event.Event {
	if d.Sample != nil || d.wire == nil {
		return d.Sample
	}
	// The message was decoded without error before, to make the delta.
	var ev event.Event
	_ = event.Unmarshal(d.wire, &ev)
	return &ev
}

// add merges o, a delta of the same fingerprint, into d. The newest event
// is kept as the sample: an alert should show the problem as it looks now.
func (d *Delta) add(o Delta) {
	d.Count += o.Count
	d.Stored = mergeBuckets(d.Stored, o.Stored)
	if o.First.Before(d.First) {
		d.First = o.First
	}
	if o.Last.After(d.Last) {
		d.Last = o.Last
		d.Sample, d.wire = o.Sample, o.wire
	}
}

// deltaOf is one event's delta.
func deltaOf(ev *event.Event, fp grouping.Result) Delta {
	return Delta{Fingerprint: fp.Fingerprint, Culprit: fp.Culprit, Strategy: fp.Strategy, Count: 1, First: ev.Timestamp, Last: ev.Timestamp, Sample: ev}
}

// deltaSet sums deltas per fingerprint, in the order the fingerprints first
// appear, so group writes follow the order events arrived in.
type deltaSet struct {
	index map[string]int
	list  []Delta
}

func (s *deltaSet) add(d Delta) {
	if i, ok := s.index[d.Fingerprint]; ok {
		s.list[i].add(d)
		return
	}
	if s.index == nil {
		s.index = map[string]int{}
	}
	s.index[d.Fingerprint] = len(s.list)
	s.list = append(s.list, d)
}

// UpdateGroups adds the deltas to their groups with optimistic concurrency
// (if_seq_no), so several processor replicas can update one group without a
// script engine on the cluster. It returns one alert candidate per group
// written, also when other groups of the same call failed: those were
// written, and a lost candidate would be a lost alert.
func (s *Counter) UpdateGroups(ctx context.Context, deltas []Delta) ([]group.Candidate, error) {
	var candidates []group.Candidate
	var errs []error
	pending := deltas
	for attempt := 0; len(pending) > 0; attempt++ {
		if attempt == 20 {
			errs = append(errs, fmt.Errorf("update groups: %d groups still conflicting after %d attempts", len(pending), attempt))
			break
		}
		stored := map[string]storedGroup{}
		var uncached []Delta
		for _, d := range pending {
			if sg, ok := s.groups.Get(d.Fingerprint); ok {
				stored[d.Fingerprint] = sg
			} else {
				uncached = append(uncached, d)
			}
		}
		if len(uncached) > 0 {
			fetched, err := s.getGroups(ctx, uncached)
			if err != nil {
				errs = append(errs, err)
				break
			}
			for fp, sg := range fetched {
				stored[fp] = sg
			}
		}
		written, conflicts, err := s.putGroups(ctx, pending, stored)
		candidates = append(candidates, written...)
		if err != nil {
			errs = append(errs, err)
		}
		pending = conflicts
	}
	return candidates, errors.Join(errs...)
}

// putGroups applies each delta to its stored group (absent from stored: a
// new group) and writes them all in one bulk, each only if nobody wrote the
// group since it was read. It returns the candidates of the groups written
// and the deltas that met a conflict, to be read again and retried.
func (s *Counter) putGroups(ctx context.Context, pending []Delta, stored map[string]storedGroup) ([]group.Candidate, []Delta, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	next := make([]group.Candidate, len(pending))
	for i, d := range pending {
		sg := stored[d.Fingerprint]
		next[i] = apply(sg, d, s.Threshold, s.Tally, s.now())
		id, err := json.Marshal(d.Fingerprint)
		if err != nil {
			return nil, nil, fmt.Errorf("encode group action: %w", err)
		}
		if sg.found {
			buf.WriteString(`{"index":{"_id":`)
			buf.Write(id)
			buf.WriteString(`,"if_seq_no":`)
			buf.WriteString(strconv.FormatInt(sg.seqNo, 10))
			buf.WriteString(`,"if_primary_term":`)
			buf.WriteString(strconv.FormatInt(sg.primaryTerm, 10))
			buf.WriteString("}}\n")
		} else {
			buf.WriteString(`{"create":{"_id":`)
			buf.Write(id)
			buf.WriteString("}}\n")
		}
		if err := enc.Encode(next[i].Group); err != nil {
			return nil, nil, fmt.Errorf("encode group %s: %w", d.Fingerprint, err)
		}
	}
	items, err := s.bulk(ctx, elastic.GroupsIndex, &buf, len(pending))
	if err != nil {
		return nil, nil, fmt.Errorf("update groups: %w", err)
	}
	var written []group.Candidate
	var conflicts []Delta
	var errs []error
	for i, it := range items {
		fp := pending[i].Fingerprint
		switch {
		case it.Status == http.StatusOK || it.Status == http.StatusCreated:
			s.groups.Add(fp, storedGroup{Group: next[i].Group, seqNo: it.SeqNo, primaryTerm: it.PrimaryTerm, found: true})
			c := next[i]
			c.Group.Tally = nil
			if c.Kind == group.KindNew {
				s.metrics.groupsNew.Inc()
			}
			written = append(written, c)
		case it.Status == http.StatusConflict:
			// Another writer changed (or created) the group since we read it.
			s.groups.Remove(fp)
			conflicts = append(conflicts, pending[i])
		default:
			errs = append(errs, fmt.Errorf("update group %s: %s", fp, it.reason()))
		}
	}
	return written, conflicts, errors.Join(errs...)
}

// apply adds a delta to a stored (or absent) group and says what kind of
// alert that is.
func apply(sg storedGroup, d Delta, t config.Threshold, c TallyConfig, now time.Time) group.Candidate {
	now = now.UTC()
	if !sg.found {
		g := newGroup(d)
		g.Count = addTally(&g, true, d, c, now)
		if t.Count > 0 {
			g.WindowStart, g.WindowCount = &now, int64(d.Count)
		}
		cand := group.Candidate{Kind: group.KindNew, Occurrences: d.Count, Group: g, At: now}
		markRaised(&cand.Group, cand)
		return cand
	}
	g := sg.Group
	kind := group.KindRepeat
	g.Count += addTally(&g, false, d, c, now)
	if d.First.Before(g.FirstSeen) {
		g.FirstSeen = d.First
	}
	if d.Last.After(g.LastSeen) {
		g.LastSeen = d.Last
	}
	switch {
	case g.Status == group.StatusResolved:
		g.Status = group.StatusOpen
		g.ResolvedAt = nil
		kind = group.KindRegression
	case g.Status == group.StatusMuted && g.MutedUntil != nil && now.After(*g.MutedUntil):
		// The mute expired: the group is open again and alerts as usual.
		g.Status = group.StatusOpen
		g.MutedUntil = nil
	}
	if t.Count > 0 {
		if g.WindowStart == nil || now.Sub(*g.WindowStart) > t.Window.Duration {
			g.WindowStart, g.WindowCount = &now, 0
		}
		before := g.WindowCount
		g.WindowCount += int64(d.Count)
		if kind == group.KindRepeat && before < int64(t.Count) && g.WindowCount >= int64(t.Count) {
			kind = group.KindThreshold
		}
	}
	cand := group.Candidate{Kind: kind, Occurrences: d.Count, Group: g, At: now}
	markRaised(&cand.Group, cand)
	return cand
}

func newGroup(d Delta) group.Group {
	ev := d.sample()
	g := group.Group{
		Fingerprint:      d.Fingerprint,
		Title:            Title(ev),
		Message:          event.Truncate(ev.Message, 1024),
		Service:          ev.Service,
		Log:              ev.Log,
		Culprit:          d.Culprit,
		GroupingStrategy: d.Strategy,
		Count:            int64(d.Count),
		FirstSeen:        d.First,
		LastSeen:         d.Last,
		Status:           group.StatusOpen,
		Sample: group.Sample{
			EventID:   ev.Event.ID,
			Timestamp: ev.Timestamp,
			Message:   event.Truncate(ev.Message, 4096),
		},
	}
	if ev.Error != nil {
		g.Error.Type = ev.Error.Type
		g.Sample.StackTrace = event.Truncate(ev.Error.StackTrace, 8192)
	}
	if ev.Process != nil {
		g.Sample.Thread = ev.Process.Thread.Name
	}
	if ev.Host != nil {
		g.Sample.Host = ev.Host.Name
	}
	if ev.Trace != nil {
		g.Sample.TraceID = ev.Trace.ID
	}
	return g
}

// Title is "Type: first line of the message", or the message template or
// message for events without an exception.
func Title(ev *event.Event) string {
	first := func(s string) string {
		if i := bytes.IndexByte([]byte(s), '\n'); i >= 0 {
			s = s[:i]
		}
		return event.Truncate(s, 200)
	}
	if ev.Error != nil && ev.Error.Type != "" {
		if msg := first(ev.Error.Message); msg != "" {
			return shortType(ev.Error.Type) + ": " + msg
		}
		return shortType(ev.Error.Type)
	}
	if ev.Faultline.MessageTemplate != "" {
		return first(ev.Faultline.MessageTemplate)
	}
	return first(ev.Message)
}

func shortType(t string) string {
	for i := len(t) - 1; i >= 0; i-- {
		if t[i] == '.' {
			return t[i+1:]
		}
	}
	return t
}
