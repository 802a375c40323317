package grouping

// Grouping quality for Python, Go and Node stacks, against the labelled
// events that real programs logged through their usual libraries
// (schemas/testdata/corpus/langs, written by
// schemas/testdata/generator/langs/generate.sh; its README.md lists the
// bugs). Each file is one source: a language's logging library. A service
// logs through one, so the bar holds within each source.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline/faultline/ingest"
)

const langsCorpusDir = "../schemas/testdata/corpus/langs"

// langCorpusSources maps each source to its language. java-text holds the
// same kinds of bug thrown by Java; corpus_java_test.go measures the Java
// rules on it.
var langCorpusSources = []struct{ source, language string }{
	{"python-ecs", "python"}, {"python-json", "python"},
	{"node-pino", "node"}, {"node-ecs", "node"},
	{"go-slog", "go"},
	{"java-text", "java"},
}

// loadLangCorpus parses and fingerprints every event of one source, both builds.
func loadLangCorpus(t *testing.T, f *Fingerprinter, source string) []*corpusEvent {
	t.Helper()
	var out []*corpusEvent
	for _, build := range []string{"1", "2"} {
		file := filepath.Join(langsCorpusDir, source+".build"+build+".ndjson")
		body, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v; regenerate with schemas/testdata/generator/langs/generate.sh", err)
		}
		lines, lineErrs := ingest.SplitBody(body)
		if len(lineErrs) > 0 {
			t.Fatalf("%s: %+v", file, lineErrs)
		}
		for _, l := range lines {
			ev, err := ingest.ParseEvent(l.Raw)
			if err != nil {
				t.Fatalf("%s:%d: %v", file, l.N, err)
			}
			ce := &corpusEvent{where: fmt.Sprintf("%s:%d", filepath.Base(file), l.N), bug: ev.Labels["corpus_bug"],
				build: ev.Labels["corpus_build"], variant: ev.Labels["corpus_variant"], ev: ev}
			if ce.bug == "" || ce.build != build || len(ev.Faultline.Exceptions) == 0 {
				t.Fatalf("%s: bug %q build %q, %d exceptions", ce.where, ce.bug, ce.build, len(ev.Faultline.Exceptions))
			}
			ce.fp = f.Compute(&ce.ev).Fingerprint
			out = append(out, ce)
		}
	}
	return out
}

func TestGroupingCorpusLanguages(t *testing.T) {
	f := NewFingerprinter()
	byLanguage := map[string][]*corpusEvent{}
	var perSource [][]*corpusEvent
	for _, s := range langCorpusSources {
		evs := loadLangCorpus(t, f, s.source)
		c := countPairs([][]*corpusEvent{evs})
		perSource = append(perSource, evs)
		byLanguage[s.language] = append(byLanguage[s.language], evs...)
		t.Logf("%-11s %3d events, %2d bugs, %2d groups: precision %.4f recall %.4f (TP %d, FP %d, FN %d)", s.source, len(evs),
			len(distinct(evs, func(e *corpusEvent) string { return e.bug })), len(distinct(evs, func(e *corpusEvent) string { return e.fp })),
			c.precision(), c.recall(), c.tp, c.fp, c.fn)
		if c.precision() < corpusMinScore || c.recall() < corpusMinScore {
			t.Errorf("%s: precision %.4f recall %.4f, want both at least %.2f", s.source, c.precision(), c.recall(), corpusMinScore)
			reportMerges(t, f, [][]*corpusEvent{evs})
			reportSplits(t, f, [][]*corpusEvent{evs}, nil)
		}
		for bug, builds := range bugBuilds(evs) {
			if len(builds) != 2 {
				t.Errorf("%s: %s is in builds %v only", s.source, bug, keys(builds))
			}
		}
		// Java prints the file's name without its directory.
		if s.language != "java" {
			checkLinesMoved(t, s.source, evs)
		}
	}
	within := countPairs(perSource)
	t.Logf("pairs within each source: precision %.4f recall %.4f (TP %d, FP %d, FN %d)", within.precision(), within.recall(), within.tp, within.fp, within.fn)
	// Across the sources of one language precision is held, and recall is
	// held for the bugs without a cause: ecs-logging and ecs-pino-format
	// drop the causes, so a chained bug has another chain there, and
	// grouping by the outermost exception alone, which would join them,
	// merges bugs that differ by their cause (corpus_chain_test.go). Recall
	// of the chained bugs across sources is reported.
	for _, lang := range []string{"python", "node", "go"} {
		evs := byLanguage[lang]
		c := countPairs([][]*corpusEvent{evs})
		t.Logf("%-6s all pairs across its sources: precision %.4f recall %.4f (TP %d, FP %d, FN %d)", lang, c.precision(), c.recall(), c.tp, c.fp, c.fn)
		if c.precision() < corpusMinScore {
			t.Errorf("%s: precision %.4f across sources", lang, c.precision())
			reportMerges(t, f, [][]*corpusEvent{evs})
		}
		chained := map[string]bool{}
		for _, e := range evs {
			chained[e.bug] = chained[e.bug] || len(e.ev.Faultline.Exceptions) > 1
		}
		var plain, withCause []*corpusEvent
		for _, e := range evs {
			if chained[e.bug] {
				withCause = append(withCause, e)
			} else {
				plain = append(plain, e)
			}
		}
		p, w := countPairs([][]*corpusEvent{plain}), countPairs([][]*corpusEvent{withCause})
		t.Logf("%-6s across its sources, %d bugs without a cause: recall %.4f; %d chained bugs: recall %.4f", lang,
			len(distinct(plain, func(e *corpusEvent) string { return e.bug })), p.recall(),
			len(distinct(withCause, func(e *corpusEvent) string { return e.bug })), w.recall())
		if p.recall() < corpusMinScore {
			t.Errorf("%s: recall %.4f across sources for bugs without a cause", lang, p.recall())
			reportSplits(t, f, [][]*corpusEvent{plain}, nil)
		}
		if testing.Verbose() {
			reportSplits(t, f, [][]*corpusEvent{withCause}, nil)
		}
	}
}

// checkLinesMoved asserts that build 2 moved the line of every bug's first
// app frame (the generator runs each build from a directory named for it),
// or the corpus would not show that line numbers never split a group.
func checkLinesMoved(t *testing.T, source string, evs []*corpusEvent) {
	t.Helper()
	lines := map[string]map[string]map[int]bool{} // bug -> build -> lines
	for _, e := range evs {
		for _, fr := range e.ev.Faultline.Exceptions[0].Frames {
			if strings.Contains(fr.File, "/build"+e.build+"/") && fr.Line > 0 {
				if lines[e.bug] == nil {
					lines[e.bug] = map[string]map[int]bool{}
				}
				addTo2(lines[e.bug], e.build, fr.Line)
				break
			}
		}
	}
	for bug, byBuild := range lines {
		if len(byBuild["1"]) == 0 || len(byBuild["2"]) == 0 {
			t.Errorf("%s: %s has no app frame with a line in both builds", source, bug)
		}
		for line := range byBuild["1"] {
			if byBuild["2"][line] {
				t.Errorf("%s: %s is at line %d in both builds; build 2 must move every line", source, bug, line)
			}
		}
	}
}

func addTo2(m map[string]map[int]bool, k string, v int) {
	if m[k] == nil {
		m[k] = map[int]bool{}
	}
	m[k][v] = true
}

func bugBuilds(evs []*corpusEvent) map[string]map[string]bool {
	m := map[string]map[string]bool{}
	for _, e := range evs {
		addTo(m, e.bug, e.build)
	}
	return m
}
