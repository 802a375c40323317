package event

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// The .traces files hold what real Python, Node and Go programs printed
// (schemas/testdata/generator/langs/generate.sh), one text per form feed
// line. Paths are the generator's temporary directory, so frames are
// compared by file name.
func traces(t testing.TB, lang string) []string {
	t.Helper()
	var out []string
	for _, s := range strings.Split(mustRead("testdata/"+lang+".traces"), "\f\n") {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// render writes a chain compactly: "Type: message" lines, each frame
// indented as "class|method|file:line" with the file's base name.
func render(chain []Exception) string {
	var b strings.Builder
	for _, ex := range chain {
		fmt.Fprintf(&b, "%s: %s\n", ex.Type, ex.Message)
		for _, f := range ex.Frames {
			fmt.Fprintf(&b, "  %s|%s|%s:%d\n", f.Class, f.Method, filepath.Base(f.File), f.Line)
		}
	}
	return b.String()
}

func checkParse(t *testing.T, text, wantPlatform, want string) {
	t.Helper()
	platform, chain := ParseStack(text)
	if platform != wantPlatform {
		t.Errorf("platform %q, want %q", platform, wantPlatform)
	}
	if got := render(chain); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestParseRealStacks(t *testing.T) {
	tests := []struct {
		lang     string
		i        int
		platform string
		want     string
	}{
		{"python", 0, PlatformPython, `shop.config.ConfigError: config load failed
  |load|config.py:12
  |show|traces.py:10
json.decoder.JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)
  |raw_decode|decoder.py:353
  |decode|decoder.py:337
  |loads|__init__.py:346
  |load|config.py:10
`},
		{"python", 1, PlatformPython, `shop.billing.PaymentError: payment for order 7 failed
  |charge_card|billing.py:19
  |show|traces.py:10
paylib.GatewayError: gateway rejected /charges for order 7: card declined
  |_post|__init__.py:13
  |charge|__init__.py:9
  |charge_card|billing.py:17
`},
		// "During handling of the above exception": the fallback's own bug.
		{"python", 2, PlatformPython, `IndexError: list index out of range
  |average_basket|orders.py:6
  |show|traces.py:10
ZeroDivisionError: division by zero
  |average_basket|orders.py:3
`},
		// An ExceptionGroup: its sub-exceptions are not the chain, and the
		// member count str() appends is not its message.
		{"python", 3, PlatformPython, `ExceptionGroup: bulk submit failed
  |bulk_submit|orders.py:15
  |show|traces.py:10
`},
		{"node", 0, PlatformJavaScript, `RangeError: invoice 3 has a negative total
  |<anonymous>|billing.js:15
  |Object.each|index.js:4
  |Object.settle|billing.js:13
  |main|traces.js:14
  |Object.<anonymous>|traces.js:26
  |Module._compile|loader:1521
  |Module._extensions..js|loader:1623
  |Module.load|loader:1266
  |Module._load|loader:1091
  |Function.executeUserEntryPoint|run_main:164
`},
		// util.inspect's [cause], nested one level deeper.
		{"node", 1, PlatformJavaScript, `Error: config load failed
  |Object.load|config.js:12
  |main|traces.js:19
SyntaxError: Expected property name or '}' in JSON at position 1
  |JSON.parse|<anonymous>:0
  |new Loader|config.js:3
  |Object.load|config.js:10
  |main|traces.js:19
`},
		// An AggregateError's [errors] are not its causes.
		{"node", 2, PlatformJavaScript, `AggregateError: all failed
  |main|traces.js:23
`},
		// Node's report of an uncaught exception: the source line above is skipped.
		{"node", 3, PlatformJavaScript, `Error: amount must be positive
  |Object.validatePayment|billing.js:5
  |Object.<anonymous>|crash.js:3
  |Module._compile|loader:1521
  |Module._extensions..js|loader:1623
  |Module.load|loader:1266
  |Module._load|loader:1091
  |Function.executeUserEntryPoint|run_main:164
  |<anonymous>|run_main_module:28
`},
		// net/http's log line for a handler that panicked.
		{"go", 0, PlatformGo, `runtime.Error: runtime error: index out of range [8] with length 2
  net/http|(*conn).serve.func1|server.go:1897
  |panic|panic.go:860
  github.com/acme/goshop/cart|(*Cart).PriceOf|cart.go:11
  github.com/acme/goshop/cart|(*Cart).Checkout|cart.go:18
  main|main.func2|main.go:33
  net/http|HandlerFunc.ServeHTTP|server.go:2286
  net/http|serverHandler.ServeHTTP|server.go:3311
  net/http|(*conn).serve|server.go:2067
  net/http|(*Server).Serve|server.go:3464
`},
		// github.com/pkg/errors' %+v of errors.Wrap: the cause's text first.
		{"go", 1, PlatformGo, `error: config load failed
  github.com/acme/goshop/config|Load|config.go:14
  main|main|main.go:43
  runtime|main|proc.go:290
  runtime|goexit|asm_amd64.s:1771
error: invalid character 'b' looking for beginning of object key string
`},
		// A goroutine that a module dependency (errgroup) started.
		{"go", 2, PlatformGo, `error: invoice 3 has a negative total
  github.com/acme/goshop/billing|SettleAll.func1|billing.go:38
  golang.org/x/sync/errgroup|(*Group).Go.func1|errgroup.go:93
  runtime|goexit|asm_amd64.s:1771
`},
		// The runtime's report of a panic in a goroutine, "created by" last.
		{"go", 3, PlatformGo, `runtime.Error: runtime error: index out of range [4] with length 2
  github.com/acme/goshop/cart|(*Cart).PriceOf|cart.go:11
  github.com/acme/goshop/cart|(*Cart).Quote|cart.go:25
  main|main.func1|main.go:26
  main|main|main.go:24
`},
	}
	texts := map[string][]string{}
	for _, lang := range []string{"python", "node", "go"} {
		texts[lang] = traces(t, lang)
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.lang, tt.i), func(t *testing.T) {
			if tt.i >= len(texts[tt.lang]) {
				t.Fatalf("%s.traces has %d texts", tt.lang, len(texts[tt.lang]))
			}
			checkParse(t, texts[tt.lang][tt.i], tt.platform, tt.want)
		})
	}
	if n := len(texts["python"]) + len(texts["node"]) + len(texts["go"]); n != len(tests) {
		t.Errorf("the .traces files hold %d texts, the table covers %d", n, len(tests))
	}
}

func TestParseStackShapes(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		platform string
		want     string
	}{
		{"python frames alone (ecs-logging's error.stack_trace)",
			"  File \"/srv/app/shop/cart.py\", line 5, in price_of\n    return PRICES[sku]\n           ~~~~~~^^^^^\n",
			PlatformPython, ": \n  |price_of|cart.py:5\n"},
		{"python type defined in a function, message over two lines",
			"Traceback (most recent call last):\n  File \"/a/b.py\", line 3, in f\n    raise E('x')\nb.f.<locals>.E: first line\nsecond line\n",
			PlatformPython, "b.f.<locals>.E: first line\nsecond line\n  |f|b.py:3\n"},
		{"python exception without traceback as the root cause",
			"ValueError: bad\n\nThe above exception was the direct cause of the following exception:\n\nTraceback (most recent call last):\n  File \"/a/b.py\", line 9, in g\n    raise RuntimeError('wrap') from e\nRuntimeError: wrap\n",
			PlatformPython, "RuntimeError: wrap\n  |g|b.py:9\nValueError: bad\n"},
		{"python recursion note",
			"Traceback (most recent call last):\n  File \"/a/b.py\", line 2, in f\n    return f()\n  [Previous line repeated 996 more times]\nRecursionError: maximum recursion depth exceeded\n",
			PlatformPython, "RecursionError: maximum recursion depth exceeded\n  |f|b.py:2\n"},
		{"go re-panic",
			"panic: first [recovered]\n\tpanic: second\n\ngoroutine 1 [running]:\nmain.f()\n\t/a/main.go:5 +0x1d\nmain.main()\n\t/a/main.go:9 +0x17\nexit status 2\n",
			PlatformGo, "panic: second\n  main|f|main.go:5\n  main|main|main.go:9\npanic: first\n"},
		{"go nil dereference with its signal line, only the first goroutine",
			"panic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4553ee]\n\ngoroutine 1 [running]:\nexample.com/a/b.(*T).M(0x0)\n\t/a/b/b.go:5 +0xe\n\ngoroutine 2 [chan receive]:\nexample.com/a/c.wait()\n\t/a/c/c.go:9 +0x1\n",
			PlatformGo, "runtime.Error: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4553ee]\n  example.com/a/b|(*T).M|b.go:5\n"},
		{"go pkg/errors Wrap of an error with a stack: two stacks, cause first",
			"root\nexample.com/a.f\n\t/a/a.go:3\nruntime.goexit\n\t/go/src/runtime/asm_amd64.s:1700\nwrapped\nexample.com/a.g\n\t/a/a.go:9\nruntime.goexit\n\t/go/src/runtime/asm_amd64.s:1700\n",
			PlatformGo, "error: wrapped\n  example.com/a|g|a.go:9\n  runtime|goexit|asm_amd64.s:1700\nerror: root\n  example.com/a|f|a.go:3\n  runtime|goexit|asm_amd64.s:1700\n"},
		{"go GOTRACEBACK=system header",
			"fatal error: concurrent map writes\n\ngoroutine 7 gp=0xc000002380 m=3 mp=0xc000080008 [running]:\nexample.com/a.(*Cache).Put(...)\n\t/a/cache.go:12 +0x2a\n",
			PlatformGo, "fatal error: concurrent map writes\n  example.com/a|(*Cache).Put|cache.go:12\n"},
		{"go last path element with an escaped dot",
			"panic: x\n\ngoroutine 1 [running]:\ngopkg.in/yaml%2ev3.(*decoder).unmarshal(...)\n\t/m/gopkg.in/yaml.v3@v3.0.1/decode.go:5 +0x1\n",
			PlatformGo, "panic: x\n  gopkg.in/yaml%2ev3|(*decoder).unmarshal|decode.go:5\n"},
		{"v8 async, new, alias, eval, file URL and a system error code",
			"Error [ERR_INVALID_ARG_TYPE]: The \"path\" argument must be of type string\n    at new Foo (file:///app/src/foo.mjs:3:9)\n    at async Promise.all (index 0)\n    at Object.run [as handler] (/app/src/run.js:7:1)\n    at eval (eval at <anonymous> (/app/src/x.js:1:1), <anonymous>:1:1)\n    at /app/src/top.js:2:3\n",
			PlatformJavaScript, "Error [ERR_INVALID_ARG_TYPE]: The \"path\" argument must be of type string\n  |new Foo|foo.mjs:3\n  |Promise.all|index 0:0\n  |Object.run|run.js:7\n  |eval|<anonymous>:1\n  |<anonymous>|top.js:2\n"},
		{"v8 causes as pino writes them, a cycle printed by util.inspect is no cause",
			"Error: outer\n    at a (/app/a.js:1:1)\ncaused by: TypeError: inner\n    at b (/app/b.js:2:2)\n  [cause]: [Circular *1]\n",
			PlatformJavaScript, "Error: outer\n  |a|a.js:1\nTypeError: inner\n  |b|b.js:2\n"},
		{"java stays java", "java.lang.IllegalStateException: x\n\tat com.acme.A.f(A.java:3)\n", "java", "java.lang.IllegalStateException: x\n  com.acme.A|f|A.java:3\n"},
		{"java message quoting a V8 stack is still java, its frames decide",
			"java.lang.RuntimeException: node said: TypeError: x\n\tat com.acme.A.f(A.java:3)\n", "java", "java.lang.RuntimeException: node said: TypeError: x\n  com.acme.A|f|A.java:3\n"},
		{"binary junk", "\x00\xff\xfe at \x01:1:2\n\tpanic: \x00", "", ""},
		{"a message alone", "TypeError: x", "java", "TypeError: x\n"},
		{"a traceback header alone", "Traceback (most recent call last):\n", "", ""},
		{"v8 frames without a header", "    at f (/a.js:1:2)\n", PlatformJavaScript, "Error: \n  |f|a.js:1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkParse(t, tt.text, tt.platform, tt.want)
		})
	}
}

// Hostile sizes: a parser keeps at most maxChain exceptions (or gives up)
// and maxFrames frames each, in time linear in the text.
func TestParseStackBounds(t *testing.T) {
	many := func(n int, s string) string { return strings.Repeat(s, n) }
	tests := []struct {
		name string
		text string
	}{
		{"python frames", "Traceback (most recent call last):\n" + many(50_000, "  File \"/a.py\", line 1, in f\n    f()\n") + "RecursionError: deep\n"},
		{"python causes", many(5_000, "Traceback (most recent call last):\n  File \"/a.py\", line 1, in f\nValueError: x\n\nThe above exception was the direct cause of the following exception:\n\n")},
		{"go frames", "panic: x\n\ngoroutine 1 [running]:\n" + many(50_000, "main.f(...)\n\t/a/main.go:3\n")},
		{"go wrapped errors", many(5_000, "msg\nmain.f\n\t/a/main.go:3\n")},
		{"v8 frames", "Error: x\n" + many(50_000, "    at f (/a.js:1:2)\n")},
		{"v8 causes", "Error: x\n    at f (/a.js:1:2)\n" + many(5_000, "caused by: Error: y\n    at g (/b.js:1:2)\n")},
		{"v8 nested causes", "Error: x\n    at f (/a.js:1:2) {\n" + many(5_000, "  [cause]: Error: y\n      at g (/b.js:1:2) {\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, chain := ParseStack(tt.text)
			if len(chain) > maxChain {
				t.Errorf("%d exceptions", len(chain))
			}
			for _, ex := range chain {
				if len(ex.Frames) > maxFrames {
					t.Errorf("%d frames", len(ex.Frames))
				}
			}
		})
	}
}

// checkChain holds what every parser promises, whatever the input.
func checkChain(t *testing.T, chain []Exception) {
	t.Helper()
	if len(chain) > maxChain {
		t.Fatalf("%d exceptions", len(chain))
	}
	for _, ex := range chain {
		if strings.Contains(ex.Type, "\n") {
			t.Fatalf("exception type %q spans lines", ex.Type)
		}
		if len(ex.Frames) > maxFrames {
			t.Fatalf("%d frames", len(ex.Frames))
		}
		for _, fr := range ex.Frames {
			if fr.Method == "" || strings.ContainsAny(fr.Class+fr.Method+fr.File, "\n") || fr.Line < 0 {
				t.Fatalf("bad frame %+v", fr)
			}
		}
	}
}

func fuzzParser(f *testing.F, lang string, parse func(string) []Exception) {
	for _, s := range traces(f, lang) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		checkChain(t, parse(normalizeNewlines(text)))
	})
}

func FuzzParsePython(f *testing.F) { fuzzParser(f, "python", parsePython) }
func FuzzParseGo(f *testing.F)     { fuzzParser(f, "go", parseGo) }
func FuzzParseJS(f *testing.F)     { fuzzParser(f, "node", parseJS) }

// BenchmarkParseStack: Java's cost includes the platform detection's pass
// over the text; the others are their parsers on real stacks.
func BenchmarkParseStack(b *testing.B) {
	for _, tc := range []struct{ name, text string }{
		{"java", javaTrace}, {"python", traces(b, "python")[0]}, {"go", traces(b, "go")[0]}, {"node", traces(b, "node")[1]},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ParseStack(tc.text)
			}
		})
	}
}
