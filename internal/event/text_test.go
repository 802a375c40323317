package event

import (
	"testing"
	"unicode/utf8"
)

func TestCutAndTruncate(t *testing.T) {
	for _, c := range []struct {
		s        string
		n        int
		cut, tru string
	}{
		{"short", 10, "short", "short"},
		{"exactly10!", 10, "exactly10!", "exactly10!"},
		{"abcdef", 3, "abc", "abc…"},
		{"aé", 2, "a", "a…"},   // é is two bytes: never half of it
		{"€uro", 2, "", "…"},   // € is three bytes
		{"€uro", 3, "€", "€…"}, // the whole rune fits
		{"", 0, "", ""},
	} {
		if got := Cut(c.s, c.n); got != c.cut || !utf8.ValidString(got) {
			t.Errorf("Cut(%q, %d) = %q, want %q", c.s, c.n, got, c.cut)
		}
		if got := Truncate(c.s, c.n); got != c.tru {
			t.Errorf("Truncate(%q, %d) = %q, want %q", c.s, c.n, got, c.tru)
		}
	}
}
