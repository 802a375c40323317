package grouping

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/faultline/faultline/ingest"
	"github.com/faultline/faultline/internal/event"
)

// faultline:1 is frozen: over every corpus event it gives exactly the
// fingerprints the code before strategy versions gave (the digest below was
// taken from that code), so groups made then keep receiving their events.
func TestStrategyV1IsFrozen(t *testing.T) {
	const want = "6b768319089f0ca0bcbe99e98fbdefa81d1231b94544017ce2271061619f41ac"
	f := NewFingerprinter()
	f.Strategy = StrategyV1
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.ndjson"))
	more, _ := filepath.Glob(filepath.Join(langsCorpusDir, "*.ndjson"))
	files = append(files, more...)
	sort.Strings(files)
	h := sha256.New()
	n := 0
	for _, file := range files {
		body, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		lines, _ := ingest.SplitBody(body)
		for _, l := range lines {
			ev, err := ingest.ParseEvent(l.Raw)
			if err != nil {
				t.Fatal(err)
			}
			if ev.Service.Name == "" {
				ev.Service.Name = "unknown"
			}
			r := f.Compute(&ev)
			if r.Strategy != StrategyV1 || len(r.Previous) != 0 {
				t.Fatalf("%s:%d: %+v", file, l.N, r)
			}
			fmt.Fprintf(h, "%s\n", r.Fingerprint)
			n++
		}
	}
	if got := fmt.Sprintf("%x", h.Sum(nil)); got != want || n != 1320 {
		t.Errorf("faultline:1 over %d corpus events: digest %s, want %s over 1320: a released strategy changed", n, got, want)
	}
}

// Where the latest strategy's rules are faultline:1's (no stack, the other
// platforms without an SDK's in_app) it gives the same fingerprints, so
// those events stay in their groups without any lookup; where they differ
// (Java chains) it names faultline:1's fingerprint as the previous one.
func TestLatestAgreesWithV1WhereTheRulesDo(t *testing.T) {
	v1 := NewFingerprinter()
	v1.Strategy = StrategyV1
	latest := NewFingerprinter()
	same, moved := 0, 0
	for _, s := range langCorpusSources {
		for _, e := range loadLangCorpus(t, latest, s.source) {
			r, old := latest.Compute(&e.ev), v1.Compute(&e.ev).Fingerprint
			switch {
			case s.language != "java":
				if r.Fingerprint != old || len(r.Previous) != 0 {
					t.Fatalf("%s: %s/%v, faultline:1 %s: the rule did not change for %s", e.where, r.Fingerprint, r.Previous, old, s.language)
				}
				same++
			case r.Fingerprint != old:
				if len(r.Previous) != 1 || r.Previous[0] != (Previous{Fingerprint: old, Strategy: StrategyV1}) {
					t.Fatalf("%s: previous %+v, want faultline:1's %s", e.where, r.Previous, old)
				}
				moved++
			}
		}
	}
	for _, e := range loadCorpus(t, latest) {
		if len(e.ev.Faultline.Exceptions) > 0 {
			continue
		}
		if r := latest.Compute(&e.ev); r.Fingerprint != v1.Compute(&e.ev).Fingerprint || len(r.Previous) != 0 {
			t.Fatalf("%s: an event without a stack moved", e.where)
		}
		same++
	}
	if same == 0 || moved == 0 {
		t.Fatalf("%d unchanged, %d moved: the corpus should have both", same, moved)
	}
}

// The SDK's in_app decides which frames are the app's: a company package
// installed in site-packages that sentry-python's in_app_include names is
// the app's code, so two raises in it are two groups; without the SDK's
// word (faultline:1, or an event that did not come from an SDK) site-packages
// is library code and the raises share the app's calling frame. A
// service's configured in_app list still comes first.
func TestSDKInApp(t *testing.T) {
	yes, no := true, false
	raise := func(fn, msg string, inApp *bool) *event.Event {
		return &event.Event{Service: event.Service{Name: "shop"}, Faultline: event.Faultline{Platform: event.PlatformPython, Exceptions: []event.Exception{{
			Type: "ValueError", Message: msg, Frames: []event.Frame{
				{Method: fn, File: "/venv/lib/python3.12/site-packages/acme_billing/core.py", Line: 10, InApp: inApp},
				{Method: "handle", File: "/srv/app/shop/api.py", Line: 40, InApp: &yes},
			}}}}}
	}
	latest, v1 := NewFingerprinter(), NewFingerprinter()
	v1.Strategy = StrategyV1
	fp := func(f *Fingerprinter, ev *event.Event) string { return f.Compute(ev).Fingerprint }

	if fp(latest, raise("charge", "amount must be positive", &yes)) == fp(latest, raise("refund", "window closed", &yes)) {
		t.Error("the SDK marked the package in-app, but two raises in it share a group")
	}
	if fp(v1, raise("charge", "amount must be positive", &yes)) != fp(v1, raise("refund", "window closed", &yes)) {
		t.Error("faultline:1 ignores in_app: the raises should share the app frame's group")
	}
	if fp(latest, raise("charge", "amount must be positive", nil)) != fp(latest, raise("refund", "window closed", nil)) {
		t.Error("without an SDK verdict site-packages is library code")
	}
	if fp(latest, raise("charge", "amount must be positive", &no)) != fp(latest, raise("refund", "window closed", &no)) {
		t.Error("the SDK said library code")
	}
	x := latest.Explain(raise("charge", "amount must be positive", &yes))
	if fr := x.Exceptions[0].Frames[0]; !fr.InApp || !fr.Counted || fr.Reason != ReasonThrowSite {
		t.Errorf("explained frame %+v: want the SDK's in-app frame as the throw site", fr)
	}
	if fr := x.Exceptions[0].Frames[1]; !fr.InApp || fr.Counted || fr.Reason != ReasonNotThrowSite {
		t.Errorf("explained frame %+v: want an in-app frame that is not the throw site", fr)
	}

	configured := NewFingerprinter()
	configured.InApp = map[string][]string{"shop": {"shop."}}
	if fp(configured, raise("charge", "amount must be positive", &yes)) != fp(configured, raise("refund", "window closed", &yes)) {
		t.Error("the service's in_app list names only shop.: it must win over the SDK")
	}

	// sentry-java marks frames the same way.
	java := func(cls string, inApp *bool) *event.Event {
		return exEvent("shop", event.Exception{Type: "java.lang.IllegalStateException", Message: "x", Frames: []event.Frame{
			{Class: cls, Method: "run", InApp: inApp}, {Class: "com.acme.Api", Method: "handle"}}})
	}
	if fp(latest, java("org.acme.shared.Jobs", &yes)) == fp(latest, java("org.acme.shared.Other", &yes)) {
		t.Error("java: the SDK's in-app frames did not count")
	}
	if fp(latest, java("com.acme.Jobs", &no)) != fp(latest, java("com.acme.Other", &no)) {
		t.Error("java: frames the SDK called library code counted")
	}
}

// Java under the latest strategy: two throws in one method with different
// constant messages are two groups; the same throw reached through other
// callers, at other lines (a deploy) or with a value in its message is one.
func TestJavaThrowSiteAndConstantMessage(t *testing.T) {
	f := NewFingerprinter()
	throw := func(msg string, line int, callers ...string) string {
		fs := []event.Frame{{Class: "com.acme.Payments", Method: "validate", Line: line}}
		for _, c := range callers {
			fs = append(fs, event.Frame{Class: "com.acme.Api", Method: c, Line: line + 30})
		}
		fs = append(fs, event.Frame{Class: "org.springframework.web.servlet.FrameworkServlet", Method: "service", Line: 900})
		return f.Compute(exEvent("shop", event.Exception{Type: "java.lang.IllegalArgumentException", Message: msg, Frames: fs})).Fingerprint
	}
	amount := throw("amount must be positive", 20, "checkout")
	for name, other := range map[string]string{
		"another caller":   throw("amount must be positive", 20, "quote"),
		"two callers":      throw("amount must be positive", 20, "quote", "checkout"),
		"after a deploy":   throw("amount must be positive", 27, "checkout"),
		"with a full stop": throw("amount must be positive.", 20, "checkout"),
	} {
		if other != amount {
			t.Errorf("%s: split", name)
		}
	}
	if throw("currency is required", 23, "checkout") == amount {
		t.Error("two constant messages thrown in one method: merged")
	}
	for _, msgs := range [][2]string{
		{"no price for kiwi", "no price for plum"},
		{"Invalid recipient address: a@b.org", "Invalid recipient address: c@d.org"},
		{"Tax lookup failed for region EU-DE", "Tax lookup failed for region EU-FR"},
		{"order 17 not found", "order 18 not found"},
		{"Unknown status SHIPED", "Unknown status DELIVERD"},
		{"cannot open /tmp/a", "cannot open /tmp/b"},
	} {
		if throw(msgs[0], 20, "checkout") != throw(msgs[1], 20, "checkout") {
			t.Errorf("%q and %q: a value in the message split the group", msgs[0], msgs[1])
		}
	}
	// A library's exception: its message names the input it choked on.
	lib := func(msg string) string {
		return f.Compute(exEvent("shop", event.Exception{Type: "java.lang.NumberFormatException", Message: msg, Frames: []event.Frame{
			{Class: "java.lang.Integer", Method: "parseInt"}, {Class: "com.acme.Payments", Method: "parse"}}})).Fingerprint
	}
	if lib("bad input") != lib("not a number") {
		t.Error("a library's message counted")
	}
}

// Explain says what Compute hashed and why each frame counted.
func TestExplain(t *testing.T) {
	f := NewFingerprinter()
	ev := exEvent("shop",
		event.Exception{Type: "java.lang.IllegalStateException", Message: "order 7 failed", Frames: []event.Frame{
			{Class: "com.acme.Pay", Method: "charge", Line: 10},
			{Class: "com.acme.Orders$$SpringCGLIB$$0", Method: "place"},
			{Class: "com.acme.Orders", Method: "place", Line: 20},
			{Class: "org.springframework.web.servlet.FrameworkServlet", Method: "service"},
		}},
		event.Exception{Type: "java.net.SocketTimeoutException", Message: "Read timed out", Frames: []event.Frame{
			{Class: "java.net.SocketInputStream", Method: "read"},
			{Class: "com.acme.PayClient", Method: "post", Line: 5},
		}},
	)
	x := f.Explain(ev)
	r := f.Compute(ev)
	if x.Fingerprint != r.Fingerprint || x.Strategy != Latest || x.Basis != "exception" || hash(x.Inputs...) != r.Fingerprint {
		t.Fatalf("explanation %+v does not match %+v", x, r)
	}
	type verdict struct {
		counted bool
		reason  string
	}
	want := [][]verdict{
		{{true, ReasonThrowSite}, {false, ReasonGenerated}, {false, ReasonNotThrowSite}, {false, ReasonLibrary}},
		{{false, ReasonLibrary}, {true, ReasonThrowSite}},
	}
	for i, ex := range x.Exceptions {
		for j, fr := range ex.Frames {
			if got := (verdict{fr.Counted, fr.Reason}); got != want[i][j] {
				t.Errorf("exception %d frame %d (%s): %+v, want %+v", i, j, fr.Name, got, want[i][j])
			}
		}
	}
	if !slices.Contains(x.Inputs, "com.acme.Pay.charge") || slices.Contains(x.Inputs, "com.acme.Orders.place") {
		t.Errorf("inputs %v", x.Inputs)
	}
	if x.Exceptions[0].Message != "" {
		t.Errorf("a message with a number counted: %q", x.Exceptions[0].Message)
	}
	if f.Explain(&event.Event{Service: event.Service{Name: "shop"}, Message: "disk full"}).Basis != "message" {
		t.Error("an event without a stack is grouped by its message")
	}
	v1 := NewFingerprinter()
	v1.Strategy = StrategyV1
	if old, err := f.ExplainAs(ev, ""); err != nil || old.Strategy != StrategyV1 || old.Fingerprint != v1.Compute(ev).Fingerprint || old.Fingerprint == r.Fingerprint {
		t.Errorf("explained as a group made before versions: %+v %v", old, err)
	}
	if _, err := f.ExplainAs(ev, "faultline:99"); err == nil {
		t.Error("an unknown strategy explained")
	}
	// On every corpus event the explanation is what Compute hashed, and
	// every frame has a verdict.
	evs := loadCorpus(t, f)
	for _, s := range langCorpusSources {
		evs = append(evs, loadLangCorpus(t, f, s.source)...)
	}
	for _, s := range sdkCorpusSources {
		evs = append(evs, loadSDKCorpus(t, f, s.source, sdkServices[s.language])...)
	}
	for _, e := range evs {
		x := f.Explain(&e.ev)
		if x.Fingerprint != e.fp || hash(x.Inputs...) != e.fp {
			t.Fatalf("%s: explained %s from %v, computed %s", e.where, x.Fingerprint, x.Inputs, e.fp)
		}
		for _, ex := range x.Exceptions {
			for _, fr := range ex.Frames {
				if fr.Reason == "" {
					t.Fatalf("%s: frame %s has no reason", e.where, fr.Name)
				}
			}
		}
	}
}

// Any event fingerprints without a panic, and Explain says what Compute
// hashed, under every strategy.
func FuzzExplain(f *testing.F) {
	f.Add("java", "com.acme.Pay", "charge", "amount must be positive", "java.lang.IllegalStateException", true)
	f.Add("python", "", "price_of", "no price for kiwi", "KeyError", false)
	f.Add("go", "", "panic", "", "", true)
	f.Add("go", "github.com/acme/shop/config", "Load", `config load failed: invalid character '\'' looking for`, "*errors.withStack", true)
	f.Add("go", "main", "x: y", "x: y", "*errors.withMessage", false)
	f.Add("go", "runtime", "goexit", "runtime error: y", "runtime.boundsError", true)
	f.Add("javascript", "", "Object.<anonymous>", "x: y for z", "Error", false)
	f.Fuzz(func(t *testing.T, platform, class, method, msg, typ string, inApp bool) {
		ev := &event.Event{Service: event.Service{Name: "fuzz"}, Message: msg, Faultline: event.Faultline{Platform: platform, Exceptions: []event.Exception{
			{Type: typ, Message: msg, Frames: []event.Frame{{Class: class, Method: method, File: msg, InApp: &inApp}, {Class: class, Method: method}}},
			{Type: typ, Message: method},
		}}}
		for _, id := range Strategies() {
			fp := NewFingerprinter()
			fp.Strategy = id
			x := fp.Explain(ev)
			if r := fp.Compute(ev); x.Fingerprint != r.Fingerprint || hash(x.Inputs...) != r.Fingerprint || r.Strategy != id {
				t.Fatalf("%s: explained %+v, computed %+v", id, x, r)
			}
		}
	})
}

// A message with an escaped quote normalises apart under faultline:1 and
// the latest version, so an event with one, stack or not, names
// faultline:1's fingerprint as the previous one: a group faultline:1 made
// for it keeps receiving it. Other messages need no second look.
func TestEscapedQuoteNamesV1Fingerprint(t *testing.T) {
	latest, v1 := NewFingerprinter(), NewFingerprinter()
	v1.Strategy = StrategyV1
	msg := func(m string) *event.Event {
		return &event.Event{Service: event.Service{Name: "shop"}, Message: m, Log: event.Log{Logger: "cfg"}}
	}
	ev := msg(`config load failed: invalid character '\'' looking for beginning of object key string`)
	r, old := latest.Compute(ev), v1.Compute(ev).Fingerprint
	if r.Fingerprint == old || len(r.Previous) != 1 || r.Previous[0] != (Previous{Fingerprint: old, Strategy: StrategyV1}) {
		t.Errorf("escaped quote: %s, previous %+v; want a new fingerprint naming faultline:1's %s", r.Fingerprint, r.Previous, old)
	}
	if r.Fingerprint != latest.Compute(msg(`config load failed: invalid character 'b' looking for beginning of object key string`)).Fingerprint {
		t.Error("the latest version splits bad JSON by the character it choked on")
	}
	ev = msg(`config load failed: invalid character 'b' looking for beginning of object key string`)
	if r := latest.Compute(ev); r.Fingerprint != v1.Compute(ev).Fingerprint || len(r.Previous) != 0 {
		t.Errorf("no escaped quote: %+v, want faultline:1's fingerprint", r)
	}
}
