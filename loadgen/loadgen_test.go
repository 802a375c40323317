package loadgen

import (
	"github.com/faultline/faultline/grouping"
	"testing"

	"github.com/faultline/faultline/ingest"
)

// The load must look like real bugs to the pipeline: each bug one group
// whatever its line numbers and arguments, different bugs different groups.
func TestEventsGroupByBug(t *testing.T) {
	g := NewGenerator(Config{Services: 3, Bugs: 20, Seed: 1})
	f := grouping.NewFingerprinter()
	byBug := map[int]string{}
	seen := map[string]int{}
	for b := 0; b < 20; b++ {
		for n := 0; n < 5; n++ {
			ev, err := ingest.ParseEvent(g.Event(b, n))
			if err != nil {
				t.Fatalf("bug %d event %d: %v", b, n, err)
			}
			if ev.Event.Dataset != "logback" || len(ev.Faultline.Exceptions) != 2 || ev.Service.Name != g.Service(b) {
				t.Fatalf("bug %d: parsed as %s with %d exceptions, service %q", b, ev.Event.Dataset, len(ev.Faultline.Exceptions), ev.Service.Name)
			}
			fp := f.Compute(&ev).Fingerprint
			if prev, ok := byBug[b]; ok && prev != fp {
				t.Errorf("bug %d split into two groups", b)
			}
			byBug[b] = fp
			if other, ok := seen[fp]; ok && other != b {
				t.Errorf("bugs %d and %d share a group", b, other)
			}
			seen[fp] = b
		}
	}
}

// The long tail: the most frequent bug is far more common than the median.
func TestLongTail(t *testing.T) {
	g := NewGenerator(Config{Bugs: 50, Seed: 7})
	counts := make([]int, 50)
	for i := 0; i < 20000; i++ {
		counts[g.nextBug()]++
	}
	if counts[0] < 10*counts[25] {
		t.Errorf("bug 0 %d times, bug 25 %d times: not a long tail", counts[0], counts[25])
	}
}
