package processor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/faultline/faultline/internal/config"
	"github.com/faultline/faultline/internal/elastic"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/group"
	"github.com/faultline/faultline/internal/testenv"
)

// stores are the three stores of one processor on one shared store, as New
// builds them, so a test writes events, counts and reads groups through one
// value.
type stores struct {
	*store
	*EventWriter
	*Counter
	*Groups
}

func newStores(es *elasticsearch.Client) *stores {
	shared := newStore(es, nil)
	return &stores{store: shared, EventWriter: newEventWriter(shared), Counter: newCounter(shared), Groups: &Groups{shared}}
}

func testStore(t testing.TB) *stores {
	t.Helper()
	es, err := elastic.NewClient([]string{testenv.ElasticsearchURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := elastic.Setup(context.Background(), es); err != nil {
		t.Fatalf("setup: %v", err)
	}
	return newStores(es)
}

func TestCreateEventsIsIdempotent(t *testing.T) {
	s := testStore(t)
	ctx := context.Background()
	id := fmt.Sprintf("store-test-%d", time.Now().UnixNano())
	ev := &event.Event{Timestamp: time.Now().UTC(), Message: "boom", Service: event.Service{Name: "store-test"}, Event: event.Meta{ID: id}}
	first, err := s.CreateEvents(ctx, []*event.Event{ev})
	if err != nil {
		t.Fatal(err)
	}
	if first[0].Outcome != Created {
		t.Fatalf("first write: %+v, want Created", first[0])
	}
	again, err := s.CreateEvents(ctx, []*event.Event{ev})
	if err != nil {
		t.Fatal(err)
	}
	if again[0].Outcome != Duplicate {
		t.Fatalf("redelivered write: %+v, want Duplicate", again[0])
	}
	// A document the mapping cannot take is a permanent failure, not a retry.
	bad := Doc{ID: id + "-bad", JSON: []byte(`{"@timestamp":"2026-12-03T00:00:00Z","message":"x","labels":"not an object"}`)}
	res, err := s.CreateDocs(ctx, []Doc{bad})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Outcome != Permanent || res[0].Reason == "" {
		t.Errorf("unmappable event: %+v, want Permanent with a reason", res[0])
	}
}

// Several replicas updating one group at once must not lose an increment.
func TestUpdateGroupsConcurrently(t *testing.T) {
	s := testStore(t)
	ctx := context.Background()
	fp := fmt.Sprintf("test-group-%d", time.Now().UnixNano())
	sample := &event.Event{Message: "boom", Service: event.Service{Name: "store-test"}, Error: &event.Error{Type: "java.lang.IllegalStateException", Message: "boom"}}
	const replicas, rounds = 4, 5
	var mu sync.Mutex
	kinds := map[group.Kind]int{}
	var wg sync.WaitGroup
	for r := 0; r < replicas; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				now := time.Now().UTC()
				cs, err := s.UpdateGroups(ctx, []Delta{{Fingerprint: fp, Count: 2, First: now, Last: now, Sample: sample}})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for _, c := range cs {
					kinds[c.Kind]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	stored, err := s.getGroups(ctx, []Delta{{Fingerprint: fp}})
	if err != nil {
		t.Fatal(err)
	}
	g := stored[fp]
	if want := int64(replicas * rounds * 2); g.Count != want {
		t.Errorf("count = %d, want %d", g.Count, want)
	}
	if kinds[group.KindNew] != 1 || kinds[group.KindRepeat] != replicas*rounds-1 {
		t.Errorf("candidates = %v, want exactly one new", kinds)
	}
	if g.Title != "IllegalStateException: boom" || g.Status != group.StatusOpen {
		t.Errorf("group = %+v", g.Group)
	}
}

// Resolve, then a new occurrence: a regression that reopens the group.
// Mute: occurrences still count but the candidate carries the mute.
func TestStatusChanges(t *testing.T) {
	s := testStore(t)
	ctx := context.Background()
	fp := fmt.Sprintf("status-test-%d", time.Now().UnixNano())
	sample := &event.Event{Message: "boom", Service: event.Service{Name: "status-test"}}
	now := time.Now().UTC()
	add := func() group.Candidate {
		t.Helper()
		cs, err := s.UpdateGroups(ctx, []Delta{{Fingerprint: fp, Count: 1, First: now, Last: now, Sample: sample}})
		if err != nil || len(cs) != 1 {
			t.Fatalf("update: %v %v", cs, err)
		}
		return cs[0]
	}
	add()
	if _, err := s.SetStatus(ctx, fp, group.StatusChange{Action: "resolve", By: "test", At: now}, nil); err != nil {
		t.Fatal(err)
	}
	if c := add(); c.Kind != group.KindRegression || c.Group.Status != group.StatusOpen || c.Group.Count != 2 {
		t.Errorf("after resolve: %+v", c)
	}
	until := time.Now().Add(time.Hour).UTC()
	if _, err := s.SetStatus(ctx, fp, group.StatusChange{Action: "mute", By: "test", At: now, Until: &until}, nil); err != nil {
		t.Fatal(err)
	}
	if c := add(); c.Kind != group.KindRepeat || c.Group.Status != group.StatusMuted || c.Group.Count != 3 {
		t.Errorf("while muted: %+v", c)
	}
	past := time.Now().Add(-time.Minute).UTC()
	if _, err := s.SetStatus(ctx, fp, group.StatusChange{Action: "mute", By: "test", At: now, Until: &past}, nil); err != nil {
		t.Fatal(err)
	}
	if c := add(); c.Group.Status != group.StatusOpen {
		t.Errorf("after the mute expired: %+v", c.Group)
	}
	if _, err := s.SetStatus(ctx, "no-such-group", group.StatusChange{Action: "resolve", By: "test", At: now}, nil); !errors.Is(err, group.ErrNotFound) {
		t.Errorf("status of a missing group: %v, want group.ErrNotFound", err)
	}
	list, err := s.ListGroups(ctx, "status-test", nil, 10)
	if err != nil || len(list) == 0 {
		t.Errorf("list: %v %v", list, err)
	}
}

func TestThresholdCrossing(t *testing.T) {
	s := testStore(t)
	s.Threshold = config.Threshold{Count: 5, Window: config.Duration{Duration: time.Minute}}
	ctx := context.Background()
	fp := fmt.Sprintf("threshold-test-%d", time.Now().UnixNano())
	sample := &event.Event{Message: "boom", Service: event.Service{Name: "threshold-test"}}
	var kinds []group.Kind
	for i := 0; i < 4; i++ {
		now := time.Now().UTC()
		cs, err := s.UpdateGroups(ctx, []Delta{{Fingerprint: fp, Count: 2, First: now, Last: now, Sample: sample}})
		if err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, cs[0].Kind)
	}
	want := []group.Kind{group.KindNew, group.KindRepeat, group.KindThreshold, group.KindRepeat}
	if !slices.Equal(kinds, want) {
		t.Errorf("kinds = %v, want %v (5 events crossed at the third batch)", kinds, want)
	}
}

// Two replicas, each with its own cache of groups it wrote: taking turns on
// one group, every write meets a stale cache entry at least once, and no
// increment may be lost to it.
func TestGroupCacheAcrossReplicas(t *testing.T) {
	a := testStore(t)
	b := newStores(a.es)
	ctx := context.Background()
	fp := fmt.Sprintf("cache-test-%d", time.Now().UnixNano())
	sample := &event.Event{Message: "boom", Service: event.Service{Name: "cache-test"}}
	for i := 0; i < 6; i++ {
		s := a
		if i%2 == 1 {
			s = b
		}
		now := time.Now().UTC()
		if _, err := s.UpdateGroups(ctx, []Delta{{Fingerprint: fp, Count: 3, First: now, Last: now, Sample: sample}}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := a.getGroups(ctx, []Delta{{Fingerprint: fp}})
	if err != nil {
		t.Fatal(err)
	}
	if got[fp].Count != 18 {
		t.Errorf("count = %d, want 18", got[fp].Count)
	}
	if _, ok := a.groups.Get(fp); !ok {
		t.Error("the group a replica wrote is not cached")
	}
}

// One group of a bulk that Elasticsearch refuses must not cost the others
// written in the same bulk their candidates (a "new group" alert) or their
// cache entries.
func TestUpdateGroupsPastARefusedGroup(t *testing.T) {
	testStore(t) // the templates
	x := newESInterceptor(t)
	es, err := elastic.NewClient([]string{x.URL})
	if err != nil {
		t.Fatal(err)
	}
	s := newStores(es)
	ctx := context.Background()
	now := time.Now().UTC()
	bad := fmt.Sprintf("refused-group-%d", now.UnixNano())
	good := fmt.Sprintf("accepted-group-%d", now.UnixNano())
	// A field the strict groups mapping does not have, added on the way:
	// Elasticsearch refuses that one document of the bulk.
	x.rewrite = func(path string, body []byte) []byte {
		if !strings.HasSuffix(path, "/_bulk") {
			return body
		}
		lines := bytes.Split(body, []byte("\n"))
		for i := 0; i+1 < len(lines); i += 2 {
			if bytes.Contains(lines[i], []byte(bad)) {
				lines[i+1] = append([]byte(`{"not_in_the_mapping":1,`), lines[i+1][1:]...)
			}
		}
		return bytes.Join(lines, []byte("\n"))
	}
	sample := &event.Event{Message: "boom", Service: event.Service{Name: "store-test"}}
	cs, err := s.UpdateGroups(ctx, []Delta{
		{Fingerprint: bad, Count: 1, First: now, Last: now, Sample: sample},
		{Fingerprint: good, Count: 2, First: now, Last: now, Sample: sample},
	})
	if err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("error = %v, want one naming %s", err, bad)
	}
	if len(cs) != 1 || cs[0].Group.Fingerprint != good || cs[0].Kind != group.KindNew || cs[0].Group.Count != 2 {
		t.Fatalf("candidates = %+v, want the new group %s", cs, good)
	}
	if _, ok := s.groups.Get(good); !ok {
		t.Error("the group written is not cached")
	}
	stored, err := s.getGroups(ctx, []Delta{{Fingerprint: bad}, {Fingerprint: good}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := stored[bad]; ok || stored[good].Count != 2 {
		t.Errorf("stored = %+v", stored)
	}
}
