package processor

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/faultline/faultline/grouping"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/testenv"
)

// A group an older grouping strategy made keeps the events that strategy
// puts in it, after the processor moved to a strategy that would split
// them; an event whose older group does not exist gets a group of the new
// strategy. Both are recorded on the group and on each stored event.
func TestOlderStrategyGroupKeepsItsEvents(t *testing.T) {
	store := testStore(t)
	js := startProcessor(t)
	ctx := context.Background()
	run := time.Now().UnixNano()
	service := fmt.Sprintf("transition-%d", run)
	throw := func(id, method, msg string) *event.Event {
		return &event.Event{Timestamp: time.Now().UTC(), Message: "request failed", Service: event.Service{Name: service},
			Log: event.Log{Level: "ERROR", Logger: "com.acme.Api"}, Event: event.Meta{ID: fmt.Sprintf("%s-%s", service, id)},
			Error: &event.Error{Type: "java.lang.IllegalArgumentException", Message: msg},
			Faultline: event.Faultline{Exceptions: []event.Exception{{Type: "java.lang.IllegalArgumentException", Message: msg, Frames: []event.Frame{
				{Class: "com.acme.Payments", Method: method, Line: 20},
				{Class: "com.acme.Api", Method: "handle", Line: 50},
			}}}}}
	}
	amount, currency := throw("amount", "validate", "amount must be positive"), throw("currency", "validate", "currency is required")
	fresh := throw("fresh", "refund", "refund window is closed")

	v1 := grouping.NewFingerprinter()
	v1.Strategy = grouping.StrategyV1
	old := v1.Compute(amount)
	if old.Fingerprint != v1.Compute(currency).Fingerprint {
		t.Fatal("faultline:1 should merge two throws in one method; the test assumes it")
	}
	latest := grouping.NewFingerprinter().Compute(amount)
	if latest.Fingerprint == old.Fingerprint || len(latest.Previous) != 1 || latest.Previous[0].Fingerprint != old.Fingerprint {
		t.Fatalf("latest %+v: want another fingerprint with faultline:1's as previous %s", latest, old.Fingerprint)
	}
	// The group faultline:1 made before the upgrade.
	seed := *amount
	seed.Event.ID += "-seed"
	if _, err := store.UpdateGroups(ctx, []Delta{deltaOf(&seed, old)}); err != nil {
		t.Fatal(err)
	}

	publishEvents(t, js, amount, currency, fresh)
	testenv.Eventually(t, "both throws counted in the faultline:1 group", 30*time.Second, func() bool { return groupCount(store, old.Fingerprint) == 3 })
	g, err := store.Group(ctx, old.Fingerprint)
	if err != nil {
		t.Fatal(err)
	}
	if g.GroupingStrategy != grouping.StrategyV1 {
		t.Errorf("old group's strategy %q, want %q", g.GroupingStrategy, grouping.StrategyV1)
	}
	if n := groupCount(store, latest.Fingerprint); n > 0 {
		t.Errorf("the latest strategy's group got %d events; the old group should have kept them", n)
	}
	newFP := grouping.NewFingerprinter().Compute(fresh).Fingerprint
	testenv.Eventually(t, "the fresh bug's group", 30*time.Second, func() bool { return groupCount(store, newFP) == 1 })
	if g, err := store.Group(ctx, newFP); err != nil || g.GroupingStrategy != grouping.Latest {
		t.Errorf("fresh group %+v (%v): want strategy %q", g.GroupingStrategy, err, grouping.Latest)
	}
	for id, want := range map[string][2]string{
		amount.Event.ID:   {old.Fingerprint, grouping.StrategyV1},
		currency.Event.ID: {old.Fingerprint, grouping.StrategyV1},
		fresh.Event.ID:    {newFP, grouping.Latest},
	} {
		var docs []json.RawMessage
		testenv.Eventually(t, "event "+id+" searchable", 30*time.Second, func() bool { docs = storedEvents(t, id); return len(docs) == 1 })
		var got event.Event
		if err := json.Unmarshal(docs[0], &got); err != nil {
			t.Fatal(err)
		}
		if got.Faultline.Fingerprint != want[0] || got.Faultline.GroupingStrategy != want[1] {
			t.Errorf("event %s stored with %s/%s, want %s/%s", id, got.Faultline.Fingerprint, got.Faultline.GroupingStrategy, want[0], want[1])
		}
	}
}
