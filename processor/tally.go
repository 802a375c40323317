package processor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/elastic/go-elasticsearch/v8/esapi"
	"golang.org/x/sync/errgroup"

	"github.com/faultline/faultline/internal/elastic"
	"github.com/faultline/faultline/internal/group"
)

// Exact group counts on an at-least-once stream.
//
// A group's count should be the number of its events in the data stream. It
// is kept by adding each batch's created events, which is cheap, but a
// processor can stop between writing events and counting them. Their
// redelivery then finds them stored (409). Whether the first delivery counted
// them, or another replica stored them and is about to count them, nothing in
// that moment tells.
//
// Time does. Every event carries faultline.stored_at, set by its processor
// just before the write, and a batch counts its events within its context
// (Config.BatchTimeout) or never. So once Settle has passed since an event was
// stored, its count is final: added, or never to be. Each group keeps its
// counts per bucket of stored_at (group.Tally), and a recount replaces the
// buckets before the horizon (now less Settle, rounded down to a bucket) with
// the number of the group's events stored in them, read from the data
// stream. That number is right whatever crashed and whoever is still writing.
// An update for a bucket a recount already passed adds nothing: its events
// were in that number. Elasticsearch can apply a bulk long after its client
// gave up, so an event can become searchable after a recount passed its
// bucket; every recount counts the buckets of the last TallyConfig.Late
// again (group.Tally's Window and Settled), and the redelivery of such an
// event, finding it stored, causes one.
//
// A redelivered duplicate makes its group due for a recount once the
// duplicate is settled. The processor recounts due groups (auditDue), and
// also every TallyConfig.Recount while a group keeps receiving events, which
// bounds its buckets.

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
func (s *Store) Reconcile(ctx context.Context, samples []Delta, ids []string) ([]group.Candidate, map[string]time.Time, error) {
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
func (s *Store) storedAt(ctx context.Context, ids []string) (map[string]*time.Time, map[string]int64, error) {
	q := map[string]any{
		"size":  0,
		"query": map[string]any{"ids": map[string]any{"values": ids}},
		"aggs": map[string]any{"fp": map[string]any{
			"terms": map[string]any{"field": "faultline.fingerprint", "size": len(ids)},
			"aggs":  map[string]any{"newest": map[string]any{"max": map[string]any{"field": "faultline.stored_at"}}},
		}},
	}
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
	if err := s.search(ctx, elastic.EventsDataStream, q, &sr); err != nil {
		return nil, nil, fmt.Errorf("reconcile: find duplicates: %w", err)
	}
	newest := make(map[string]*time.Time, len(sr.Aggregations.FP.Buckets))
	found := make(map[string]int64, len(sr.Aggregations.FP.Buckets))
	for _, b := range sr.Aggregations.FP.Buckets {
		newest[b.Key], found[b.Key] = b.Newest.time(), b.Count
	}
	return newest, found, nil
}

// millis is a date aggregation's value.
type millis struct {
	Value *float64 `json:"value"`
}

func (m millis) time() *time.Time {
	if m.Value == nil {
		return nil
	}
	t := time.UnixMilli(int64(*m.Value)).UTC()
	return &t
}

// search runs a query on an index and decodes its answer.
func (s *Store) search(ctx context.Context, index string, q map[string]any, out any) error {
	body, err := json.Marshal(q)
	if err != nil {
		return fmt.Errorf("encode query: %w", err)
	}
	res, err := s.es.Search(s.es.Search.WithIndex(index), s.es.Search.WithBody(bytes.NewReader(body)),
		s.es.Search.WithContext(ctx))
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.IsError() {
		return elastic.Check(res, nil)
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return nil
}

// markDue makes fp's group due for a recount at or after due. It reports a
// missing group rather than creating one: a group is created with its
// events' count, which is not known before due.
func (s *Store) markDue(ctx context.Context, fp string, due time.Time) (missing bool, err error) {
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
func (s *Store) recountGroup(ctx context.Context, fp string, sample *Delta, horizon int64) (*group.Candidate, error) {
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

// modifyGroup reads fp's group, lets change edit it, and writes it back only
// if nobody wrote the group in between, reading it again after a conflict.
// change returns false to write nothing. found is false, and change not
// called, when there is no such group.
func (s *Store) modifyGroup(ctx context.Context, fp string, change func(*group.Group) (bool, error)) (found bool, err error) {
	for attempt := 0; attempt < 10; attempt++ {
		stored, err := s.getGroups(ctx, []Delta{{Fingerprint: fp}})
		if err != nil {
			return false, err
		}
		sg, ok := stored[fp]
		if !ok {
			return false, nil
		}
		g := sg.Group
		write, err := change(&g)
		if err != nil || !write {
			return true, err
		}
		conflict, err := s.putGroup(ctx, sg, g)
		if err != nil || !conflict {
			return true, err
		}
	}
	return true, errors.New("still conflicting after 10 attempts")
}

// createCounted creates the group of d's fingerprint from its events stored
// before the horizon (or without stored_at), with d's sample.
func (s *Store) createCounted(ctx context.Context, d Delta, horizon int64) (*group.Candidate, error) {
	q := map[string]any{
		"size":             0,
		"track_total_hits": true,
		"query":            storedQuery(d.Fingerprint, nil, horizon),
		"aggs": map[string]any{
			"first": map[string]any{"min": map[string]any{"field": "@timestamp"}},
			"last":  map[string]any{"max": map[string]any{"field": "@timestamp"}},
		},
	}
	var sr struct {
		totalHits
		Aggregations struct {
			First millis `json:"first"`
			Last  millis `json:"last"`
		} `json:"aggregations"`
	}
	if err := s.search(ctx, elastic.EventsDataStream, q, &sr); err != nil {
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

// totalHits is the exact hit count of a search with track_total_hits.
type totalHits struct {
	Hits struct {
		Total struct {
			Value int64 `json:"value"`
		} `json:"total"`
	} `json:"hits"`
}

func (h totalHits) Total() int64 { return h.Hits.Total.Value }

// countStored counts fp's events stored in [from, before) (Unix seconds),
// and those of them stored from window on. from 0 or less also counts the
// events without stored_at.
func (s *Store) countStored(ctx context.Context, fp string, from, window, before int64) (total, inWindow int64, err error) {
	var since *int64
	if from > 0 {
		since = &from
	}
	q := map[string]any{
		"size":             0,
		"track_total_hits": true,
		"query":            storedQuery(fp, since, before),
	}
	if window < before {
		q["aggs"] = map[string]any{"window": map[string]any{"filter": map[string]any{"range": map[string]any{
			"faultline.stored_at": map[string]any{"gte": window * 1000, "format": "epoch_millis"}}}}}
	}
	var sr struct {
		totalHits
		Aggregations struct {
			Window struct {
				Count int64 `json:"doc_count"`
			} `json:"window"`
		} `json:"aggregations"`
	}
	if err := s.search(ctx, elastic.EventsDataStream, q, &sr); err != nil {
		return 0, 0, fmt.Errorf("count events: %w", err)
	}
	return sr.Total(), sr.Aggregations.Window.Count, nil
}

func storedQuery(fp string, since *int64, before int64) map[string]any {
	filter := []any{map[string]any{"term": map[string]any{"faultline.fingerprint": fp}}}
	if since != nil {
		filter = append(filter, map[string]any{"range": map[string]any{"faultline.stored_at": map[string]any{
			"gte": *since * 1000, "lt": before * 1000, "format": "epoch_millis"}}})
		return map[string]any{"bool": map[string]any{"filter": filter}}
	}
	return map[string]any{"bool": map[string]any{
		"filter":   filter,
		"must_not": []any{map[string]any{"range": map[string]any{"faultline.stored_at": map[string]any{"gte": before * 1000, "format": "epoch_millis"}}}},
	}}
}

// putGroup writes g over sg (creating it when sg was not found), only if
// nobody wrote it since sg was read, and keeps the cache in step.
func (s *Store) putGroup(ctx context.Context, sg storedGroup, g group.Group) (conflict bool, err error) {
	body, err := json.Marshal(g)
	if err != nil {
		return false, fmt.Errorf("encode group: %w", err)
	}
	opts := []func(*esapi.IndexRequest){s.es.Index.WithDocumentID(g.Fingerprint), s.es.Index.WithContext(ctx)}
	if sg.found {
		opts = append(opts, s.es.Index.WithIfSeqNo(int(sg.seqNo)), s.es.Index.WithIfPrimaryTerm(int(sg.primaryTerm)))
	} else {
		opts = append(opts, s.es.Index.WithOpType("create"))
	}
	res, err := s.es.Index(elastic.GroupsIndex, bytes.NewReader(body), opts...)
	if err != nil {
		s.groups.Remove(g.Fingerprint)
		return false, err
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusConflict {
		s.groups.Remove(g.Fingerprint)
		return true, nil
	}
	if res.IsError() {
		s.groups.Remove(g.Fingerprint)
		return false, elastic.Check(res, nil)
	}
	var ir struct {
		SeqNo       int64 `json:"_seq_no"`
		PrimaryTerm int64 `json:"_primary_term"`
	}
	if err := json.NewDecoder(res.Body).Decode(&ir); err != nil {
		// Written, but the cache cannot know its sequence number.
		s.groups.Remove(g.Fingerprint)
		return false, nil
	}
	s.groups.Add(g.Fingerprint, storedGroup{Group: g, seqNo: ir.SeqNo, primaryTerm: ir.PrimaryTerm, found: true})
	return false, nil
}

// RecountDue recounts up to limit groups whose recount is due, and returns
// how many it found. Groups a redelivery is waiting on go first, the most
// overdue first: a count that misses events matters more than folding an
// active group's buckets, of which a node that had a burst of new groups may
// have thousands due at once.
func (s *Store) RecountDue(ctx context.Context, limit int) (int, error) {
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
func (s *Store) dueGroups(ctx context.Context, now time.Time, limit int, first bool) ([]string, error) {
	due := map[string]any{"range": map[string]any{"tally.due": map[string]any{"lte": now.UnixMilli(), "format": "epoch_millis"}}}
	awaited := map[string]any{"exists": map[string]any{"field": "tally.await"}}
	cond := map[string]any{"filter": []any{due, awaited}}
	if !first {
		cond = map[string]any{"filter": []any{due}, "must_not": []any{awaited}}
	}
	q := map[string]any{
		"size":  limit,
		"query": map[string]any{"bool": cond},
		"sort":  []any{map[string]any{"tally.due": "asc"}},
	}
	fps, err := s.searchIDs(ctx, elastic.GroupsIndex, q)
	if err != nil {
		return nil, fmt.Errorf("find due groups: %w", err)
	}
	return fps, nil
}

// searchIDs runs a query on an index and returns the ids of its hits.
func (s *Store) searchIDs(ctx context.Context, index string, q map[string]any) ([]string, error) {
	q["_source"] = false
	var sr struct {
		Hits struct {
			Hits []struct {
				ID string `json:"_id"`
			} `json:"hits"`
		} `json:"hits"`
	}
	if err := s.search(ctx, index, q, &sr); err != nil {
		return nil, err
	}
	ids := make([]string, len(sr.Hits.Hits))
	for i, h := range sr.Hits.Hits {
		ids[i] = h.ID
	}
	return ids, nil
}
