package grouping

import (
	"fmt"
	"strings"
	"testing"

	"github.com/faultline/faultline/internal/config"
	"github.com/faultline/faultline/internal/event"
)

func frames(ff ...string) []event.Frame {
	var out []event.Frame
	for i := 0; i+1 < len(ff); i += 2 {
		out = append(out, event.Frame{Class: ff[i], Method: ff[i+1], Line: 10 + i})
	}
	return out
}

func exEvent(service string, exs ...event.Exception) *event.Event {
	return &event.Event{Service: event.Service{Name: service}, Faultline: event.Faultline{Exceptions: exs}}
}

func TestFingerprintGroupsTheSameBug(t *testing.T) {
	f := NewFingerprinter()
	base := exEvent("checkout",
		event.Exception{Type: "java.lang.IllegalStateException", Message: "order 1 failed", Frames: frames(
			"com.acme.PaymentService", "charge",
			"com.acme.OrderService$$SpringCGLIB$$0", "placeOrder",
			"com.acme.OrderService", "placeOrder",
			"org.springframework.web.servlet.FrameworkServlet", "service",
			"java.lang.Thread", "run")},
		event.Exception{Type: "java.net.SocketTimeoutException", Message: "Read timed out", Frames: frames(
			"java.net.SocketInputStream", "read",
			"com.acme.PaymentClient", "lambda$post$0",
			"com.acme.PaymentClient", "post")},
	)
	same := []struct {
		name string
		ev   *event.Event
	}{
		{"other line numbers and messages", func() *event.Event {
			e := exEvent("checkout",
				event.Exception{Type: "java.lang.IllegalStateException", Message: "order 2 failed", Frames: []event.Frame{
					{Class: "com.acme.PaymentService", Method: "charge", Line: 99},
					{Class: "com.acme.OrderService$$SpringCGLIB$$0", Method: "placeOrder"},
					{Class: "com.acme.OrderService", Method: "placeOrder", Line: 7},
					{Class: "org.springframework.web.servlet.FrameworkServlet", Method: "service", Line: 1},
				}},
				event.Exception{Type: "java.net.SocketTimeoutException", Message: "Read timed out after 3s", Frames: frames(
					"com.acme.PaymentClient", "lambda$post$3",
					"com.acme.PaymentClient", "post")},
			)
			return e
		}()},
		{"without the CGLIB proxy frame, through a JDK proxy and reflection", exEvent("checkout",
			event.Exception{Type: "java.lang.IllegalStateException", Frames: frames(
				"com.acme.PaymentService", "charge",
				"jdk.proxy2.$Proxy45", "placeOrder",
				"com.acme.OrderService", "placeOrder",
				"jdk.internal.reflect.GeneratedMethodAccessor12", "invoke")},
			event.Exception{Type: "java.net.SocketTimeoutException", Frames: frames(
				"com.acme.PaymentClient", "lambda$post$0",
				"com.acme.PaymentClient", "post")},
		)},
	}
	want := f.Compute(base)
	if want.Culprit != "com.acme.PaymentClient.lambda$post" {
		t.Errorf("culprit = %q, want the root cause's first in-app frame", want.Culprit)
	}
	for _, tc := range same {
		if got := f.Compute(tc.ev); got.Fingerprint != want.Fingerprint {
			t.Errorf("%s: fingerprint %s, want %s (same bug)", tc.name, got.Fingerprint, want.Fingerprint)
		}
	}

	different := []struct {
		name string
		ev   *event.Event
	}{
		{"same type from another place", exEvent("checkout",
			event.Exception{Type: "java.lang.IllegalStateException", Frames: frames("com.acme.CartService", "add")},
			event.Exception{Type: "java.net.SocketTimeoutException", Frames: frames("com.acme.PaymentClient", "post")})},
		{"same place, another exception type", exEvent("checkout",
			event.Exception{Type: "java.lang.IllegalArgumentException", Frames: frames("com.acme.PaymentService", "charge", "com.acme.OrderService", "placeOrder")},
			event.Exception{Type: "java.net.SocketTimeoutException", Frames: frames("com.acme.PaymentClient", "post")})},
		{"same bug in another service", func() *event.Event { e := *base; e.Service.Name = "billing"; return &e }()},
	}
	for _, tc := range different {
		if got := f.Compute(tc.ev); got.Fingerprint == want.Fingerprint {
			t.Errorf("%s: grouped with the base bug", tc.name)
		}
	}
}

func TestFingerprintWithoutStack(t *testing.T) {
	f := NewFingerprinter()
	fp := func(ev *event.Event) string { return f.Compute(ev).Fingerprint }
	msg := func(m, tmpl string) *event.Event {
		return &event.Event{Message: m, Log: event.Log{Logger: "com.acme.Jobs"}, Service: event.Service{Name: "jobs"}, Faultline: event.Faultline{MessageTemplate: tmpl}}
	}
	if a, b := fp(msg("Job 12 failed for alice", "Job {} failed for {}")), fp(msg("Job 99 failed for bob", "Job {} failed for {}")); a != b {
		t.Error("same template, different arguments: not grouped")
	}
	// Arguments that normalisation replaces: the key is the normalised
	// message, so the same bug logged without its template (logstash, ECS)
	// lands in the same group.
	withTpl := fp(msg("Cart cart-2810 timed out after 5000 ms", "Cart {} timed out after {} ms"))
	if other := fp(msg("Cart cart-2811 timed out after 5250 ms", "Cart {} timed out after {} ms")); other != withTpl {
		t.Error("same template, ids as arguments: not grouped")
	}
	if noTpl := fp(msg("Cart cart-2899 timed out after 100 ms", "")); noTpl != withTpl {
		t.Error("the same bug with and without its template: not grouped")
	}
	if fp(msg("Cart cart-1 timed out after 1 ms", "Cart {} failed after {} ms")) == withTpl {
		t.Error("a message that does not fit its template grouped with one that does")
	}
	a := fp(msg("Timeout calling 10.0.0.12:8080 for user 3f2504e0-4f89-11d3-9a0c-0305e82c3301 at 2026-11-25T01:02:03Z", ""))
	b := fp(msg("Timeout calling 192.168.1.7:9090 for user 9a2504e0-4f89-11d3-9a0c-0305e82c3399 at 2026-11-26T11:12:13Z", ""))
	if a != b {
		t.Error("same message with other IPs, UUIDs and timestamps: not grouped")
	}
	if c := fp(msg("Disk full on /var/data", "")); c == a {
		t.Error("different messages grouped")
	}
	explicit := msg("anything", "")
	explicit.Labels = map[string]string{"fingerprint": "billing-outage"}
	other := msg("something else", "")
	other.Labels = map[string]string{"fingerprint": "billing-outage"}
	if fp(explicit) != fp(other) {
		t.Error("an explicit fingerprint did not win")
	}
}

func TestArgumentsVary(t *testing.T) {
	for _, c := range []struct {
		tpl, msg string
		want     bool
	}{
		{"Order {} failed", "Order 42 failed", true},
		{"{} orders from {}", "12 orders from 10.0.0.1", true},
		{"Order {} failed for {}", "Order 42 failed for alice", false},
		{"Order {}{} failed", "Order 4242 failed", false},
		{"Order {} failed", "Order  failed", false},
		{"Order {} failed", "Order 42 crashed", false},
		{"Order failed", "Order failed", false},
		{"Order {} failed", "Invoice 42 failed", false},
		{"a {} b {} b", "a 1 b 2 b", true},
	} {
		if got := argumentsVary(c.tpl, c.msg, true); got != c.want {
			t.Errorf("argumentsVary(%q, %q) = %v", c.tpl, c.msg, got)
		}
	}
}

func TestNormalizeMessage(t *testing.T) {
	cases := map[string]string{
		"user bob@example.com failed 3 times":                  "user <email> failed <int> times",
		"id 550e8400-e29b-41d4-a716-446655440000 not found":    "id <uuid> not found",
		"object 0x7ffd1234 and hash deadbeef12 at 10.1.2.3":    "object <hex> and hash <hex> at <ip>",
		"key 'abc' missing since 2026-01-02 03:04:05":          "key <quoted> missing since <date>",
		"first line 1\nsecond line 2\nthird line is dropped 3": "first line <int>\nsecond line <int>",
		"a decade of words stays":                              "a decade of words stays",
	}
	for in, want := range cases {
		if got := NormalizeMessage(in); got != want {
			t.Errorf("NormalizeMessage(%q) = %q, want %q", in, got, want)
		}
	}
}

// A quoted value may hold an escaped quote, as encoding/json's errors and
// Go's %q write them; faultline:1 ended the value at that quote and left
// the rest, so the same error read differently by the character it choked
// on. faultline:1 keeps doing so: it is frozen.
func TestNormalizeMessageQuotes(t *testing.T) {
	cases := []struct{ in, v1, latest string }{
		{`invalid character 'b' looking for beginning of object key string`,
			`invalid character <quoted> looking for beginning of object key string`,
			`invalid character <quoted> looking for beginning of object key string`},
		{`invalid character '\'' looking for beginning of object key string`,
			`invalid character <quoted>' looking for beginning of object key string`,
			`invalid character <quoted> looking for beginning of object key string`},
		{`invalid character '"' after object key`, `invalid character <quoted> after object key`, `invalid character <quoted> after object key`},
		{`unknown field "a\"b" in config`, `unknown field <quoted>b" in config`, `unknown field <quoted> in config`},
		{`cannot open 'C:\data\' for reading`, `cannot open <quoted> for reading`, `cannot open <quoted> for reading`},
		{`path "a\\" and 'b'`, `path <quoted> and <quoted>`, `path <quoted> and <quoted>`},
		{`it's 'x\`, `it<quoted>x\`, `it<quoted>x\`},
		{`dangling 'quote`, `dangling 'quote`, `dangling 'quote`},
	}
	for _, c := range cases {
		if got := normalizeMessage(c.in, false); got != c.v1 {
			t.Errorf("faultline:1 normalised %q to %q, want %q", c.in, got, c.v1)
		}
		if got := NormalizeMessage(c.in); got != c.latest {
			t.Errorf("NormalizeMessage(%q) = %q, want %q", c.in, got, c.latest)
		}
	}
}

// A message of a megabyte is normalised by its start: the rest costs
// nothing and does not split the group.
func TestNormalizeMessageLongLine(t *testing.T) {
	long := "Upload 42 failed: " + strings.Repeat("0123456789abcdef", 1<<16)
	got := NormalizeMessage(long)
	if len(got) > maxNormalizedBytes || !strings.HasPrefix(got, "Upload <int> failed: ") {
		t.Errorf("NormalizeMessage of %d bytes gave %d bytes starting %.40q; want at most %d, normalised", len(long), len(got), got, maxNormalizedBytes)
	}
	if other := NormalizeMessage(long + "tail that differs"); other != got {
		t.Errorf("a difference past %d bytes changed the normalised message", maxNormalizedBytes)
	}
}

func BenchmarkFingerprint(b *testing.B) {
	f := NewFingerprinter()
	ev := exEvent("checkout",
		event.Exception{Type: "java.lang.IllegalStateException", Message: "order 1 failed", Frames: frames(
			"com.acme.PaymentService", "charge", "com.acme.OrderService$$SpringCGLIB$$0", "placeOrder",
			"com.acme.OrderService", "placeOrder", "org.springframework.web.servlet.FrameworkServlet", "service",
			"org.apache.catalina.core.ApplicationFilterChain", "doFilter", "java.lang.Thread", "run")},
		event.Exception{Type: "java.net.SocketTimeoutException", Message: "Read timed out", Frames: frames(
			"java.net.SocketInputStream", "read", "com.acme.PaymentClient", "lambda$post$0", "com.acme.PaymentClient", "post")},
	)
	b.ReportAllocs()
	for b.Loop() {
		f.Compute(ev)
	}
}

func TestFingerprintConfiguration(t *testing.T) {
	f := NewFingerprinterFrom(config.Grouping{
		InApp: map[string][]string{"shop": {"com.shop."}},
		Rules: []config.FingerprintRule{{Match: map[string]string{"service": "shop", "message": "*deadline exceeded*"}, Fingerprint: "grpc-deadlines"}},
	})
	// In shop, com.vendor frames are library code: only com.shop frames tell bugs apart.
	a := exEvent("shop", event.Exception{Type: "java.lang.RuntimeException", Frames: frames("com.vendor.Sdk", "call", "com.shop.Cart", "add")})
	b := exEvent("shop", event.Exception{Type: "java.lang.RuntimeException", Frames: frames("com.vendor.Sdk", "retry", "com.shop.Cart", "add")})
	if f.Compute(a).Fingerprint != f.Compute(b).Fingerprint {
		t.Error("frames outside the service's in-app packages split a group")
	}
	if got := f.Compute(a).Culprit; got != "com.shop.Cart.add" {
		t.Errorf("culprit = %q", got)
	}
	// Elsewhere the default applies, and com.vendor is in-app.
	a.Service.Name, b.Service.Name = "other", "other"
	if f.Compute(a).Fingerprint == f.Compute(b).Fingerprint {
		t.Error("in-app settings of shop leaked into another service")
	}
	r1 := &event.Event{Service: event.Service{Name: "shop"}, Message: "call 1 deadline exceeded after 3s", Faultline: event.Faultline{Exceptions: []event.Exception{{Type: "A", Frames: frames("com.shop.X", "a")}}}}
	r2 := &event.Event{Service: event.Service{Name: "shop"}, Message: "stream deadline exceeded", Faultline: event.Faultline{Exceptions: []event.Exception{{Type: "B", Frames: frames("com.shop.Y", "b")}}}}
	if f.Compute(r1).Fingerprint != f.Compute(r2).Fingerprint {
		t.Error("a fingerprint rule did not group its matches")
	}
}

// The name cache stays bounded under endless distinct names (hostile or
// generated input), and a name read again after it was emptied comes out
// the same.
func TestNameCacheIsBounded(t *testing.T) {
	f := NewFingerprinter()
	for i := range nameCacheSize + 10 {
		f.class(fmt.Sprintf("com.acme.Gen%d$$SpringCGLIB$$0", i))
	}
	if n := f.names.len(); n > nameCacheSize {
		t.Errorf("cache holds %d names, bound %d", n, nameCacheSize)
	}
	for _, c := range []string{"com.acme.Gen1$$SpringCGLIB$$0", "java.lang.Thread", "com.acme.Orders"} {
		want := classInfo{generated: strings.Contains(c, "$$"), library: strings.HasPrefix(c, "java.")}
		for range 2 {
			if got := f.class(c); got != want {
				t.Errorf("class(%q) = %+v, want %+v", c, got, want)
			}
		}
	}
	if got := f.method("lambda$post$12"); got != "lambda$post" {
		t.Errorf("method = %q", got)
	}
}
