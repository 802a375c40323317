package processor

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"slices"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/faultline/faultline/internal/elastic"
	"github.com/faultline/faultline/internal/event"
)

// The scope of a read key is a path.Match glob that Elasticsearch evaluates
// as a regexp: both must pick the same services. Lucene's syntax for what
// GlobRegexp writes (escapes, classes, [^/]*) is RE2's, so Go's regexp
// stands in for it here; TestScopedList runs the real query.
func TestGlobRegexpMatchesLikePathMatch(t *testing.T) {
	names := []string{"", "checkout", "checkout-api", "checkout/api", "payments", "pay.ments", "a", "ab", "b", "[x]", "x*y", "x?y", "é-svc", "team-1", "team-9", "team-x", "-", "a+b", "a|b", "(a)", "a\\b", "\n", "]", "^"}
	globs := []string{"checkout", "checkout-*", "checkout*", "*", "?", "??", "pay.ments", "pay?ments", "team-[0-5]", "team-[^0-5]", "[ab]", "\\[x\\]", "x\\*y", "x\\?y", "é-*", "a+b", "a|b", "(a)", "a\\\\b", "*/*", "[a-b]*", "[\\-]", "[2-0]", "[^2-0]", "[2-0a]", "[\\]-\\^]", "a*[!]"}
	for _, g := range globs {
		if _, err := path.Match(g, ""); err != nil {
			t.Fatalf("test glob %q is malformed: %v", g, err)
		}
		re, err := compileGlob(g)
		if err != nil {
			t.Error(err)
			continue
		}
		for _, n := range names {
			want, _ := path.Match(g, n)
			if got := re.MatchString(n); got != want {
				t.Errorf("glob %q on %q: %v, path.Match says %v", g, n, got, want)
			}
		}
	}
}

// compileGlob is GlobRegexp's answer as a Go regexp; a glob that can match
// nothing becomes one that matches nothing. (?s): Lucene's . matches a
// newline too.
func compileGlob(glob string) (*regexp.Regexp, error) {
	re, ok := GlobRegexp(glob)
	if !ok {
		re = `[^\x00-\x{10FFFF}]`
	}
	c, err := regexp.Compile("(?s)^(?:" + re + ")$")
	if err != nil {
		return nil, fmt.Errorf("GlobRegexp(%q) = %q: %w", glob, re, err)
	}
	return c, nil
}

// FuzzGlobRegexp: for every well-formed glob and name, the regexp sent to
// Elasticsearch agrees with path.Match.
func FuzzGlobRegexp(f *testing.F) {
	for _, seed := range [][2]string{{"checkout-*", "checkout-api"}, {"team-[^0-5]", "team-x"}, {"a\\*b", "a*b"}, {"[a-c]?", "b/"}, {"é*", "é-svc"}, {"x.y", "xzy"}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, glob, name string) {
		// Service names reach Elasticsearch as JSON, always UTF-8.
		if !utf8.ValidString(glob) || !utf8.ValidString(name) {
			return
		}
		want, err := path.Match(glob, name)
		if err != nil {
			return
		}
		re, err := compileGlob(glob)
		if err != nil {
			t.Fatal(err)
		}
		if got := re.MatchString(name); got != want {
			t.Fatalf("glob %q (regexp %v) on %q: %v, path.Match says %v", glob, re, name, got, want)
		}
	})
}

// TestScopedListInElasticsearch runs scope globs as Elasticsearch's regexp
// query and checks it picks the services path.Match picks.
func TestScopedListInElasticsearch(t *testing.T) {
	s := testStore(t)
	ctx := context.Background()
	run := fmt.Sprintf("glob%d", time.Now().UnixNano())
	services := []string{run + "-a1", run + "-b2", run + "-x.y", run + "-é", run + "-a/b", run + "-[z]"}
	now := time.Now().UTC()
	for _, svc := range services {
		if _, err := s.UpdateGroups(ctx, []Delta{{Fingerprint: svc, Count: 1, First: now, Last: now,
			Sample: &event.Event{Message: "boom", Service: event.Service{Name: svc}}}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := elastic.Check(s.es.Indices.Refresh(s.es.Indices.Refresh.WithIndex(elastic.GroupsIndex))); err != nil {
		t.Fatal(err)
	}
	for _, glob := range []string{"-*", "-a?", "-[ab][0-9]", "-[^a]*", "-x.y", "-x?y", "-é", "-?", "-*/*", "-\\[z\\]", "-[2-0]", "-[a-a]1"} {
		scope := []string{run + glob}
		got, err := s.ListGroups(ctx, "", scope, 100)
		if err != nil {
			t.Errorf("scope %q: %v", scope, err)
			continue
		}
		var have, want []string
		for _, g := range got {
			have = append(have, g.Service.Name)
		}
		for _, svc := range services {
			if ok, _ := path.Match(scope[0], svc); ok {
				want = append(want, svc)
			}
		}
		slices.Sort(have)
		slices.Sort(want)
		if !slices.Equal(have, want) {
			t.Errorf("scope %q: %v, path.Match picks %v", scope, have, want)
		}
	}
}
