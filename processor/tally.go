package processor

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/elastic/go-elasticsearch/v8/typedapi/core/search"
	"github.com/elastic/go-elasticsearch/v8/typedapi/types"
	"github.com/elastic/go-elasticsearch/v8/typedapi/types/enums/sortorder"
	"golang.org/x/sync/errgroup"

	"github.com/faultline/faultline/internal/elastic"
	"github.com/faultline/faultline/internal/group"
)

// Exact group counts on an at-least-once stream: why counts are kept per
// bucket of faultline.stored_at and recounted once settled is the package
// documentation's "Exact counts" (doc.go).

// defaultBatchTimeout bounds a batch, from its event write to its group
// update.
const defaultBatchTimeout = 2 * time.Minute

// TallyConfig sets the time scales of exact counting.
type TallyConfig struct {
	// Bucket is the resolution of a group's recent counts, in whole seconds.
	Bucket time.Duration
	// Settle is how long after its write an event's count is final: the
	// batch timeout, plus the refresh interval, the clock skew between
	// processor hosts, and a write Elasticsearch finishes after its client
	// gave up. It must exceed the batch timeout.
	Settle time.Duration
	// Recount is how long a group keeps recent buckets before it is
	// recounted.
	Recount time.Duration
	// Late is how long after its write an event may still become
	// searchable: Elasticsearch can apply a queued bulk long after the
	// processor gave up on it. Each recount counts the buckets this far
	// back again.
	Late time.Duration
}

func (c *TallyConfig) defaults(batchTimeout time.Duration) {
	if c.Settle <= batchTimeout {
		c.Settle = batchTimeout + time.Minute
	}
	if c.Bucket < time.Second {
		// A third of Settle, so a duplicate's recount comes at most a third
		// later than it could.
		c.Bucket = min(max(c.Settle/3, time.Second), time.Minute).Truncate(time.Second)
	}
	if c.Recount <= 0 {
		c.Recount = 15 * time.Minute
	}
	if c.Late <= 0 {
		c.Late = time.Hour
	}
}

// bucket is the start (Unix seconds) of the bucket t falls in.
func (c TallyConfig) bucket(t time.Time) int64 {
	size := int64(c.Bucket / time.Second)
	s := t.Unix()
	return s - ((s%size)+size)%size
}

// horizon is the start of the first bucket not yet settled at now: events
// stored before it have their final count.
func (c TallyConfig) horizon(now time.Time) int64 {
	return c.bucket(now.Add(-c.Settle))
}

// Bucket counts the events of one delta stored in one bucket.
type Bucket struct {
	Start int64 // Unix seconds
	N     int
}

func mergeBuckets(a, b []Bucket) []Bucket {
	if len(b) == 0 {
		return a
	}
	out := make([]Bucket, len(a), len(a)+len(b))
	copy(out, a)
next:
	for _, x := range b {
		for i := range out {
			if out[i].Start == x.Start {
				out[i].N += x.N
				continue next
			}
		}
		out = append(out, x)
	}
	return out
}

// addTally records d's stored events in g's tally and returns how many of
// them g.Count must add: those in buckets a recount has not passed. A delta
// without buckets (events written without stored_at) is counted whole.
func addTally(g *group.Group, isNew bool, d Delta, c TallyConfig, now time.Time) int64 {
	if len(d.Stored) == 0 {
		return int64(d.Count)
	}
	t := group.Tally{}
	switch {
	case g.Tally != nil:
		t = *g.Tally
	case isNew:
		// A new group: every event of its fingerprint already stored went
		// uncounted, so its first recount counts from the beginning.
		t.Since = time.Unix(0, 0).UTC()
	}
	// The stored group may be a cached one: never write into its map.
	t.Recent = maps.Clone(t.Recent)
	if t.Recent == nil {
		t.Recent = map[string]int64{}
	}
	if t.Since.IsZero() {
		// A group counted before tallies existed: tracked from now on.
		first := d.Stored[0].Start
		for _, b := range d.Stored {
			first = min(first, b.Start)
		}
		t.Since = time.Unix(first, 0).UTC()
	}
	var fresh int64
	for _, b := range d.Stored {
		if b.Start < t.Since.Unix() {
			continue
		}
		t.Recent[strconv.FormatInt(b.Start, 10)] += int64(b.N)
		fresh += int64(b.N)
	}
	if t.Due == nil {
		due := now.Add(c.Recount).UTC()
		t.Due = &due
	}
	g.Tally = &t
	return fresh
}

// Reconcile handles the duplicates a batch met: samples holds one delta per
// fingerprint, ids the duplicates' event ids. The groups of settled
// duplicates are recounted now; a group missing altogether (its events'
// processor stopped before creating it) is created from the data stream, and
// its candidate (KindNew) returned to publish. The groups of duplicates not
// settled yet are marked due. Only a missing group cannot be marked: its
// fingerprint is returned with the time to come back, and the caller has the
// duplicates redelivered then; so is a resolved group's whose duplicates are
// not searchable yet. The escalations the duplicates' groups may not have
// announced are returned too (escalationsOf).
func (s *Counter) Reconcile(ctx context.Context, samples []Delta, ids []string) ([]group.Candidate, map[string]time.Time, error) {
	if len(ids) == 0 {
		return nil, nil, nil
	}
	byFP := make(map[string]Delta, len(samples))
	for _, d := range samples {
		byFP[d.Fingerprint] = d
	}
	// The stored documents say which groups they count in (the fingerprint
	// rules may have changed since) and when they were written.
	newest, found, err := s.storedAt(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	horizon := s.Tally.horizon(now)
	dups := make(map[string]duplicate, len(newest))
	for fp, at := range newest {
		dups[fp] = duplicate{storedAt: at, searchable: true}
	}
	for fp, d := range byFP {
		if n, ok := found[fp]; !ok || n < int64(d.Count) {
			// Some are not searchable yet: written less than a refresh ago,
			// so about now.
			at := now
			newest[fp] = &at
			dups[fp] = duplicate{}
		}
		dup := dups[fp]
		dup.sample = &d
		dups[fp] = dup
	}
	var candidates []group.Candidate
	deferred := map[string]time.Time{}
	var errs []error
	for fp, at := range newest {
		var sample *Delta
		if d, ok := byFP[fp]; ok {
			sample = &d
		}
		if at != nil && at.Unix() >= horizon {
			// Recountable once the horizon passed the duplicate's bucket.
			due := time.Unix(s.Tally.bucket(*at), 0).Add(s.Tally.Bucket + s.Tally.Settle).UTC()
			missing, err := s.markDue(ctx, fp, due)
			if err != nil {
				errs = append(errs, err)
			} else if missing {
				deferred[fp] = due
			}
			continue
		}
		c, err := s.recountGroup(ctx, fp, sample, horizon)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if c != nil {
			candidates = append(candidates, *c)
		}
	}
	// A duplicate may be all that is left of a batch whose candidates were
	// never published, or whose group update never happened (alerts.go).
	again, later, err := s.escalationsOf(ctx, dups)
	if err != nil {
		errs = append(errs, err)
	}
	for _, c := range again {
		if !slices.ContainsFunc(candidates, func(o group.Candidate) bool { return candidateID(o) == candidateID(c) }) {
			candidates = append(candidates, c)
		}
	}
	for fp, due := range later {
		if _, ok := deferred[fp]; !ok {
			deferred[fp] = due
		}
	}
	return candidates, deferred, errors.Join(errs...)
}

// storedAt returns, per fingerprint of the given stored events, when the
// newest of them was stored (nil when none carries stored_at) and how many
// of them the search found.
func (s *Counter) storedAt(ctx context.Context, ids []string) (map[string]*time.Time, map[string]int64, error) {
	var sr struct {
		Aggregations struct {
			FP struct {
				Buckets []struct {
					Key    string `json:"key"`
					Count  int64  `json:"doc_count"`
					Newest millis `json:"newest"`
				} `json:"buckets"`
			} `json:"fp"`
		} `json:"aggregations"`
	}
	if err := s.search(ctx, elastic.EventsDataStream, storedAtRequest(ids), &sr); err != nil {
		return nil, nil, fmt.Errorf("reconcile: find duplicates: %w", err)
	}
	newest := make(map[string]*time.Time, len(sr.Aggregations.FP.Buckets))
	found := make(map[string]int64, len(sr.Aggregations.FP.Buckets))
	for _, b := range sr.Aggregations.FP.Buckets {
		newest[b.Key], found[b.Key] = b.Newest.time(), b.Count
	}
	return newest, found, nil
}

// storedAtRequest finds the stored events of ids, and per fingerprint how
// many there are (doc_count) and when the newest was stored.
func storedAtRequest(ids []string) *search.Request {
	return &search.Request{
		Size:  new(0),
		Query: &types.Query{Ids: &types.IdsQuery{Values: ids}},
		Aggregations: map[string]types.Aggregations{"fp": {
			Terms:        &types.TermsAggregation{Field: new("faultline.fingerprint"), Size: new(len(ids))},
			Aggregations: map[string]types.Aggregations{"newest": {Max: &types.MaxAggregation{Field: new("faultline.stored_at")}}},
		}},
	}
}

// markDue makes fp's group due for a recount at or after due. It reports a
// missing group rather than creating one: a group is created with its
// events' count, which is not known before due.
func (s *Counter) markDue(ctx context.Context, fp string, due time.Time) (missing bool, err error) {
	found, err := s.modifyGroup(ctx, fp, func(g *group.Group) (bool, error) {
		t := group.Tally{}
		if g.Tally != nil {
			t = *g.Tally
		}
		if t.Await != nil && !t.Await.Before(due) && t.Due != nil && !t.Due.After(*t.Await) {
			return false, nil
		}
		// A recount before Await re-arms Due for it (recountGroup), so the
		// latest duplicate's time is kept while Due may stay earlier.
		if t.Await == nil || t.Await.Before(due) {
			t.Await = &due
		}
		if t.Due == nil || t.Due.After(*t.Await) {
			t.Due = t.Await
		}
		g.Tally = &t
		return true, nil
	})
	if err != nil {
		return false, fmt.Errorf("mark group %s due: %w", fp, err)
	}
	return !found, nil
}

// recountGroup brings fp's group to the horizon: the buckets before it are
// replaced by the number of the group's events stored there. A missing group
// is created from its settled events and sample when sample is not nil, and
// its candidate returned.
func (s *Counter) recountGroup(ctx context.Context, fp string, sample *Delta, horizon int64) (*group.Candidate, error) {
	now := s.now()
	// A conflict reads the group again; the same ranges need not be
	// counted again.
	type ranges struct{ from, window int64 }
	type counts struct{ total, inWindow int64 }
	counted := map[ranges]counts{}
	count := func(from, window int64) (counts, error) {
		if c, ok := counted[ranges{from, window}]; ok {
			return c, nil
		}
		var c counts
		var err error
		c.total, c.inWindow, err = s.countStored(ctx, fp, from, window, horizon)
		counted[ranges{from, window}] = c
		return c, err
	}
	found, err := s.modifyGroup(ctx, fp, func(g *group.Group) (bool, error) {
		t := group.Tally{}
		if g.Tally != nil {
			t = *g.Tally
		}
		if t.Since.IsZero() {
			// Counted before tallies existed: start from here.
			t.Since = time.Unix(horizon, 0).UTC()
		}
		var recent int64
		keep := map[string]int64{}
		for k, n := range t.Recent {
			recent += n
			if start, err := strconv.ParseInt(k, 10, 64); err != nil || start >= horizon {
				keep[k] = n
			}
		}
		if since := t.Since.Unix(); since < horizon {
			// [Window, Since) was counted before, as Settled: counted again,
			// it takes in events that became searchable since.
			from, folded := since, int64(0)
			if t.Window != nil && since > 0 && t.Window.Unix() < since {
				from, folded = t.Window.Unix(), t.Settled
			}
			window := max(from, s.Tally.bucket(time.Unix(horizon, 0).Add(-s.Tally.Late)))
			c, err := count(from, window)
			if err != nil {
				return false, err
			}
			total, settled := c.total, c.inWindow
			var kept int64
			for _, n := range keep {
				kept += n
			}
			g.Count = g.Count - folded - recent + total + kept
			w := time.Unix(window, 0).UTC()
			t.Since, t.Recent, t.Window, t.Settled = time.Unix(horizon, 0).UTC(), keep, &w, settled
		}
		t.Due = nil
		switch {
		case t.Await != nil && t.Await.After(now):
			// A duplicate not settled at this horizon still needs one.
			t.Due = t.Await
		case len(t.Recent) > 0:
			t.Await = nil
			due := now.Add(s.Tally.Recount).UTC()
			t.Due = &due
		default:
			t.Await = nil
		}
		if len(t.Recent) == 0 {
			t.Recent = nil
		}
		g.Tally = &t
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("recount group %s: %w", fp, err)
	}
	if found {
		s.metrics.groupRecounts.Inc()
		return nil, nil
	}
	if sample == nil {
		return nil, nil
	}
	return s.createCounted(ctx, *sample, horizon)
}

// createCounted creates the group of d's fingerprint from its events stored
// before the horizon (or without stored_at), with d's sample.
func (s *Counter) createCounted(ctx context.Context, d Delta, horizon int64) (*group.Candidate, error) {
	req := &search.Request{
		Size:           new(0),
		TrackTotalHits: true,
		Query:          storedQuery(d.Fingerprint, nil, horizon),
		Aggregations: map[string]types.Aggregations{
			"first": {Min: &types.MinAggregation{Field: new("@timestamp")}},
			"last":  {Max: &types.MaxAggregation{Field: new("@timestamp")}},
		},
	}
	var sr struct {
		totalHits
		Aggregations struct {
			First millis `json:"first"`
			Last  millis `json:"last"`
		} `json:"aggregations"`
	}
	if err := s.search(ctx, elastic.EventsDataStream, req, &sr); err != nil {
		return nil, fmt.Errorf("recount group %s: %w", d.Fingerprint, err)
	}
	if sr.Total() == 0 {
		return nil, nil
	}
	d.Count, d.Stored = int(sr.Total()), nil
	if t := sr.Aggregations.First.time(); t != nil && t.Before(d.First) {
		d.First = *t
	}
	if t := sr.Aggregations.Last.time(); t != nil && t.After(d.Last) {
		d.Last = *t
	}
	c := apply(storedGroup{}, d, s.Threshold, s.Tally, s.now())
	c.Group.Tally = &group.Tally{Since: time.Unix(horizon, 0).UTC()}
	markRaised(&c.Group, c)
	conflict, err := s.putGroup(ctx, storedGroup{}, c.Group)
	if err != nil {
		return nil, fmt.Errorf("recount group %s: create: %w", d.Fingerprint, err)
	}
	if conflict {
		// Another replica created it meanwhile: recount that one.
		return s.recountGroup(ctx, d.Fingerprint, nil, horizon)
	}
	s.metrics.groupRecounts.Inc()
	s.metrics.groupsNew.Inc()
	c.Group.Tally = nil
	return &c, nil
}

// countStored counts fp's events stored in [from, before) (Unix seconds),
// and those of them stored from window on. from 0 or less also counts the
// events without stored_at.
func (s *Counter) countStored(ctx context.Context, fp string, from, window, before int64) (total, inWindow int64, err error) {
	var sr struct {
		totalHits
		Aggregations struct {
			Window struct {
				Count int64 `json:"doc_count"`
			} `json:"window"`
		} `json:"aggregations"`
	}
	if err := s.search(ctx, elastic.EventsDataStream, countStoredRequest(fp, from, window, before), &sr); err != nil {
		return 0, 0, fmt.Errorf("count events: %w", err)
	}
	return sr.Total(), sr.Aggregations.Window.Count, nil
}

// countStoredRequest counts what countStored does: the total hits, and
// those stored from window on as the "window" filter aggregation.
func countStoredRequest(fp string, from, window, before int64) *search.Request {
	var since *int64
	if from > 0 {
		since = &from
	}
	req := &search.Request{Size: new(0), TrackTotalHits: true, Query: storedQuery(fp, since, before)}
	if window < before {
		inWindow := dateRange("faultline.stored_at", types.DateRangeQuery{Gte: epochMillis(window * 1000)})
		req.Aggregations = map[string]types.Aggregations{"window": {Filter: &inWindow}}
	}
	return req
}

// storedQuery matches fp's events stored in [since, before) (Unix seconds);
// without since, also those without stored_at.
func storedQuery(fp string, since *int64, before int64) *types.Query {
	filter := []types.Query{term("faultline.fingerprint", fp)}
	if since != nil {
		filter = append(filter, dateRange("faultline.stored_at", types.DateRangeQuery{Gte: epochMillis(*since * 1000), Lt: epochMillis(before * 1000)}))
		return &types.Query{Bool: &types.BoolQuery{Filter: filter}}
	}
	later := dateRange("faultline.stored_at", types.DateRangeQuery{Gte: epochMillis(before * 1000)})
	return &types.Query{Bool: &types.BoolQuery{Filter: filter, MustNot: []types.Query{later}}}
}

// RecountDue recounts up to limit groups whose recount is due, and returns
// how many it found. Groups a redelivery is waiting on go first, the most
// overdue first: a count that misses events matters more than folding an
// active group's buckets, of which a node that had a burst of new groups may
// have thousands due at once.
func (s *Counter) RecountDue(ctx context.Context, limit int) (int, error) {
	now := s.now()
	fps, err := s.dueGroups(ctx, now, limit, true)
	if err != nil {
		return 0, err
	}
	if len(fps) < limit {
		more, err := s.dueGroups(ctx, now, limit-len(fps), false)
		if err != nil {
			return 0, err
		}
		fps = append(fps, more...)
	}
	horizon := s.Tally.horizon(now)
	// A few at a time: each is three short requests, mostly waiting. One
	// failing does not stop the others.
	var g errgroup.Group
	g.SetLimit(4)
	for _, fp := range fps {
		g.Go(func() error {
			_, err := s.recountGroup(ctx, fp, nil, horizon)
			return err
		})
	}
	return len(fps), g.Wait()
}

// dueGroups lists the fingerprints of up to limit groups due at now, the
// most overdue first: those a redelivery awaits when first is set, the others
// when not.
func (s *Counter) dueGroups(ctx context.Context, now time.Time, limit int, first bool) ([]string, error) {
	fps, err := s.searchIDs(ctx, elastic.GroupsIndex, dueRequest(now, limit, first))
	if err != nil {
		return nil, fmt.Errorf("find due groups: %w", err)
	}
	return fps, nil
}

// dueRequest finds what dueGroups lists.
func dueRequest(now time.Time, limit int, first bool) *search.Request {
	due := dateRange("tally.due", types.DateRangeQuery{Lte: epochMillis(now.UnixMilli())})
	awaited := types.Query{Exists: &types.ExistsQuery{Field: "tally.await"}}
	cond := &types.BoolQuery{Filter: []types.Query{due, awaited}}
	if !first {
		cond = &types.BoolQuery{Filter: []types.Query{due}, MustNot: []types.Query{awaited}}
	}
	return &search.Request{
		Size:  new(limit),
		Query: &types.Query{Bool: cond},
		Sort:  []types.SortCombinations{sortBy("tally.due", sortorder.Asc)},
	}
}
