package grouping

// Grouping quality for what the SDKs and appenders send: the same labelled
// bugs the language corpus holds (schemas/testdata/corpus/langs), thrown by
// the same programs, but reported through Sentry SDKs (envelopes) and
// OpenTelemetry log SDKs (OTLP/HTTP bodies) and decoded by ingest's own
// decoders. schemas/testdata/corpus/sdk holds one directory per source and
// build, one captured request body per file, written by
// schemas/testdata/generator/langs/generate.sh; its README.md lists the
// SDKs and their versions.

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/faultline/faultline/ingest/loki"
	"github.com/faultline/faultline/ingest/otlp"
	"github.com/faultline/faultline/ingest/sentry"
	"github.com/faultline/faultline/internal/event"
)

const sdkCorpusDir = "../schemas/testdata/corpus/sdk"

// sdkCorpusSources are the SDK sources, each with its language. short
// names why a source is below the bar today; it is then reported, not
// failed, and the test fails once it passes, so the note goes.
var sdkCorpusSources = []struct {
	source, language, short string
}{
	{"python-sentry", "python", ""}, {"python-otel", "python", ""},
	{"node-sentry", "node", ""}, {"node-otel", "node", ""},
	{"go-sentry", "go", ""}, {"go-otel", "go", ""},
	{"java-sentry", "java", ""}, {"java-otel", "java", ""}, {"java-loki", "java", ""},
}

// sdkServices is the name each language's programs log under in the
// language corpus. On the wire the API key decides the service, so the
// test gives every SDK event of a language that name, as one key per
// service would.
var sdkServices = map[string]string{"python": "pyshop", "node": "nodeshop", "go": "goshop", "java": "jshop"}

// crossShort names the pairs of sources whose recall across them is below
// the bar today, and why; every other pair that includes an SDK source is
// held to it. The test fails once a listed pair passes, so the note goes.
var crossShort = map[[2]string]string{
	{"python-ecs", "python-sentry"}: "ecs-logging drops the causes (P04-P06), the Sentry SDK sends them",
	{"python-ecs", "python-otel"}:   "ecs-logging drops the causes (P04-P06), the OTel handler's exception.stacktrace has them",
	{"node-pino", "node-otel"}:      "the OTel JS SDK's exception.stacktrace is err.stack, without the cause (N04); pino appends it",
	{"node-ecs", "node-sentry"}:     "ecs-pino-format drops the cause (N04), @sentry/node sends it",
	{"node-sentry", "node-otel"}:    "the OTel JS SDK drops the cause (N04), @sentry/node sends it",
}

// decodeSDKBody decodes one captured request body as its route would, by
// its file extension (the capture server names files for what they were).
func decodeSDKBody(file string, body []byte) ([]event.Event, error) {
	switch filepath.Ext(file) {
	case ".envelope":
		return sentry.DecodeEnvelope(body)
	case ".pb":
		return otlp.Decode(body, "application/x-protobuf")
	case ".json":
		return otlp.Decode(body, "application/json")
	case ".loki":
		return loki.Decode(body, "application/json")
	}
	return nil, fmt.Errorf("%s: not a captured body (.envelope, .pb, .json, .loki)", file)
}

// loadSDKCorpus decodes and fingerprints every error event of one source,
// both builds. SDKs send other things too (an OTLP batch may hold info
// records); only events with the corpus labels count.
func loadSDKCorpus(t *testing.T, f *Fingerprinter, source, service string) []*corpusEvent {
	t.Helper()
	var out []*corpusEvent
	for _, build := range []string{"1", "2"} {
		dir := filepath.Join(sdkCorpusDir, source+".build"+build)
		files, err := os.ReadDir(dir)
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no captured bodies (%v); regenerate with schemas/testdata/generator/langs/generate.sh", dir, err)
		}
		for _, fi := range files {
			file := filepath.Join(dir, fi.Name())
			body, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			evs, err := decodeSDKBody(file, body)
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			for i, ev := range evs {
				if ev.Labels["corpus_bug"] == "" {
					continue
				}
				ev.Service.Name = service
				ce := &corpusEvent{where: fmt.Sprintf("%s/%s#%d", filepath.Base(dir), fi.Name(), i+1), bug: ev.Labels["corpus_bug"],
					build: ev.Labels["corpus_build"], variant: ev.Labels["corpus_variant"], ev: ev}
				if ce.build != build || len(ev.Faultline.Exceptions) == 0 {
					t.Fatalf("%s: bug %q build %q, %d exceptions", ce.where, ce.bug, ce.build, len(ev.Faultline.Exceptions))
				}
				ce.fp = f.Compute(&ce.ev).Fingerprint
				out = append(out, ce)
			}
		}
	}
	return out
}

// crossPairs counts only the pairs with one event in a and the other in b.
func crossPairs(a, b []*corpusEvent) pairCounts {
	all := countPairs([][]*corpusEvent{slices.Concat(a, b)})
	own := countPairs([][]*corpusEvent{a, b})
	return pairCounts{tp: all.tp - own.tp, fp: all.fp - own.fp, fn: all.fn - own.fn}
}

func TestGroupingCorpusSDK(t *testing.T) {
	f := NewFingerprinter()
	type source struct {
		name string
		evs  []*corpusEvent
	}
	byLanguage := map[string][]source{}
	for _, s := range langCorpusSources {
		byLanguage[s.language] = append(byLanguage[s.language], source{s.source, loadLangCorpus(t, f, s.source)})
	}
	for lang, srcs := range byLanguage {
		for _, s := range srcs {
			for _, e := range s.evs {
				if e.ev.Service.Name != sdkServices[lang] {
					t.Fatalf("%s: service %q, want %q as the SDK sources get", e.where, e.ev.Service.Name, sdkServices[lang])
				}
			}
		}
	}
	isSDK := map[string]bool{}
	for _, s := range sdkCorpusSources {
		isSDK[s.source] = true
	}
	langEvents := map[string]int{}
	for lang, srcs := range byLanguage {
		langEvents[lang] = len(srcs[0].evs)
	}

	for _, s := range sdkCorpusSources {
		evs := loadSDKCorpus(t, f, s.source, sdkServices[s.language])
		c := countPairs([][]*corpusEvent{evs})
		t.Logf("%-13s %3d events, %2d bugs, %2d groups: precision %.4f recall %.4f (TP %d, FP %d, FN %d)", s.source, len(evs),
			len(distinct(evs, func(e *corpusEvent) string { return e.bug })), len(distinct(evs, func(e *corpusEvent) string { return e.fp })),
			c.precision(), c.recall(), c.tp, c.fp, c.fn)
		// Every bug the language's programs throw, in both builds, as many
		// times as the log files hold it: an SDK that drops an event must
		// show here, not as a better score.
		if len(evs) != langEvents[s.language] {
			t.Errorf("%s: %d events, the language corpus has %d per source", s.source, len(evs), langEvents[s.language])
		}
		for bug, builds := range bugBuilds(evs) {
			if len(builds) != 2 {
				t.Errorf("%s: %s is in builds %v only", s.source, bug, keys(builds))
			}
		}
		switch passes := c.precision() >= corpusMinScore && c.recall() >= corpusMinScore; {
		case !passes && s.short == "":
			t.Errorf("%s: precision %.4f recall %.4f, want both at least %.2f", s.source, c.precision(), c.recall(), corpusMinScore)
			reportMerges(t, f, [][]*corpusEvent{evs})
			reportSplits(t, f, [][]*corpusEvent{evs}, nil)
		case !passes:
			t.Logf("%s: below the bar, not held: %s", s.source, s.short)
		case s.short != "":
			t.Errorf("%s passes now: remove its note in sdkCorpusSources", s.source)
		}
		checkLinesMoved(t, s.source, evs)
		byLanguage[s.language] = append(byLanguage[s.language], source{s.source, evs})
	}

	// Across sources of one language: the same bug from a log file and
	// from an SDK should land in one group. Each pair of sources is
	// reported on its own, so a library that drops causes shows as its
	// pair; merging is held for every pair, recall for those not in
	// crossShort.
	for _, lang := range []string{"python", "node", "go", "java"} {
		srcs := byLanguage[lang]
		var all []*corpusEvent
		for _, s := range srcs {
			all = append(all, s.evs...)
		}
		if lang == "java" {
			// Beyond the pair scores: the appenders must not change what
			// Java's rule gives, one fingerprint for a bug and variant
			// whichever way it came.
			byCase := map[string]map[string]bool{}
			for _, e := range all {
				addTo(byCase, e.bug+" "+e.variant, e.fp)
			}
			for c, fps := range byCase {
				if len(fps) != 1 {
					t.Errorf("java: %s has %d fingerprints across the Java sources", c, len(fps))
				}
			}
		}
		c := countPairs([][]*corpusEvent{all})
		t.Logf("%-6s all pairs across its %d sources: precision %.4f recall %.4f (TP %d, FP %d, FN %d)", lang, len(srcs), c.precision(), c.recall(), c.tp, c.fp, c.fn)
		for i, a := range srcs {
			for _, b := range srcs[i+1:] {
				if !isSDK[a.name] && !isSDK[b.name] {
					continue // log file against log file: TestGroupingCorpusLanguages
				}
				x := crossPairs(a.evs, b.evs)
				why, short := crossShort[[2]string{a.name, b.name}]
				verdict := ""
				switch {
				case x.recall() < corpusMinScore && !short:
					t.Errorf("%s x %s: recall %.4f across sources, want at least %.2f", a.name, b.name, x.recall(), corpusMinScore)
					reportSplits(t, f, [][]*corpusEvent{slices.Concat(a.evs, b.evs)}, nil)
				case x.recall() < corpusMinScore:
					verdict = ", recall not held: " + why
					if testing.Verbose() {
						reportSplits(t, f, [][]*corpusEvent{slices.Concat(a.evs, b.evs)}, nil)
					}
				case short:
					t.Errorf("%s x %s passes now: remove it from crossShort", a.name, b.name)
				}
				t.Logf("  %-13s x %-13s precision %.4f recall %.4f (TP %d, FP %d, FN %d)%s", a.name, b.name, x.precision(), x.recall(), x.tp, x.fp, x.fn, verdict)
				if x.precision() < corpusMinScore {
					t.Errorf("%s x %s: precision %.4f across sources", a.name, b.name, x.precision())
					reportMerges(t, f, [][]*corpusEvent{slices.Concat(a.evs, b.evs)})
				}
			}
		}
	}
}
