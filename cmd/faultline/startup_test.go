package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/harness"
	"github.com/faultline/faultline/internal/testenv"
)

// The password in every dependency URL of these tests: it must appear in no
// answer and no log line.
const depPassword = "startup-dep-pw-5d1c"

// role is one faultline service run in this process.
type role struct {
	base string
	logs func() string
	// stop cancels it and returns run's error, or fails the test when it
	// does not end.
	stop func() error
}

// startRole runs `faultline <cmd>` on a free loopback port and returns as
// soon as it listens, ready or not. The test fails when it has not stopped
// at the end, or printed depPassword.
func startRole(t *testing.T, cmd string, args ...string) role {
	t.Helper()
	bound := make(chan net.Addr, 1)
	ctx, cancel := context.WithCancel(context.Background())
	var logs bytes.Buffer
	var mu sync.Mutex
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{cmd, "--http-addr", "127.0.0.1:0"}, args...), lockedWriter{&mu, &logs}, lockedWriter{&mu, &logs},
			&hooks{httpReady: func(a net.Addr) { bound <- a }})
	}()
	r := role{logs: func() string {
		mu.Lock()
		defer mu.Unlock()
		return logs.String()
	}}
	r.stop = sync.OnceValue(func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			t.Errorf("faultline %s did not stop within 30 s of its context's end", cmd)
			return nil
		}
	})
	t.Cleanup(func() {
		if err := r.stop(); err != nil {
			t.Errorf("faultline %s exited with %v", cmd, err)
		}
		out := r.logs()
		if strings.Contains(out, depPassword) {
			t.Errorf("faultline %s logged a dependency's password", cmd)
		}
		if t.Failed() {
			t.Logf("faultline %s logs:\n%s", cmd, out)
		}
	})
	select {
	case a := <-bound:
		r.base = "http://" + a.String()
	case err := <-done:
		t.Fatalf("faultline %s stopped before listening: %v\n%s", cmd, err, r.logs())
	case <-time.After(30 * time.Second):
		t.Fatalf("faultline %s did not listen within 30 s: something blocks the listener\n%s", cmd, r.logs())
	}
	return r
}

// answer is one HTTP answer.
type answer struct {
	status     int
	retryAfter string
	body       string
}

func send(t *testing.T, method, url, body string) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{res.StatusCode, res.Header.Get("Retry-After"), string(b)}
}

// wantUnavailable checks a 503 with a usable Retry-After and no password.
func wantUnavailable(t *testing.T, what string, a answer) {
	t.Helper()
	if a.status != http.StatusServiceUnavailable {
		t.Errorf("%s: status %d (%s), want 503", what, a.status, a.body)
	}
	if n, err := strconv.Atoi(a.retryAfter); err != nil || n < 1 {
		t.Errorf("%s: Retry-After %q, want whole seconds", what, a.retryAfter)
	}
	if strings.Contains(a.body, depPassword) {
		t.Errorf("%s: the answer shows a password: %s", what, a.body)
	}
}

// wantNotReady checks /readyz: 503 with Retry-After, naming each of
// deps ("nats at nats://…", "elasticsearch at http://…") with its host and
// port but no credentials.
func wantNotReady(t *testing.T, base string, deps map[string]string) {
	t.Helper()
	a := send(t, http.MethodGet, base+"/readyz", "")
	wantUnavailable(t, "/readyz", a)
	for name, hostport := range deps {
		if !strings.Contains(a.body, name+" at ") || !strings.Contains(a.body, hostport) {
			t.Errorf("/readyz does not name %s at %s: %s", name, hostport, a.body)
		}
	}
}

// downDeps are a NATS and an Elasticsearch that are down at first, each
// with credentials in its URL, and can be brought up on the same address.
type downDeps struct {
	natsAddr, natsURL string
	es                *testenv.Proxy
	esURL, esReal     string
}

func newDownDeps(t *testing.T) *downDeps {
	t.Helper()
	d := &downDeps{esReal: testenv.ElasticsearchURL(t)}
	d.natsAddr = fmt.Sprintf("127.0.0.1:%d", harness.FreePort(t))
	d.natsURL = "nats://faultline:" + depPassword + "@" + d.natsAddr
	d.es = testenv.NewProxy(t, strings.TrimPrefix(d.esReal, "http://"))
	d.es.Down()
	d.esURL = "http://elastic:" + depPassword + "@" + d.es.Addr()
	return d
}

// natsUp starts a NATS with JetStream on the address the services were
// given, wanting the URL's password.
func (d *downDeps) natsUp(t *testing.T) {
	t.Helper()
	s, err := broker.StartEmbedded(t.TempDir(), d.natsAddr, broker.RequireAuth("faultline", depPassword, ""))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Shutdown)
}

func healthy(t *testing.T, r role) {
	t.Helper()
	if a := send(t, http.MethodGet, r.base+"/healthz", ""); a.status != http.StatusOK {
		t.Errorf("/healthz: %d %s, want 200 while dependencies are down", a.status, a.body)
	}
}

// ingest and processor, each on its own, started while NATS and
// Elasticsearch are down: both listen and say why they are not ready,
// ingest refuses events with 503 and Retry-After at once, and when NATS and
// then Elasticsearch come up both become ready by themselves and an event
// posted is stored.
func TestIngestAndProcessorStartWithDependenciesDown(t *testing.T) {
	d := newDownDeps(t)
	ing := startRole(t, "ingest", "--nats-url", d.natsURL)
	proc := startRole(t, "processor", "--nats-url", d.natsURL, "--es-url", d.esURL)

	for _, r := range []role{ing, proc} {
		healthy(t, r)
	}
	wantNotReady(t, ing.base, map[string]string{"nats": d.natsAddr})
	wantNotReady(t, proc.base, map[string]string{"nats": d.natsAddr, "elasticsearch": d.es.Addr()})
	service := fmt.Sprintf("startup-split-%d", time.Now().UnixNano())
	ev := logbackEvent(service, 1, "o-1")
	wantUnavailable(t, "POST /v1/logs", send(t, http.MethodPost, ing.base+"/v1/logs", ev))
	wantUnavailable(t, "POST /_bulk", send(t, http.MethodPost, ing.base+"/_bulk", `{"index":{}}`+"\n"+ev+"\n"))
	wantUnavailable(t, "POST /{index}/_bulk", send(t, http.MethodPost, ing.base+"/logs-app/_bulk", `{"create":{}}`+"\n"+ev+"\n"))
	for _, r := range []role{ing, proc} {
		if logs := r.logs(); !strings.Contains(logs, d.natsAddr) || !strings.Contains(logs, "next_try") {
			t.Errorf("no log line names NATS at %s and the next try:\n%s", d.natsAddr, logs)
		}
	}

	d.natsUp(t)
	testenv.Eventually(t, "ingest ready once NATS is up", 60*time.Second, func() bool { return testenv.HTTPOK(ing.base + "/readyz") })
	testenv.Eventually(t, "the processor waiting only for Elasticsearch", 60*time.Second, func() bool {
		a := send(t, http.MethodGet, proc.base+"/readyz", "")
		return a.status == http.StatusServiceUnavailable && strings.Contains(a.body, "elasticsearch at ") && !strings.Contains(a.body, "nats at ")
	})
	if a := send(t, http.MethodPost, ing.base+"/v1/logs", ev); a.status != http.StatusAccepted {
		t.Fatalf("event posted once NATS is up: %d %s, want 202", a.status, a.body)
	}

	d.es.Up()
	testenv.Eventually(t, "the processor ready once Elasticsearch is up", 60*time.Second, func() bool { return testenv.HTTPOK(proc.base + "/readyz") })
	testenv.Eventually(t, "the event stored", 60*time.Second, func() bool {
		return len(hits(t, d.esReal, "logs-faultline-default", service)) == 1
	})
}

// The notifier started while NATS is down listens, and its group API
// answers 503 with Retry-After until its state in NATS is there.
func TestNotifierStartsWithNATSDown(t *testing.T) {
	d := newDownDeps(t)
	d.es.Up()
	n := startRole(t, "notifier", "--nats-url", d.natsURL, "--es-url", d.esURL)
	healthy(t, n)
	wantNotReady(t, n.base, map[string]string{"nats": d.natsAddr})
	wantUnavailable(t, "GET /v1/groups", send(t, http.MethodGet, n.base+"/v1/groups", ""))
	wantUnavailable(t, "POST /v1/groups/x/mute", send(t, http.MethodPost, n.base+"/v1/groups/no-such-fingerprint/mute", ""))

	d.natsUp(t)
	testenv.Eventually(t, "the notifier ready once NATS is up", 60*time.Second, func() bool { return testenv.HTTPOK(n.base + "/readyz") })
	if a := send(t, http.MethodGet, n.base+"/v1/groups?limit=1", ""); a.status != http.StatusOK {
		t.Errorf("GET /v1/groups once ready: %d %s", a.status, a.body)
	}
}

// `faultline all` with an external NATS, both it and Elasticsearch down at
// start-up: it listens, names both, refuses work with 503; events are
// accepted once NATS is up, and stored once Elasticsearch is.
func TestAllStartsWithDependenciesDown(t *testing.T) {
	d := newDownDeps(t)
	all := startRole(t, "all", "--nats-url", d.natsURL, "--es-url", d.esURL, "--data-dir", t.TempDir())
	healthy(t, all)
	wantNotReady(t, all.base, map[string]string{"nats": d.natsAddr, "elasticsearch": d.es.Addr()})
	service := fmt.Sprintf("startup-all-%d", time.Now().UnixNano())
	ev := logbackEvent(service, 2, "o-2")
	wantUnavailable(t, "POST /v1/logs", send(t, http.MethodPost, all.base+"/v1/logs", ev))
	wantUnavailable(t, "GET /v1/groups", send(t, http.MethodGet, all.base+"/v1/groups", ""))

	d.natsUp(t)
	testenv.Eventually(t, "an event accepted once NATS is up", 60*time.Second, func() bool {
		return send(t, http.MethodPost, all.base+"/v1/logs", ev).status == http.StatusAccepted
	})
	wantNotReady(t, all.base, map[string]string{"elasticsearch": d.es.Addr()})

	d.es.Up()
	testenv.Eventually(t, "ready once Elasticsearch is up", 60*time.Second, func() bool { return testenv.HTTPOK(all.base + "/readyz") })
	testenv.Eventually(t, "the event stored", 60*time.Second, func() bool {
		return len(hits(t, d.esReal, "logs-faultline-default", service)) == 1
	})
}

// Stopped while still waiting for NATS and Elasticsearch, every role exits
// without an error (startRole fails the test when it does not stop).
func TestStopsWhileWaitingForDependencies(t *testing.T) {
	d := newDownDeps(t)
	for _, cmd := range []string{"ingest", "processor", "notifier", "all"} {
		r := startRole(t, cmd, "--nats-url", d.natsURL, "--es-url", d.esURL, "--data-dir", t.TempDir())
		healthy(t, r)
		if err := r.stop(); err != nil {
			t.Errorf("%s stopped while waiting: %v", cmd, err)
		}
	}
}
