package processor

import (
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
