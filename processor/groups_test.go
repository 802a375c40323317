package processor

import (
	"path"
	"regexp"
	"testing"
)

// The scope of a read key is a path.Match glob that Elasticsearch evaluates
// as a regexp: both must pick the same services. Lucene's syntax for what
// GlobRegexp writes (escapes, classes, [^/]*) is RE2's, so Go's regexp
// stands in for it here; TestScopedList runs the real query.
func TestGlobRegexpMatchesLikePathMatch(t *testing.T) {
	names := []string{"", "checkout", "checkout-api", "checkout/api", "payments", "pay.ments", "a", "ab", "b", "[x]", "x*y", "x?y", "é-svc", "team-1", "team-9", "team-x", "-", "a+b", "a|b", "(a)", "a\\b"}
	globs := []string{"checkout", "checkout-*", "checkout*", "*", "?", "??", "pay.ments", "pay?ments", "team-[0-5]", "team-[^0-5]", "[ab]", "\\[x\\]", "x\\*y", "x\\?y", "é-*", "a+b", "a|b", "(a)", "a\\\\b", "*/*", "[a-b]*", "[\\-]"}
	for _, g := range globs {
		if _, err := path.Match(g, ""); err != nil {
			t.Fatalf("test glob %q is malformed: %v", g, err)
		}
		re, err := regexp.Compile("^(?:" + GlobRegexp(g) + ")$")
		if err != nil {
			t.Errorf("GlobRegexp(%q) = %q: %v", g, GlobRegexp(g), err)
			continue
		}
		for _, n := range names {
			want, _ := path.Match(g, n)
			if got := re.MatchString(n); got != want {
				t.Errorf("glob %q (regexp %q) on %q: %v, path.Match says %v", g, GlobRegexp(g), n, got, want)
			}
		}
	}
}
