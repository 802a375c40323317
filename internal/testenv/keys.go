package testenv

import (
	"cmp"
	"maps"
	"slices"
	"testing"
)

// SameKeys fails t unless table has an entry for each of want and no other:
// a table keyed by a list another package owns (config's channel types or
// match keys, say) is held to that list.
func SameKeys[K cmp.Ordered, V any](t testing.TB, what string, table map[K]V, want []K) {
	t.Helper()
	have := slices.Sorted(maps.Keys(table))
	if w := slices.Sorted(slices.Values(want)); !slices.Equal(have, w) {
		t.Errorf("%s: the table has %v, the list %v", what, have, w)
	}
}
