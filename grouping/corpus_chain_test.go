package grouping

import (
	"testing"
)

// TestChainRuleCandidates measures, for the latest strategy and for the
// same strategy fingerprinting a chain by its outermost exception alone,
// precision and recall within each source and across the sources of each
// language (the Java corpus's encoders are its sources). ecs-logging and
// ecs-pino-format drop the causes, so across their sources recall on
// chained bugs needs the outermost rule, which merges Java's B15-B17 (one
// wrapper, three causes) within every source. README's Performance section
// quotes the figures.
func TestChainRuleCandidates(t *testing.T) {
	outer := *strategies[Latest]
	outer.id, outer.outermost, outer.previous = "outermost", true, nil
	strategies[outer.id] = &outer
	defer delete(strategies, outer.id)
	for _, id := range []string{Latest, outer.id} {
		f := NewFingerprinter()
		f.Strategy = id
		byLang := map[string][]*corpusEvent{}
		for _, s := range langCorpusSources {
			evs := loadLangCorpus(t, f, s.source)
			byLang[s.language] = append(byLang[s.language], evs...)
			t.Logf("%-10s %-11s within: %s", id, s.source, score(countPairs([][]*corpusEvent{evs})))
		}
		for _, lang := range []string{"python", "node", "go"} {
			t.Logf("%-10s %-11s across sources: %s", id, lang, score(countPairs([][]*corpusEvent{byLang[lang]})))
		}
		evs := loadCorpus(t, f)
		byFormat := map[string][]*corpusEvent{}
		for _, e := range evs {
			byFormat[e.dataset()] = append(byFormat[e.dataset()], e)
		}
		for _, ds := range corpusFormats {
			t.Logf("%-10s java %-6s within: %s", id, ds, score(countPairs([][]*corpusEvent{byFormat[ds]})))
		}
		t.Logf("%-10s java        across encoders: %s", id, score(countPairs([][]*corpusEvent{evs})))
	}
}
