package sentry

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestChainShapes: what of an SDK's exception list becomes the chain.
// Members of an exception group are left out, as the Python text parser
// skips a group's sub-exceptions, so a group groups the same whatever its
// members; the group's own cause stays; parent links that loop or point
// nowhere cannot hang or drop anything.
func TestChainShapes(t *testing.T) {
	cases := []struct {
		name, in string
		want     string // the chain's types, outermost first, and the first frame's method
	}{
		{"python ExceptionGroup of two, as sentry-python sends it", `{"platform":"python","exception":{"values":[
			{"type":"ValueError","value":"order -3","mechanism":{"type":"chained","exception_id":2,"source":"exceptions[1]","parent_id":0}},
			{"type":"ValueError","value":"order -2","mechanism":{"type":"chained","exception_id":1,"source":"exceptions[0]","parent_id":0}},
			{"type":"ExceptionGroup","value":"bulk submit failed","mechanism":{"type":"logging","exception_id":0,"is_exception_group":true},
			 "stacktrace":{"frames":[{"function":"bulk_submit","abs_path":"/app/shop/orders.py","lineno":15}]}}]}}`,
			"ExceptionGroup bulk_submit"},
		{"a member's own cause goes with it", `{"platform":"python","exception":{"values":[
			{"type":"OSError","mechanism":{"exception_id":2,"source":"__cause__","parent_id":1}},
			{"type":"ValueError","mechanism":{"exception_id":1,"source":"exceptions[0]","parent_id":0}},
			{"type":"ExceptionGroup","mechanism":{"exception_id":0,"is_exception_group":true}}]}}`,
			"ExceptionGroup"},
		{"the group's cause stays", `{"platform":"python","exception":{"values":[
			{"type":"KeyError","mechanism":{"exception_id":2,"source":"__cause__","parent_id":0}},
			{"type":"ValueError","mechanism":{"exception_id":1,"source":"exceptions[0]","parent_id":0}},
			{"type":"ExceptionGroup","mechanism":{"exception_id":0,"is_exception_group":true}}]}}`,
			"ExceptionGroup KeyError"},
		{"a plain cause chain is untouched", `{"platform":"python","exception":{"values":[
			{"type":"JSONDecodeError","module":"json.decoder","mechanism":{"exception_id":1,"source":"__cause__","parent_id":0}},
			{"type":"ConfigError","module":"shop.config","mechanism":{"exception_id":0}}]}}`,
			"shop.config.ConfigError json.decoder.JSONDecodeError"},
		{"parent links in a loop", `{"exception":{"values":[
			{"type":"A","mechanism":{"exception_id":1,"parent_id":0,"source":"x"}},
			{"type":"B","mechanism":{"exception_id":0,"parent_id":1,"source":"y"}}]}}`,
			"B A"},
		{"a parent that is itself, or missing", `{"exception":{"values":[
			{"type":"A","mechanism":{"exception_id":1,"parent_id":1,"is_exception_group":true}},
			{"type":"B","mechanism":{"exception_id":0,"parent_id":7}}]}}`,
			"B A"},
		{"JavaScript's unnamed function", `{"platform":"node","exception":{"values":[{"type":"RangeError","stacktrace":{"frames":[
			{"function":"?","abs_path":"/app/src/billing.js","lineno":12}]}}]}}`,
			"RangeError <anonymous>"},
		{"a Python function named ? keeps its name", `{"platform":"python","exception":{"values":[{"type":"E","stacktrace":{"frames":[
			{"function":"?","abs_path":"/app/x.py","lineno":1}]}}]}}`,
			"E ?"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev, err := Decode([]byte(c.in))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, ex := range ev.Faultline.Exceptions {
				got = append(got, ex.Type)
			}
			if exs := ev.Faultline.Exceptions; len(exs) > 0 && len(exs[0].Frames) > 0 {
				got = append(got, exs[0].Frames[0].Method)
			}
			if strings.Join(got, " ") != c.want {
				t.Errorf("chain %q, want %q", strings.Join(got, " "), c.want)
			}
		})
	}
}

// TestDecodeEnvelopeSDKCorpus: every envelope that sentry-python,
// @sentry/node, sentry-go and sentry-logback sent for the language corpus
// decodes without
// a server, each error event with its corpus labels from the SDK's tags
// (grouping/corpus_sdk_test.go scores how they group).
func TestDecodeEnvelopeSDKCorpus(t *testing.T) {
	files, err := filepath.Glob("../../schemas/testdata/corpus/sdk/*-sentry.build*/*.envelope")
	if err != nil || len(files) == 0 {
		t.Fatalf("no envelopes (%v)", err)
	}
	events := 0
	for _, file := range files {
		body, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := DecodeEnvelope(body)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, ev := range evs {
			java := strings.Contains(file, "java-sentry")
			if ev.Labels["corpus_bug"] == "" || ev.Event.ID == "" || len(ev.Faultline.Exceptions) == 0 || (ev.Faultline.Platform == "java") != java {
				t.Errorf("%s: labels %v id %q, %d exceptions, platform %q", file, ev.Labels, ev.Event.ID, len(ev.Faultline.Exceptions), ev.Faultline.Platform)
			}
			events++
		}
	}
	// 24 Python, 18 Node, 21 Go and 12 Java errors, in two builds.
	if want := 2 * (24 + 18 + 21 + 12); events != want {
		t.Errorf("%d events from %d envelopes, want %d", events, len(files), want)
	}
}

// TestDecodeEnvelopeRefuses: a broken envelope or event item is an error
// naming what is wrong, never a partial list.
func TestDecodeEnvelopeRefuses(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "envelope header"},
		{"{}\n{\"type\":\"event\"}\n{\"exception\":5}", "item 1: exception"},
		{"{}\n{\"type\":\"session\"}\n{}\n{\"type\":\"event\"}\n[]", "item 2: event"},
	} {
		evs, err := DecodeEnvelope([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) || evs != nil {
			t.Errorf("%q: %v, %d events; want an error with %q", c.in, err, len(evs), c.want)
		}
	}
}
