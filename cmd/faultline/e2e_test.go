package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/testenv"
)

// newChat is a stand-in Discord webhook: the kit's inbox, refusing what
// is not JSON sent as JSON.
func newChat() *testenv.Inbox {
	return &testenv.Inbox{Check: func(r *http.Request, body []byte) error {
		if r.Header.Get("Content-Type") != "application/json" {
			return errors.New("bad payload")
		}
		return testenv.JSONBody[map[string]any](false)(r, body)
	}}
}

// logbackEvent is what logback's JsonEncoder writes for log.error("...", args, ex).
func logbackEvent(service string, line int, orderID string) string {
	return fmt.Sprintf(`{"sequenceNumber":7,"timestamp":%d,"nanoseconds":1,"level":"ERROR","threadName":"http-nio-8080-exec-%d","loggerName":"com.acme.checkout.OrderController","context":{"name":"%s","birthdate":1700000000000,"properties":{}},"mdc":{"requestId":"r-%s"},"message":"Order {} failed for customer {}","arguments":["%s","c-%d"],"throwable":{"className":"java.lang.IllegalStateException","message":"Payment declined for order %s","stepArray":[{"className":"com.acme.checkout.PaymentService","methodName":"charge","fileName":"PaymentService.java","lineNumber":%d},{"className":"com.acme.checkout.OrderService$$SpringCGLIB$$0","methodName":"placeOrder","fileName":"<generated>","lineNumber":-1},{"className":"com.acme.checkout.OrderService","methodName":"placeOrder","fileName":"OrderService.java","lineNumber":%d},{"className":"org.springframework.web.servlet.FrameworkServlet","methodName":"service","fileName":"FrameworkServlet.java","lineNumber":885},{"className":"java.lang.Thread","methodName":"run","fileName":"Thread.java","lineNumber":840}],"cause":{"className":"java.net.SocketTimeoutException","message":"Read timed out after %dms","stepArray":[{"className":"java.net.SocketInputStream","methodName":"read","fileName":"SocketInputStream.java","lineNumber":183},{"className":"com.acme.checkout.PaymentClient","methodName":"post","fileName":"PaymentClient.java","lineNumber":%d}],"commonFramesCount":3}}}`,
		time.Now().UnixMilli(), line, service, orderID, orderID, line, orderID, 40+line, 90+line, 3000+line, 60+line)
}

// hits returns the documents of a service, [] while the index does not
// exist.
func hits(t *testing.T, es, index, service string) []map[string]any {
	t.Helper()
	return testenv.ESSearch(t, es, index, fmt.Sprintf(`{"query":{"term":{"service.name":%q}},"size":100}`, service))
}

func post(t *testing.T, url, body string) (int, string) {
	t.Helper()
	res, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("post %s: %v", url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestEndToEnd is the foundation's promise: a logback error posted to ingest
// is searchable in Elasticsearch, grouped, and announced once on Discord.
func TestEndToEnd(t *testing.T) {
	es := testenv.ElasticsearchURL(t)
	chat := newChat()
	discordURL := chat.Serve(t)

	dir := t.TempDir()
	t.Setenv("TEST_DISCORD_WEBHOOK", discordURL+"/api/webhooks/123/secret-token")
	cfgFile := filepath.Join(dir, "faultline.yaml")
	if err := os.WriteFile(cfgFile, []byte(`
channels:
  - name: oncall
    type: discord
    url: ${TEST_DISCORD_WEBHOOK}
routes:
  - match: {level: ERROR}
    channels: [oncall]
notify:
  cooldown: 1h
`), 0o600); err != nil {
		t.Fatal(err)
	}
	base, _ := startAll(t, "--data-dir", dir, "--es-url", es, "--config", cfgFile)

	service := fmt.Sprintf("checkout-e2e-%d", time.Now().UnixNano())
	first := logbackEvent(service, 1, "o-1001")
	status, body := post(t, base+"/v1/logs", first)
	if status != http.StatusAccepted {
		t.Fatalf("first event: status %d, body %s", status, body)
	}

	var doc map[string]any
	testenv.Eventually(t, "the event in logs-faultline-default", 30*time.Second, func() bool {
		docs := hits(t, es, "logs-faultline-default", service)
		if len(docs) == 1 {
			doc = docs[0]
		}
		return len(docs) == 1
	})
	if got := dig(doc, "log", "level"); got != "ERROR" {
		t.Errorf("log.level = %v, want ERROR", got)
	}
	if got := dig(doc, "error", "type"); got != "java.lang.IllegalStateException" {
		t.Errorf("error.type = %v", got)
	}
	if got := dig(doc, "message"); got != "Order o-1001 failed for customer c-1" {
		t.Errorf("message = %v", got)
	}
	if got := dig(doc, "log", "logger"); got != "com.acme.checkout.OrderController" {
		t.Errorf("log.logger = %v", got)
	}
	if got := dig(doc, "process", "thread", "name"); got != "http-nio-8080-exec-1" {
		t.Errorf("process.thread.name = %v", got)
	}
	fp, _ := dig(doc, "faultline", "fingerprint").(string)
	if fp == "" {
		t.Fatalf("faultline.fingerprint missing in %v", doc)
	}

	groupCount := func() float64 {
		docs := hits(t, es, "faultline-groups", service)
		if len(docs) != 1 {
			return -1
		}
		c, _ := docs[0]["count"].(float64)
		return c
	}
	testenv.Eventually(t, "a group with count 1", 30*time.Second, func() bool { return groupCount() == 1 })
	g := hits(t, es, "faultline-groups", service)[0]
	if g["fingerprint"] != fp || g["status"] != "open" || g["culprit"] != "com.acme.checkout.PaymentClient.post" {
		t.Errorf("group document = %v", g)
	}

	testenv.Eventually(t, "one Discord message", 30*time.Second, func() bool { return len(testenv.Messages[map[string]any](chat)) == 1 })
	embed := testenv.Messages[map[string]any](chat)[0]["embeds"].([]any)[0].(map[string]any)
	text, _ := json.Marshal(embed)
	for _, want := range []string{service, "IllegalStateException", "Payment declined for order o-1001", "com.acme.checkout.PaymentClient.post"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("Discord embed does not name %q: %s", want, text)
		}
	}

	// The same bug after a deploy: other line numbers, other arguments.
	status, body = post(t, base+"/v1/logs", logbackEvent(service, 7, "o-2002"))
	if status != http.StatusAccepted {
		t.Fatalf("second event: status %d, body %s", status, body)
	}
	testenv.Eventually(t, "group count 2", 30*time.Second, func() bool { return groupCount() == 2 })
	if n := len(hits(t, es, "faultline-groups", service)); n != 1 {
		t.Errorf("%d groups for one bug, want 1", n)
	}
	// A client resending the first request (say after a timeout) changes nothing.
	if status, body = post(t, base+"/v1/logs", first); status != http.StatusAccepted {
		t.Fatalf("resent event: status %d, body %s", status, body)
	}
	// The repeat is within the cooldown: give the notifier time to (wrongly) send.
	time.Sleep(2 * time.Second)
	if n := len(testenv.Messages[map[string]any](chat)); n != 1 {
		t.Errorf("%d Discord messages after a repeat within the cooldown, want 1", n)
	}
	if c := groupCount(); c != 2 {
		t.Errorf("group count %v after a resent request, want 2", c)
	}
	if n := len(hits(t, es, "logs-faultline-default", service)); n != 2 {
		t.Errorf("%d events stored after a resent request, want 2", n)
	}
}

// startAll runs `faultline all` on loopback with args until the test ends,
// and returns its base URL and, with --metrics-addr given, the metrics
// listener's. The test fails when it exits with an error or its logs hold a
// "secret-" string.
func startAll(t *testing.T, args ...string) (base, metrics string) {
	t.Helper()
	a := launchAll(t, args...)
	return a.Base, a.Metrics
}

// allInstance is one `faultline all` running in this test's process.
type allInstance struct {
	Base, Metrics string
	logMu         sync.Mutex
	logs          bytes.Buffer
	out           bytes.Buffer // standard output: the console channel
	stopOnce      sync.Once
	stop          func()
}

// Logs is everything the instance printed so far.
func (a *allInstance) Logs() string {
	a.logMu.Lock()
	defer a.logMu.Unlock()
	return a.logs.String()
}

// Out is what the instance printed to standard output so far.
func (a *allInstance) Out() string {
	a.logMu.Lock()
	defer a.logMu.Unlock()
	return a.out.String()
}

// Stop stops the instance and waits for it, as SIGTERM would; the test's
// end stops it too.
func (a *allInstance) Stop() { a.stopOnce.Do(a.stop) }

// launchAll is startAll that hands back the running instance, to read its
// logs or stop it before the test ends.
func launchAll(t *testing.T, args ...string) *allInstance {
	t.Helper()
	// Port 0 and the start-up hook: the address is the one the server bound,
	// not a port another process may take between a probe and the bind.
	bound, metricsBound := make(chan net.Addr, 1), make(chan net.Addr, 1)
	ctx, cancel := context.WithCancel(context.Background())
	a := &allInstance{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"all", "--http-addr", "127.0.0.1:0", "--nats-listen", "127.0.0.1:-1"}, args...),
			lockedWriter{&a.logMu, &a.out}, lockedWriter{&a.logMu, &a.logs}, &hooks{httpReady: func(addr net.Addr) { bound <- addr }, metricsReady: func(addr net.Addr) { metricsBound <- addr }})
	}()
	a.stop = func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("faultline all exited with %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("faultline all did not stop within 30s")
		}
		logs := a.Logs()
		if t.Failed() {
			t.Logf("faultline logs:\n%s", logs)
		}
		if strings.Contains(logs, "secret-") {
			t.Error("logs contain a secret")
		}
	}
	t.Cleanup(a.Stop)
	select {
	case addr := <-bound:
		a.Base = "http://" + addr.String()
	case err := <-done:
		t.Fatalf("faultline all stopped before listening: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("faultline all did not listen within 60 s")
	}
	if slices.Contains(args, "--metrics-addr") {
		select {
		case addr := <-metricsBound:
			a.Metrics = "http://" + addr.String()
		case <-time.After(10 * time.Second):
			t.Fatal("no metrics listener")
		}
	}
	testenv.Eventually(t, "readyz", 60*time.Second, func() bool { return testenv.HTTPOK(a.Base + "/readyz") })
	return a
}

func dig(m map[string]any, path ...string) any {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[p]
	}
	return cur
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
