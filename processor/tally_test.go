package processor

import (
	"context"
	"fmt"
	"github.com/faultline/faultline/grouping"
	"slices"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/elastic"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/group"
)

func TestTallyBuckets(t *testing.T) {
	c := TallyConfig{Bucket: time.Minute, Settle: 3 * time.Minute}
	at := time.Date(2026, 11, 25, 10, 4, 59, 999e6, time.UTC)
	if got, want := c.bucket(at), time.Date(2026, 11, 25, 10, 4, 0, 0, time.UTC).Unix(); got != want {
		t.Errorf("bucket = %d, want %d", got, want)
	}
	if got, want := c.horizon(at), time.Date(2026, 11, 25, 10, 1, 0, 0, time.UTC).Unix(); got != want {
		t.Errorf("horizon = %d, want %d", got, want)
	}
	if got := c.bucket(time.Unix(-61, 0)); got != -120 {
		t.Errorf("bucket before 1970 = %d, want -120", got)
	}
	got := mergeBuckets([]Bucket{{60, 1}}, []Bucket{{120, 2}, {60, 3}})
	if len(got) != 2 || got[0] != (Bucket{60, 4}) || got[1] != (Bucket{120, 2}) {
		t.Errorf("merged = %v", got)
	}
}

// addTally never writes into the group it was given: that one may be the
// cache's.
func TestAddTallyLeavesTheStoredGroupAlone(t *testing.T) {
	c := TallyConfig{Bucket: time.Second, Settle: time.Minute, Recount: time.Minute}
	now := time.Unix(1000, 0)
	stored := group.Group{Count: 3, Tally: &group.Tally{Since: time.Unix(100, 0), Recent: map[string]int64{"100": 3}}}
	g := stored
	fresh := addTally(&g, false, Delta{Count: 3, Stored: []Bucket{{100, 1}, {99, 2}}}, c, now)
	if fresh != 1 {
		t.Errorf("fresh = %d, want 1: bucket 99 is before since and was recounted", fresh)
	}
	if g.Tally.Recent["100"] != 4 || stored.Tally.Recent["100"] != 3 || stored.Tally.Due != nil {
		t.Errorf("tally = %+v, stored tally = %+v", g.Tally, stored.Tally)
	}
	if g.Tally.Due == nil || !g.Tally.Due.Equal(now.Add(time.Minute)) {
		t.Errorf("due = %v, want a recount a minute on", g.Tally.Due)
	}
}

// The race the tally exists for: a recount while another replica has an
// event stored and not yet counted, and an event whose processor stopped
// before counting it. Whatever the order of the in-flight update and the
// recounts, and however far the horizon has moved, the count ends exact,
// and a recount never undoes what it should not.
func TestRecountIsExactWhateverTheOrder(t *testing.T) {
	base := testStore(t)
	ctx := context.Background()
	const settle = 10 * time.Second
	t0 := time.Now().UTC().Truncate(time.Second).Add(-time.Minute)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	// horizonAfter is a time at which events stored before at(s) are settled
	// and those stored from at(s) on are not.
	horizonAfter := func(s float64) time.Time { return at(s).Add(settle + 500*time.Millisecond) }

	for _, order := range []struct {
		name string
		// steps: "update" applies the in-flight event's count; a number
		// recounts with the horizon just after that second.
		steps []any
	}{
		{"update, then a recount that settles everything", []any{"update", 3.0}},
		{"recount settling all, then the late update", []any{3.0, "update"}},
		{"recount settling the crashed event only, then the update", []any{2.0, "update", 3.0}},
		{"update, then recount settling the crashed event only", []any{"update", 2.0, 3.0}},
		{"recount before anything settled, update, two recounts", []any{0.5, "update", 2.0, 3.0, 3.0}},
	} {
		t.Run(order.name, func(t *testing.T) {
			s := newStores(base.es)
			s.Tally = TallyConfig{Bucket: time.Second, Settle: settle, Recount: time.Hour}
			now := time.Now()
			s.now = func() time.Time { return now }
			service := fmt.Sprintf("tally-%d", time.Now().UnixNano())
			mk := func(i int, stored time.Time) *event.Event {
				return &event.Event{Timestamp: stored, Message: "Payout failed", Log: event.Log{Level: "ERROR"},
					Service: event.Service{Name: service}, Event: event.Meta{ID: fmt.Sprintf("%s-%d", service, i)},
					Faultline: event.Faultline{Fingerprint: service, StoredAt: &stored}}
			}
			counted, crashed, inflight := mk(0, at(0)), mk(1, at(1)), mk(2, at(2))
			if _, err := s.CreateEvents(ctx, []*event.Event{counted, crashed, inflight}); err != nil {
				t.Fatal(err)
			}
			if err := elastic.Check(s.es.Indices.Refresh(s.es.Indices.Refresh.WithIndex(elastic.EventsDataStream))); err != nil {
				t.Fatal(err)
			}
			deltaFor := func(ev *event.Event) Delta {
				d := deltaOf(ev, grouping.Result{Fingerprint: service})
				d.Stored = []Bucket{{Start: s.Tally.bucket(*ev.Faultline.StoredAt), N: 1}}
				return d
			}
			if _, err := s.UpdateGroups(ctx, []Delta{deltaFor(counted)}); err != nil {
				t.Fatal(err)
			}
			for _, step := range order.steps {
				switch step := step.(type) {
				case string:
					if _, err := s.UpdateGroups(ctx, []Delta{deltaFor(inflight)}); err != nil {
						t.Fatal(err)
					}
				case float64:
					now = horizonAfter(step)
					if _, err := s.recountGroup(ctx, service, nil, s.Tally.horizon(now)); err != nil {
						t.Fatal(err)
					}
				}
			}
			if n := groupCount(s, service); n != 3 {
				t.Errorf("count = %d, want 3", n)
			}
		})
	}
}

// A group whose events were all stored by a delivery that stopped before
// creating it is created by the recount, with their count, once settled.
func TestRecountCreatesAMissingGroup(t *testing.T) {
	s := testStore(t)
	ctx := context.Background()
	s.Tally = TallyConfig{Bucket: time.Second, Settle: 5 * time.Second, Recount: time.Hour}
	service := fmt.Sprintf("unborn-%d", time.Now().UnixNano())
	stored := time.Now().UTC().Add(-time.Minute).Truncate(time.Millisecond)
	var evs []*event.Event
	var ids []string
	for i := 0; i < 3; i++ {
		ev := &event.Event{Timestamp: stored.Add(time.Duration(i) * time.Second), Message: "Import failed", Log: event.Log{Level: "ERROR"},
			Service: event.Service{Name: service}, Event: event.Meta{ID: fmt.Sprintf("%s-%d", service, i)},
			Faultline: event.Faultline{Fingerprint: service, StoredAt: &stored}}
		evs, ids = append(evs, ev), append(ids, ev.Event.ID)
	}
	if _, err := s.CreateEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if err := elastic.Check(s.es.Indices.Refresh(s.es.Indices.Refresh.WithIndex(elastic.EventsDataStream))); err != nil {
		t.Fatal(err)
	}
	// Not settled yet: the group cannot be created, and the duplicates are
	// to come back when they are.
	s.now = func() time.Time { return stored.Add(2 * time.Second) }
	cs, deferred, err := s.Reconcile(ctx, []Delta{deltaOf(evs[2], grouping.Result{Fingerprint: service})}, ids[2:])
	if err != nil {
		t.Fatal(err)
	}
	wantDue := time.Unix(s.Tally.bucket(stored), 0).Add(s.Tally.Bucket + s.Tally.Settle).UTC()
	if len(cs) != 0 || !deferred[service].Equal(wantDue) {
		t.Fatalf("candidates %v, deferred %v: want none, and %s deferred to %v", cs, deferred, service, wantDue)
	}
	// Settled: created with all three events, and announced.
	s.now = func() time.Time { return wantDue }
	cs, deferred, err = s.Reconcile(ctx, []Delta{deltaOf(evs[2], grouping.Result{Fingerprint: service})}, ids[2:])
	if err != nil {
		t.Fatal(err)
	}
	if len(deferred) != 0 || len(cs) != 1 || cs[0].Kind != group.KindNew || cs[0].Group.Count != 3 || cs[0].Group.Tally != nil {
		t.Fatalf("candidates %+v, deferred %v: want one new group of 3", cs, deferred)
	}
	if !cs[0].Group.FirstSeen.Equal(evs[0].Timestamp) || !cs[0].Group.LastSeen.Equal(evs[2].Timestamp) {
		t.Errorf("seen %v .. %v, want %v .. %v", cs[0].Group.FirstSeen, cs[0].Group.LastSeen, evs[0].Timestamp, evs[2].Timestamp)
	}
	if n := groupCount(s, service); n != 3 {
		t.Errorf("stored count = %d, want 3", n)
	}
}

// An active group is recounted once due: its settled buckets fold into the
// count, which stays the same, so a group's bookkeeping stays small however
// long it keeps receiving events. A duplicate's recount time is kept until
// a recount at or after it.
func TestRecountDueBoundsTheBuckets(t *testing.T) {
	s := testStore(t)
	ctx := context.Background()
	s.Tally = TallyConfig{Bucket: time.Second, Settle: 10 * time.Second, Recount: 30 * time.Second}
	now := time.Now()
	s.now = func() time.Time { return now }
	service := fmt.Sprintf("due-%d", time.Now().UnixNano())
	t0 := now.UTC().Add(-time.Minute).Truncate(time.Second)
	var evs []*event.Event
	for i := 0; i < 3; i++ {
		at := t0.Add(time.Duration(i) * time.Second)
		evs = append(evs, &event.Event{Timestamp: at, Message: "Quota exceeded", Log: event.Log{Level: "ERROR"},
			Service: event.Service{Name: service}, Event: event.Meta{ID: fmt.Sprintf("%s-%d", service, i)},
			Faultline: event.Faultline{Fingerprint: service, StoredAt: &at}})
	}
	if _, err := s.CreateEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if err := elastic.Check(s.es.Indices.Refresh(s.es.Indices.Refresh.WithIndex(elastic.EventsDataStream))); err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		d := deltaOf(ev, grouping.Result{Fingerprint: service})
		d.Stored = []Bucket{{Start: s.Tally.bucket(*ev.Faultline.StoredAt), N: 1}}
		if _, err := s.UpdateGroups(ctx, []Delta{d}); err != nil {
			t.Fatal(err)
		}
	}
	tally := func() (int64, group.Tally) {
		t.Helper()
		g, err := s.getGroups(ctx, []Delta{{Fingerprint: service}})
		if err != nil || g[service].Tally == nil {
			t.Fatalf("group: %v, %+v", err, g[service])
		}
		return g[service].Count, *g[service].Tally
	}
	if n, tl := tally(); n != 3 || len(tl.Recent) != 3 || tl.Due == nil || !tl.Due.Equal(now.Add(30*time.Second).UTC()) {
		t.Fatalf("before: count %d, tally %+v", n, tl)
	}
	// Only this test's group is recounted: the clock here runs ahead, and a
	// horizon in the future would take other tests' in-flight events for
	// settled.
	recountDue := func() {
		t.Helper()
		if err := elastic.Check(s.es.Indices.Refresh(s.es.Indices.Refresh.WithIndex(elastic.GroupsIndex))); err != nil {
			t.Fatal(err)
		}
		var fps []string
		for _, awaited := range []bool{true, false} {
			some, err := s.dueGroups(ctx, now, 10000, awaited)
			if err != nil {
				t.Fatal(err)
			}
			fps = append(fps, some...)
		}
		if slices.Contains(fps, service) {
			if _, err := s.recountGroup(ctx, service, nil, s.Tally.horizon(now)); err != nil {
				t.Fatal(err)
			}
		}
	}
	recountDue()
	if n, tl := tally(); n != 3 || len(tl.Recent) != 3 {
		t.Fatalf("recounted before due: count %d, tally %+v", n, tl)
	}
	now = now.Add(31 * time.Second)
	recountDue()
	if n, tl := tally(); n != 3 || len(tl.Recent) != 0 || tl.Due != nil || !tl.Since.Equal(time.Unix(s.Tally.horizon(now), 0)) {
		t.Fatalf("after: count %d, tally %+v", n, tl)
	}

	// Two duplicates: the later one's time is awaited, the earlier one's
	// does not move it back.
	later, earlier := now.Add(20*time.Second).UTC(), now.Add(5*time.Second).UTC()
	for _, due := range []time.Time{later, earlier} {
		if missing, err := s.markDue(ctx, service, due); err != nil || missing {
			t.Fatalf("mark due: %v, missing %v", err, missing)
		}
	}
	if _, tl := tally(); tl.Await == nil || !tl.Await.Equal(later) || tl.Due == nil || !tl.Due.Equal(later) {
		t.Fatalf("marked: tally %+v, want due and await %v", tl, later)
	}
	// Awaited by a redelivery: recounted before the regular ones.
	if err := elastic.Check(s.es.Indices.Refresh(s.es.Indices.Refresh.WithIndex(elastic.GroupsIndex))); err != nil {
		t.Fatal(err)
	}
	if first, err := s.dueGroups(ctx, later, 10000, true); err != nil || !slices.Contains(first, service) {
		t.Fatalf("groups awaited at %v: %v (%v), want %s among them", later, first, err, service)
	}
	// A recount before then (the regular one) keeps waiting for it.
	if _, err := s.recountGroup(ctx, service, nil, s.Tally.horizon(now)); err != nil {
		t.Fatal(err)
	}
	if _, tl := tally(); tl.Due == nil || !tl.Due.Equal(later) {
		t.Fatalf("recounted early: tally %+v, want due %v", tl, later)
	}
	now = later
	recountDue()
	if _, tl := tally(); tl.Due != nil || tl.Await != nil {
		t.Fatalf("recounted at the awaited time: tally %+v, want nothing due", tl)
	}
}

// An event Elasticsearch makes searchable only after a recount passed its
// bucket (a queued bulk applied long after the processor gave up on it) is
// counted by the recount its redelivery causes: recounts count the last
// TallyConfig.Late again.
func TestRecountFindsALateWrite(t *testing.T) {
	s := testStore(t)
	ctx := context.Background()
	s.Tally = TallyConfig{Bucket: time.Second, Settle: 5 * time.Second, Recount: time.Hour, Late: time.Hour}
	service := fmt.Sprintf("late-%d", time.Now().UnixNano())
	t0 := time.Now().UTC().Add(-10 * time.Minute).Truncate(time.Second)
	write := func(i int, stored time.Time) (*event.Event, string) {
		t.Helper()
		ev := &event.Event{Timestamp: stored, Message: "Ledger out of balance", Log: event.Log{Level: "ERROR"},
			Service: event.Service{Name: service}, Event: event.Meta{ID: fmt.Sprintf("%s-%d", service, i)},
			Faultline: event.Faultline{Fingerprint: service, StoredAt: &stored}}
		if _, err := s.CreateEvents(ctx, []*event.Event{ev}); err != nil {
			t.Fatal(err)
		}
		if err := elastic.Check(s.es.Indices.Refresh(s.es.Indices.Refresh.WithIndex(elastic.EventsDataStream))); err != nil {
			t.Fatal(err)
		}
		return ev, ev.Event.ID
	}
	reconcile := func(at time.Time, ev *event.Event, id string) {
		t.Helper()
		s.now = func() time.Time { return at }
		if _, deferred, err := s.Reconcile(ctx, []Delta{deltaOf(ev, grouping.Result{Fingerprint: service})}, []string{id}); err != nil || len(deferred) != 0 {
			t.Fatalf("reconcile at %v: deferred %v, %v", at, deferred, err)
		}
	}
	// The group, created from its first event.
	ev, id := write(0, t0)
	reconcile(t0.Add(10*time.Second), ev, id)
	// A second event, counted by the recount its duplicate causes.
	ev, id = write(1, t0.Add(20*time.Second))
	reconcile(t0.Add(40*time.Second), ev, id)
	if n := groupCount(s, service); n != 2 {
		t.Fatalf("count %d after the second event, want 2", n)
	}
	// A third, stored in the bucket of the second, which the last recount
	// already passed: Elasticsearch applied it late. Its redelivery finds it.
	ev, id = write(2, t0.Add(20*time.Second))
	reconcile(t0.Add(60*time.Second), ev, id)
	if n := groupCount(s, service); n != 3 {
		t.Errorf("count %d after the late write, want 3", n)
	}
	// Past the window the bucket is final: recounts stop looking at it, and
	// the count stays.
	reconcile(t0.Add(2*time.Hour), ev, id)
	if n := groupCount(s, service); n != 3 {
		t.Errorf("count %d once the window passed, want 3", n)
	}
}
