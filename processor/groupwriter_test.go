package processor

import (
	"context"
	"errors"
	"github.com/faultline/faultline/grouping"
	"reflect"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/event"
)

func TestMergeDeltas(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	older, newer := &event.Event{Message: "older"}, &event.Event{Message: "newer"}
	a := []Delta{
		{Fingerprint: "x", Count: 2, First: t0.Add(time.Second), Last: t0.Add(2 * time.Second), Sample: older},
		{Fingerprint: "y", Count: 1, First: t0, Last: t0},
	}
	b := []Delta{
		{Fingerprint: "z", Count: 4, First: t0, Last: t0},
		{Fingerprint: "x", Count: 3, First: t0, Last: t0.Add(5 * time.Second), Sample: newer},
	}
	got := mergeDeltas([][]Delta{a, b})
	want := []Delta{
		{Fingerprint: "x", Count: 5, First: t0, Last: t0.Add(5 * time.Second), Sample: newer},
		{Fingerprint: "y", Count: 1, First: t0, Last: t0},
		{Fingerprint: "z", Count: 4, First: t0, Last: t0},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("merged:\n got %+v\nwant %+v", got, want)
	}
	// The inputs are the batches' own: merging must not change them.
	if a[0].Count != 2 || b[1].Count != 3 {
		t.Errorf("inputs changed: %+v %+v", a[0], b[1])
	}
}

// A batch's own deltas are built the same way: the newest event is the
// sample whatever the order the events came in.
func TestDeltaSetKeepsTheNewestSample(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	fp := grouping.Result{Fingerprint: "x", Culprit: "com.acme.Jobs.run"}
	newer := &event.Event{Message: "newer", Timestamp: t0.Add(time.Second)}
	older := &event.Event{Message: "older", Timestamp: t0}
	var set deltaSet
	set.add(deltaOf(newer, fp))
	set.add(deltaOf(older, fp))
	want := []Delta{{Fingerprint: "x", Culprit: "com.acme.Jobs.run", Count: 2, First: t0, Last: t0.Add(time.Second), Sample: newer}}
	if !reflect.DeepEqual(set.list, want) {
		t.Errorf("deltas:\n got %+v\nwant %+v", set.list, want)
	}
}

// A batch whose context ends while the writer is busy gives up instead of
// blocking its worker; a request the writer took carries the batch's
// deadline, which bounds the update (a late count could be counted twice).
func TestWriteGroupsForGivesUpWithItsContext(t *testing.T) {
	p := &Processor{groupReqs: make(chan groupRequest)}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := p.writeGroupsFor(ctx, []Delta{{Fingerprint: "x", Count: 2}}, nil, nil)
	if !errors.Is(res.update, context.Canceled) {
		t.Errorf("update error = %v, want context.Canceled", res.update)
	}

	// Taken by the writer but not answered.
	p.groupReqs = make(chan groupRequest, 1)
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if res := p.writeGroupsFor(ctx, []Delta{{Fingerprint: "x", Count: 1}}, nil, nil); !errors.Is(res.update, context.DeadlineExceeded) {
		t.Errorf("update error = %v, want context.DeadlineExceeded", res.update)
	}
	want, _ := ctx.Deadline()
	if r := <-p.groupReqs; !r.deadline.Equal(want) {
		t.Errorf("request deadline = %v, want the batch's %v", r.deadline, want)
	}
}
