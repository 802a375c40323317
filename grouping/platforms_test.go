package grouping

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/faultline/faultline/ingest"
	"github.com/faultline/faultline/internal/event"
)

// Each row is one frame as a text parser (or an SDK) gives it: the name the
// fingerprint uses for it and whether it counts as the app's.
func TestPlatformFrames(t *testing.T) {
	tests := []struct {
		platform string
		frame    event.Frame
		name     string
		inApp    bool
	}{
		{event.PlatformPython, event.Frame{Method: "price_of", File: "/srv/app/shop/cart.py", Line: 5}, "shop.cart.price_of", true},
		{event.PlatformPython, event.Frame{Method: "main", File: "/srv/releases/20240101/app.py"}, "app.main", true},
		{event.PlatformPython, event.Frame{Method: "handle", File: "/srv/app/shop/api/__init__.py"}, "api.handle", true},
		{event.PlatformPython, event.Frame{Method: "send", File: "/venv/lib/python3.12/site-packages/requests/adapters.py"}, "requests.adapters.send", false},
		{event.PlatformPython, event.Frame{Method: "loads", File: "/usr/lib/python3/dist-packages/simplejson/__init__.py"}, "simplejson.loads", false},
		{event.PlatformPython, event.Frame{Method: "raw_decode", File: "/usr/lib/python3.11/json/decoder.py"}, "json.decoder.raw_decode", false},
		{event.PlatformPython, event.Frame{Method: "_run_module_as_main", File: "<frozen runpy>"}, "runpy._run_module_as_main", false},
		// An SDK's module wins over the file.
		{event.PlatformPython, event.Frame{Class: "shop.cart", Method: "price_of", File: "cart.py"}, "shop.cart.price_of", true},

		{event.PlatformGo, event.Frame{Class: "github.com/acme/shop/cart", Method: "(*Cart).PriceOf", File: "/src/cart/cart.go"}, "github.com/acme/shop/cart.Cart.PriceOf", true},
		{event.PlatformGo, event.Frame{Class: "github.com/acme/shop/billing", Method: "SettleAll.func1.2", File: "/src/billing/b.go"}, "github.com/acme/shop/billing.SettleAll", true},
		{event.PlatformGo, event.Frame{Class: "main", Method: "main.gowrap1", File: "/src/main.go"}, "main.main", true},
		{event.PlatformGo, event.Frame{Class: "github.com/acme/shop/set", Method: "Set[...].Add", File: "/src/set/set.go"}, "github.com/acme/shop/set.Set.Add", true},
		{event.PlatformGo, event.Frame{Class: "github.com/acme/shop/cart", Method: "Cart.Total", File: "/src/cart/cart.go"}, "github.com/acme/shop/cart.Cart.Total", true},
		{event.PlatformGo, event.Frame{Class: "net/http", Method: "(*conn).serve", File: "/usr/local/go/src/net/http/server.go"}, "net/http.conn.serve", false},
		{event.PlatformGo, event.Frame{Class: "golang.org/x/sync/errgroup", Method: "(*Group).Go.func1", File: "/root/go/pkg/mod/golang.org/x/sync@v0.25.0/errgroup/errgroup.go"}, "golang.org/x/sync/errgroup.Group.Go", false},
		{event.PlatformGo, event.Frame{Class: "github.com/lib/pq", Method: "(*conn).query", File: "/src/vendor/github.com/lib/pq/conn.go"}, "github.com/lib/pq.conn.query", false},

		{event.PlatformJavaScript, event.Frame{Method: "priceOf", File: "/app/src/cart.js"}, "src/cart.priceOf", true},
		{event.PlatformJavaScript, event.Frame{Method: "Object.<anonymous>", File: "/home/ci/build-42/index.js"}, "index.<anonymous>", true},
		{event.PlatformJavaScript, event.Frame{Method: "Object.load", File: "/app/src/config.mjs"}, "src/config.load", true},
		{event.PlatformJavaScript, event.Frame{Method: "render", File: "webpack:///./src/view.tsx?1a2b"}, "src/view.render", true},
		{event.PlatformJavaScript, event.Frame{Method: "n", File: "https://cdn.example.com/static/js/main.3f2a1b9c.js"}, "js/main.n", true},
		{event.PlatformJavaScript, event.Frame{Method: "each", File: "/app/node_modules/lodash/lodash.js"}, "lodash/lodash.each", false},
		{event.PlatformJavaScript, event.Frame{Method: "Module._compile", File: "node:internal/modules/cjs/loader"}, "node:internal/modules/cjs/loader.Module._compile", false},
		{event.PlatformJavaScript, event.Frame{Method: "JSON.parse", File: "<anonymous>"}, "<anonymous>.JSON.parse", false},
	}
	f := NewFingerprinter()
	for _, tt := range tests {
		got := f.platformFramesOf("svc", tt.platform, []event.Frame{tt.frame})
		if len(got) != 1 || got[0].name != tt.name || got[0].inApp != tt.inApp {
			t.Errorf("%s %+v: got %+v, want %q in-app %v", tt.platform, tt.frame, got, tt.name, tt.inApp)
		}
	}
}

// grouping.in_app and grouping.library_prefixes apply to the module names
// above, whatever the platform.
func TestPlatformFramesConfiguration(t *testing.T) {
	vendored := event.Frame{Class: "github.com/acme/shared/retry", Method: "Do", File: "/src/retry.go"}
	own := event.Frame{Class: "github.com/acme/shop/cart", Method: "Total", File: "/src/cart.go"}
	f := NewFingerprinter("github.com/acme/shared/")
	if got := f.platformFramesOf("shop", event.PlatformGo, []event.Frame{vendored, own}); got[0].inApp || !got[1].inApp {
		t.Errorf("library_prefixes: %+v", got)
	}
	f = NewFingerprinter()
	f.InApp = map[string][]string{"shop": {"github.com/acme/shop/"}}
	if got := f.platformFramesOf("shop", event.PlatformGo, []event.Frame{vendored, own}); got[0].inApp || !got[1].inApp {
		t.Errorf("in_app: %+v", got)
	}
	// A module path without a dot looks like the standard library; in_app says otherwise.
	f.InApp = map[string][]string{"shop": {"shop/"}}
	if got := f.platformFramesOf("shop", event.PlatformGo, []event.Frame{{Class: "shop/cart", Method: "Total"}}); !got[0].inApp {
		t.Errorf("in_app for a dotless module: %+v", got)
	}
}

// The throw site and, for the app's own raises, the message decide; callers
// and line numbers do not.
func TestPlatformFingerprint(t *testing.T) {
	at := func(fn, file string, line int) event.Frame { return event.Frame{Method: fn, File: file, Line: line} }
	ev := func(msg string, fs ...event.Frame) *event.Event {
		e := exEvent("pyshop", event.Exception{Type: "ValueError", Message: msg, Frames: fs})
		e.Faultline.Platform = event.PlatformPython
		return e
	}
	f := NewFingerprinter()
	fp := func(e *event.Event) string { return f.Compute(e).Fingerprint }
	base := ev("amount must be positive", at("validate", "/a/shop/billing.py", 10), at("checkout", "/a/shop/api.py", 5))
	if got := f.Compute(base).Culprit; got != "shop.billing.validate" {
		t.Errorf("culprit %q", got)
	}
	otherCaller := ev("amount must be positive", at("validate", "/a/shop/billing.py", 10), at("refund", "/a/shop/api.py", 9))
	moved := ev("amount must be positive", at("validate", "/b/shop/billing.py", 12), at("checkout", "/b/shop/api.py", 6))
	otherRaise := ev("currency is required", at("validate", "/a/shop/billing.py", 12), at("checkout", "/a/shop/api.py", 5))
	if fp(base) != fp(otherCaller) || fp(base) != fp(moved) {
		t.Error("another caller or another deploy split the group")
	}
	if fp(base) == fp(otherRaise) {
		t.Error("two raises with different messages in one function share a group")
	}
	// A library's message says what input it choked on: left out.
	lib := func(msg string) *event.Event {
		return ev(msg, at("raw_decode", "/usr/lib/python3.11/json/decoder.py", 353), at("load", "/a/shop/config.py", 10))
	}
	if fp(lib("Expecting value: line 1 column 1 (char 0)")) != fp(lib("Extra data: line 1 column 5 (char 4)")) {
		t.Error("a library exception's message split the group")
	}
	// Java keeps its rule: the platform field empty or "java" is the same.
	j := exEvent("svc", event.Exception{Type: "java.lang.IllegalStateException", Frames: frames("com.acme.A", "f")})
	before := fp(j)
	j.Faultline.Platform = event.PlatformJava
	if fp(j) != before {
		t.Error("platform java changed a Java fingerprint")
	}
}

// BenchmarkFingerprintPlatforms fingerprints one real event of each
// language corpus source, as the processor does for every event.
func BenchmarkFingerprintPlatforms(b *testing.B) {
	for _, src := range []string{"python-json", "node-pino", "go-slog"} {
		body, err := os.ReadFile(filepath.Join(langsCorpusDir, src+".build1.ndjson"))
		if err != nil {
			b.Fatal(err)
		}
		line, _, _ := bytes.Cut(body, []byte("\n"))
		ev, err := ingest.ParseEvent(line)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(src, func(b *testing.B) {
			f := NewFingerprinter()
			b.ReportAllocs()
			for b.Loop() {
				f.Compute(&ev)
			}
		})
	}
}

// Every distinct message is remembered, so the cache must drop them once
// full rather than grow with hostile input.
func TestMessageCacheIsBounded(t *testing.T) {
	var c messageCache
	for i := range nameCacheSize/10 + 5 {
		for _, escapes := range []bool{false, true} {
			if got := c.normalize(fmt.Sprintf("order %d failed", i), escapes); got != "order <int> failed" {
				t.Fatalf("normalize: %q", got)
			}
		}
	}
	if n := len(c.m[0]) + len(c.m[1]); n > nameCacheSize/10 {
		t.Errorf("%d messages cached, bound %d", n, nameCacheSize/10)
	}
}

// platformFramesOf is platformFrames under the latest strategy.
func (f *Fingerprinter) platformFramesOf(svc, platform string, frames []event.Frame) []platformFrame {
	out, _ := f.platformFrames(f.strategy(), svc, platform, frames)
	return out
}
