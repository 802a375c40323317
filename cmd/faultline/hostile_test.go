package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/faultline/faultline/internal/auth"
	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/group"
	"github.com/faultline/faultline/internal/harness"
	"github.com/faultline/faultline/internal/testenv"
)

// The secrets the hostile suite's instance runs with. Each holds "secret-",
// which launchAll also looks for in the logs.
const (
	hostileESPass       = "secret-es-p@ss-h0stile" // '@' is percent-encoded in the URL
	hostileNATSToken    = "secret-nats-tok-h0stile"
	hostileDiscordToken = "secret-discord-tok-h0stile"
	hostileHookSecret   = "secret-hook-h0stile"
)

// Sizes the rows use; why each is what it is is said in its row.
const (
	bigEventBytes      = 1_040_000
	bigEvents          = 1000
	concurrentBodies   = 200
	concurrentLines    = 50
	concurrentLineSize = 100_000
	maxInflightBytes   = 64 << 20
	maxBulkBytes       = 8 << 20
)

// hostile is the suite's `faultline all` and what the rows share: its keys,
// chat receivers and a way to look into its NATS and Elasticsearch.
type hostile struct {
	es       string // the local node, for the test's own queries
	esSecret string // the same node in a URL with a password
	inst     *allInstance
	natsURL  string
	prefix   string
	keys     map[string]string // key name → the key itself
	discord  *testenv.Inbox
	hook     *harness.ChatReceiver
	client   *http.Client
	secrets  []string
	// printed holds the logs of instances other than inst (row 7's).
	printedMu sync.Mutex
	printed   []string
}

// TestHostileClients is issue 13's proof: one row per attack on a real
// `faultline all` (embedded NATS, the local Elasticsearch) with scoped keys
// and a Discord channel. Each row checks the answer the attacker gets and
// that nothing accepted was lost: every event answered 202 is stored, the
// counts are exact, and alerts still arrive where that applies.
func TestHostileClients(t *testing.T) {
	h := startHostile(t)
	rows := []struct {
		name   string
		expect string
		run    func(t *testing.T, h *hostile)
	}{
		{"01 ingest key mutes a group", "403; the group stays open with no status change; its next alert (threshold) arrives; count 6 of 6", rowIngestKeyMutes},
		{"02 read key resolves a group", "403; the group stays open with no status change; count unchanged", rowReadKeyResolves},
		{"03 scoped key reaches another service", "list shows only A's groups (B's exist); ?service=B is an empty list; GET and mute of B's group 403; B unchanged", rowScopedKey},
		{"04 unauthenticated handshake flood", "2000 requests on the Elasticsearch handshake routes, each 401; /healthz 200 throughout; 100 keyed events sent meanwhile all 202 and stored", rowUnauthenticatedFlood},
		{"05 2000 distinct label keys", "100 events of 20 new label keys each: all 202, stored, searchable by label, no dead letter, no mapped field added for them", rowLabelKeys},
		{"06 1000 events of 1 MB", "1000 events of 1 040 000 bytes: all 202 and stored, no dead letter, every bulk request within processor.max_bulk_bytes", rowBigEvents},
		{"07 store full", "507 + Retry-After once the events stream is full, /readyz names \"event stream full\"; after a restart with Elasticsearch reachable every 202'd event is stored and the refused one gets in", rowStoreFull},
		{"08 200 concurrent 5 MB bodies", "each 202 or 503 + Retry-After, nothing else; every 202'd event stored; in-flight gauge never above ingest.max_inflight_bytes", rowConcurrentBodies},
		{"09 mention and markdown injection", "Discord payload with allowed_mentions {\"parse\": []} and the event's text neutralised exactly as notifier/untrusted.go says; the service is the key's, not the event's label", rowChatInjection},
		{"10 secrets in every log", "no secret in the instance's stderr, /metrics or any chat payload after all of the above", rowSecrets},
	}
	var timings []string
	for _, r := range rows {
		start := time.Now()
		ok := t.Run(r.name, func(t *testing.T) {
			t.Logf("expect: %s", r.expect)
			r.run(t, h)
		})
		timings = append(timings, fmt.Sprintf("%-40s %8s  %s", r.name, time.Since(start).Round(100*time.Millisecond), map[bool]string{true: "ok", false: "FAILED"}[ok]))
	}
	t.Logf("row timings:\n%s", strings.Join(timings, "\n"))
}

func startHostile(t *testing.T) *hostile {
	t.Helper()
	es := testenv.ElasticsearchURL(t)
	h := &hostile{
		es:       es,
		esSecret: esWithPass(strings.TrimPrefix(es, "http://")),
		prefix:   fmt.Sprintf("hostile-%d", time.Now().UnixNano()),
		keys:     map[string]string{},
		discord:  newChat(),
		hook:     harness.NewChatReceiver(),
		client: &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{
			MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: 30 * time.Second}},
	}
	discord := httptest.NewServer(h.discord)
	t.Cleanup(discord.Close)
	hook := httptest.NewServer(h.hook)
	t.Cleanup(hook.Close)
	t.Setenv("HOSTILE_DISCORD", discord.URL+"/api/webhooks/123/"+hostileDiscordToken)
	t.Setenv("HOSTILE_WEBHOOK", hook.URL+"/hook")
	t.Setenv("HOSTILE_WEBHOOK_SECRET", hostileHookSecret)

	var keys strings.Builder
	addKey := func(name, spec string) {
		key := "secret-key-" + name + "-" + h.prefix
		h.keys[name] = key
		fmt.Fprintf(&keys, "    - {name: %s, %s, hash: %q}\n", name, spec, auth.Hash(key))
	}
	for _, s := range []string{"a", "b", "flood", "labels", "big", "conc", "chat"} {
		addKey("ingest-"+s, "service: "+h.svc(s))
	}
	addKey("read-a", fmt.Sprintf("roles: [read], services: [%q]", h.svc("a")))
	addKey("admin-a", fmt.Sprintf("roles: [admin], services: [%q]", h.svc("a")))
	addKey("oncall", "roles: [admin]")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "faultline.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`
channels:
  - {name: oncall, type: discord, url: "${HOSTILE_DISCORD}"}
  - {name: hook, type: webhook, url: "${HOSTILE_WEBHOOK}", secret: "${HOSTILE_WEBHOOK_SECRET}"}
notify:
  cooldown: 1h
  storm: {threshold: 100000}
grouping:
  threshold: {count: 5, window: 5m}
processor: {max_bulk_bytes: %d}
ingest: {max_inflight_bytes: %d}
auth:
  keys:
%s`, maxBulkBytes, maxInflightBytes, keys.String())), 0o600); err != nil {
		t.Fatal(err)
	}
	natsAddr := fmt.Sprintf("127.0.0.1:%d", harness.FreePort(t))
	h.natsURL = "nats://" + natsAddr
	h.inst = launchAll(t, "--data-dir", dir, "--es-url", h.esSecret, "--config", cfg,
		"--nats-listen", natsAddr, "--nats-token", hostileNATSToken)
	h.secrets = []string{hostileESPass, hostileNATSToken, hostileDiscordToken, hostileHookSecret}
	for _, k := range h.keys {
		h.secrets = append(h.secrets, k)
	}
	return h
}

// esWithPass is Elasticsearch at hostport in a URL with the suite's
// password; the local node has security off and ignores it.
func esWithPass(hostport string) string {
	return "http://elastic:" + strings.ReplaceAll(hostileESPass, "@", "%40") + "@" + hostport
}

// svc is the suite's service name for s, unique to this run.
func (h *hostile) svc(s string) string { return h.prefix + "-" + s }

// do sends one request with the named key ("" for none) and returns the
// answer, read whole.
func (h *hostile) do(t *testing.T, method, url, key string, body []byte) (int, http.Header, []byte) {
	t.Helper()
	status, hdr, b, err := h.try(method, url, key, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return status, hdr, b
}

func (h *hostile) try(method, url, key string, body []byte) (int, http.Header, []byte, error) {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+h.keys[key])
	}
	res, err := h.client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b, err
}

// accept posts body with key to /v1/logs and wants 202 for n events.
func (h *hostile) accept(t *testing.T, base, key string, body []byte, n int) {
	t.Helper()
	status, _, b := h.do(t, "POST", base+"/v1/logs", key, body)
	if status != http.StatusAccepted || !strings.Contains(string(b), fmt.Sprintf(`"accepted":%d`, n)) {
		t.Fatalf("POST /v1/logs with %s: %d %s, want 202 accepting %d", key, status, b, n)
	}
}

// ecsEvent is one ECS line with its own timestamp (so a resend is a
// retry) and the given fields.
func ecsEvent(message string, fields map[string]any) []byte {
	m := map[string]any{"@timestamp": time.Now().UTC().Format(time.RFC3339Nano), "log.level": "ERROR", "message": message}
	for k, v := range fields {
		m[k] = v
	}
	b, _ := json.Marshal(m)
	return b
}

// stored counts the service's events in the data stream (-1 while it
// cannot say).
func (h *hostile) stored(t *testing.T, service string) int {
	t.Helper()
	return h.countWhere(t, testenv.ESTermQuery("service.name", service))
}

func (h *hostile) countWhere(t *testing.T, query string) int {
	t.Helper()
	return testenv.ESCount(h.es, "logs-faultline-default", query)
}

// waitStored waits until exactly n of the service's events are stored.
func (h *hostile) waitStored(t *testing.T, service string, n int, timeout time.Duration) {
	t.Helper()
	last := -1
	testenv.Eventually(t, fmt.Sprintf("%d events of %s stored", n, service), timeout, func() bool {
		last = h.stored(t, service)
		return last == n
	})
	// A count that went past n would have timed out above; one more look
	// after a refresh catches a late duplicate.
	time.Sleep(1500 * time.Millisecond)
	if got := h.stored(t, service); got != n {
		t.Fatalf("%s: %d events stored, want %d", service, got, n)
	}
}

// group reads a group through the API with key.
func (h *hostile) group(t *testing.T, key, fp string) (int, group.Group) {
	t.Helper()
	status, _, b := h.do(t, "GET", h.inst.Base+"/v1/groups/"+fp, key, nil)
	var g group.Group
	if status == http.StatusOK {
		if err := json.Unmarshal(b, &g); err != nil {
			t.Fatalf("group %s: %v", fp, err)
		}
	}
	return status, g
}

// waitGroup waits for the service's one group to count n and returns it.
func (h *hostile) waitGroup(t *testing.T, service string, n int64) group.Group {
	t.Helper()
	var g group.Group
	testenv.Eventually(t, fmt.Sprintf("the group of %s counting %d", service, n), 60*time.Second, func() bool {
		status, _, b := h.do(t, "GET", h.inst.Base+"/v1/groups?service="+service, "oncall", nil)
		var out struct{ Groups []group.Group }
		if status != http.StatusOK || json.Unmarshal(b, &out) != nil || len(out.Groups) != 1 {
			return false
		}
		g = out.Groups[0]
		return g.Count == n
	})
	return g
}

// unchanged wants the group open, never muted or resolved.
func (h *hostile) unchanged(t *testing.T, fp string, count int64) {
	t.Helper()
	status, g := h.group(t, "oncall", fp)
	if status != http.StatusOK || g.Status != group.StatusOpen || g.MutedUntil != nil || g.ResolvedAt != nil || len(g.StatusChanges) != 0 || g.Count != count {
		t.Errorf("group %s after the refused action: %d, status %q, muted until %v, resolved at %v, changes %v, count %d; want open, unchanged, count %d",
			fp, status, g.Status, g.MutedUntil, g.ResolvedAt, g.StatusChanges, g.Count, count)
	}
}

// deadLetters is how many messages the instance's dead-letter stream holds.
func (h *hostile) deadLetters(t *testing.T) uint64 {
	t.Helper()
	nc, err := nats.Connect(h.natsURL, nats.Token(hostileNATSToken))
	if err != nil {
		t.Fatalf("nats: %v", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, broker.DLQStream)
	if err != nil {
		t.Fatalf("dead-letter stream: %v", err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatalf("dead-letter stream: %v", err)
	}
	return info.State.Msgs
}

func (h *hostile) noDeadLetters(t *testing.T) {
	t.Helper()
	if n := h.deadLetters(t); n != 0 {
		out, _ := runCLI(t, "", "dlq", "--nats-url", h.natsURL, "--nats-token", hostileNATSToken, "list")
		t.Errorf("%d dead letters:\n%s", n, out)
	}
}

// metrics reads the instance's /metrics with the read key.
func (h *hostile) metrics(t *testing.T) (string, map[string]*dto.MetricFamily) {
	t.Helper()
	status, _, b := h.do(t, "GET", h.inst.Base+"/metrics", "read-a", nil)
	if status != http.StatusOK {
		t.Fatalf("/metrics with a read key: %d", status)
	}
	fams, err := parseMetrics(b)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return string(b), fams
}

func parseMetrics(b []byte) (map[string]*dto.MetricFamily, error) {
	p := expfmt.NewTextParser(model.LegacyValidation)
	return p.TextToMetricFamilies(bytes.NewReader(b))
}

// answered is ingest's count of /v1/logs answers by status, from its
// /metrics.
func (h *hostile) answered(t *testing.T) map[string]int64 {
	t.Helper()
	_, fams := h.metrics(t)
	out := map[string]int64{}
	if f := fams["faultline_ingest_requests_total"]; f != nil {
		for _, m := range f.Metric {
			labels := map[string]string{}
			for _, l := range m.Label {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["route"] == "/v1/logs" {
				out[labels["status"]] += int64(m.GetCounter().GetValue())
			}
		}
	}
	return out
}

// alerted waits for a webhook alert of kind for the group.
func (h *hostile) alerted(t *testing.T, fp string, kind group.Kind) {
	t.Helper()
	testenv.Eventually(t, fmt.Sprintf("a %s alert for %s", kind, fp), 60*time.Second, func() bool {
		for _, m := range h.hook.Messages() {
			if m.Group.Fingerprint == fp && m.Kind == string(kind) {
				return true
			}
		}
		return false
	})
}

func rowIngestKeyMutes(t *testing.T, h *hostile) {
	svc := h.svc("a")
	h.accept(t, h.inst.Base, "ingest-a", ecsEvent("Checkout failed for order 1", nil), 1)
	fp := h.waitGroup(t, svc, 1).Fingerprint
	h.alerted(t, fp, group.KindNew)
	for _, action := range []string{"mute?for=24h", "mute", "resolve", "unmute"} {
		if status, _, b := h.do(t, "POST", h.inst.Base+"/v1/groups/"+fp+"/"+action, "ingest-a", nil); status != http.StatusForbidden {
			t.Errorf("ingest key POST %s: %d %s, want 403", action, status, b)
		}
	}
	h.unchanged(t, fp, 1)
	// Five more cross the threshold (5 in 5m): an alert a mute would have
	// silenced.
	for i := 2; i <= 6; i++ {
		h.accept(t, h.inst.Base, "ingest-a", ecsEvent(fmt.Sprintf("Checkout failed for order %d", i), nil), 1)
	}
	h.alerted(t, fp, group.KindThreshold)
	h.waitGroup(t, svc, 6)
	h.waitStored(t, svc, 6, 60*time.Second)
	h.unchanged(t, fp, 6)
}

func rowReadKeyResolves(t *testing.T, h *hostile) {
	fp := h.waitGroup(t, h.svc("a"), 6).Fingerprint
	for _, action := range []string{"resolve", "mute", "unmute"} {
		if status, _, b := h.do(t, "POST", h.inst.Base+"/v1/groups/"+fp+"/"+action, "read-a", nil); status != http.StatusForbidden || !strings.Contains(string(b), "admin role") {
			t.Errorf("read key POST %s: %d %s, want 403 naming the admin role", action, status, b)
		}
	}
	h.unchanged(t, fp, 6)
	h.waitStored(t, h.svc("a"), 6, 60*time.Second)
}

func rowScopedKey(t *testing.T, h *hostile) {
	a, b := h.svc("a"), h.svc("b")
	h.accept(t, h.inst.Base, "ingest-b", ecsEvent("Refund failed for order 1", nil), 1)
	fpB := h.waitGroup(t, b, 1).Fingerprint
	fpA := h.waitGroup(t, a, 6).Fingerprint

	list := func(query string) []group.Group {
		status, _, body := h.do(t, "GET", h.inst.Base+"/v1/groups"+query, "read-a", nil)
		var out struct{ Groups []group.Group }
		if status != http.StatusOK || json.Unmarshal(body, &out) != nil {
			t.Fatalf("GET /v1/groups%s with the scoped key: %d %s", query, status, body)
		}
		return out.Groups
	}
	all := list("?limit=1000")
	var sawA bool
	for _, g := range all {
		if g.Service.Name != a {
			t.Errorf("the key scoped to %s lists a group of %s (%s)", a, g.Service.Name, g.Fingerprint)
		}
		sawA = sawA || g.Fingerprint == fpA
	}
	if !sawA {
		t.Errorf("the scoped key's list lacks its own group %s: %d groups", fpA, len(all))
	}
	if gs := list("?service=" + b); len(gs) != 0 {
		t.Errorf("?service=%s with a key scoped to %s: %d groups, want none", b, a, len(gs))
	}
	if status, _ := h.group(t, "read-a", fpB); status != http.StatusForbidden {
		t.Errorf("GET of another service's group: %d, want 403", status)
	}
	for _, action := range []string{"mute", "resolve"} {
		if status, _, body := h.do(t, "POST", h.inst.Base+"/v1/groups/"+fpB+"/"+action, "admin-a", nil); status != http.StatusForbidden {
			t.Errorf("admin key scoped to %s POST %s on %s's group: %d %s, want 403", a, action, b, status, body)
		}
	}
	h.unchanged(t, fpB, 1)
	h.waitStored(t, b, 1, 60*time.Second)
	// The unscoped admin key sees both: B's group was there to be hidden.
	if status, _ := h.group(t, "oncall", fpB); status != http.StatusOK {
		t.Errorf("the unscoped admin key reading B's group: %d", status)
	}
}

func rowUnauthenticatedFlood(t *testing.T, h *hostile) {
	routes := []struct{ method, path string }{
		{"GET", "/_cluster/health"}, {"GET", "/"}, {"HEAD", "/"}, {"GET", "/_license"},
		{"GET", "/_index_template/logs"}, {"PUT", "/_index_template/logs"}, {"POST", "/_bulk"}, {"POST", "/v1/logs"},
	}
	const requests, workers = 2000, 8
	var next, unauthorized atomic.Int64
	var wrong sync.Map // "status route" → count, for the failure message
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var healthzBad atomic.Int64
	var healthzChecks atomic.Int64
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			status, _, _, err := h.try("GET", h.inst.Base+"/healthz", "", nil)
			healthzChecks.Add(1)
			if err != nil || status != http.StatusOK {
				healthzBad.Add(1)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	// The ingest key sends meanwhile: 50 requests of 2 events.
	sent := make(chan error, 1)
	go func() {
		for i := range 50 {
			body := bytes.Join([][]byte{ecsEvent(fmt.Sprintf("Flood-time failure %d", 2*i), nil), ecsEvent(fmt.Sprintf("Flood-time failure %d", 2*i+1), nil)}, []byte("\n"))
			status, _, b, err := h.try("POST", h.inst.Base+"/v1/logs", "ingest-flood", body)
			if err != nil || status != http.StatusAccepted {
				sent <- fmt.Errorf("request %d: %d %s %v", i, status, b, err)
				return
			}
		}
		sent <- nil
	}()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= requests {
					return
				}
				r := routes[i%int64(len(routes))]
				status, _, _, err := h.try(r.method, h.inst.Base+r.path, "", []byte("{}"))
				if err == nil && status == http.StatusUnauthorized {
					unauthorized.Add(1)
					continue
				}
				k := fmt.Sprintf("%d %s %s %v", status, r.method, r.path, err)
				n, _ := wrong.LoadOrStore(k, new(atomic.Int64))
				n.(*atomic.Int64).Add(1)
			}
		}()
	}
	wg.Wait()
	if err := <-sent; err != nil {
		t.Errorf("the ingest key during the flood: %v", err)
	}
	close(stop)
	if n := unauthorized.Load(); n != requests {
		wrong.Range(func(k, v any) bool { t.Errorf("%d× %s", v.(*atomic.Int64).Load(), k); return true })
		t.Errorf("%d of %d unauthenticated requests answered 401", n, requests)
	}
	if bad := healthzBad.Load(); bad != 0 {
		t.Errorf("/healthz failed %d of %d times during the flood", bad, healthzChecks.Load())
	}
	t.Logf("%d unauthenticated requests, all 401; /healthz checked %d times", requests, healthzChecks.Load())
	h.waitStored(t, h.svc("flood"), 100, 60*time.Second)
}

func rowLabelKeys(t *testing.T, h *hostile) {
	const events, perEvent = 100, 20
	keyPrefix := strings.ReplaceAll(h.prefix, "-", "_") + "_k"
	before := h.mappedFields(t)
	var body [][]byte
	for i := range events {
		labels := map[string]any{}
		for j := range perEvent {
			labels[fmt.Sprintf("%s%04d", keyPrefix, i*perEvent+j)] = fmt.Sprintf("v%d", i*perEvent+j)
		}
		body = append(body, ecsEvent(fmt.Sprintf("Label storm %d", i), map[string]any{"labels": labels}))
	}
	h.accept(t, h.inst.Base, "ingest-labels", bytes.Join(body, []byte("\n")), events)
	h.waitStored(t, h.svc("labels"), events, 60*time.Second)
	h.noDeadLetters(t)
	// Stored with its labels, each searchable under its own key.
	for _, k := range []int{0, 999, events*perEvent - 1} {
		q := fmt.Sprintf(`{"query":{"term":{"labels.%s%04d":"v%d"}}}`, keyPrefix, k, k)
		if n := h.countWhere(t, q); n != 1 {
			t.Errorf("label key %d: %d events found by it, want 1", k, n)
		}
	}
	after := h.mappedFields(t)
	var added []string
	for f := range after {
		if !before[f] {
			added = append(added, f)
		}
		if strings.Contains(f, keyPrefix) {
			t.Errorf("the label key became a mapped field: %s", f)
		}
	}
	if len(added) >= events*perEvent/10 {
		t.Errorf("%d fields mapped during the row (2000 label keys sent): %v", len(added), added[:10])
	}
	t.Logf("mapped fields in logs-faultline-default: %d before, %d after (%d added, by any test sharing the node)", len(before), len(after), len(added))
}

// mappedFields is every field path mapped in the events data stream's
// backing indices.
func (h *hostile) mappedFields(t *testing.T) map[string]bool {
	t.Helper()
	res, err := http.Get(h.es + "/logs-faultline-default/_mapping")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]struct {
		Mappings struct {
			Properties map[string]any `json:"properties"`
		} `json:"mappings"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatalf("mapping: %v", err)
	}
	fields := map[string]bool{}
	var walk func(prefix string, props map[string]any)
	walk = func(prefix string, props map[string]any) {
		for name, v := range props {
			m, _ := v.(map[string]any)
			fields[prefix+name] = true
			if sub, ok := m["properties"].(map[string]any); ok {
				walk(prefix+name+".", sub)
			}
		}
	}
	for _, idx := range out {
		walk("", idx.Mappings.Properties)
	}
	if !fields["labels"] {
		t.Fatalf("no labels field in the events mapping")
	}
	return fields
}

func rowBigEvents(t *testing.T, h *hostile) {
	// Ingest takes an event of up to 1 MiB (ingest.Config.MaxEventBytes,
	// 1 048 576 bytes as sent), and the embedded NATS a message of up to
	// 1 MiB (its default max_payload), of which ingest keeps 1 KiB for the
	// message id header; normalising adds a few hundred bytes (id, times,
	// service). 1 040 000 bytes as sent is the round size just under all
	// three.
	svc := h.svc("big")
	pad := strings.Repeat("0123456789abcdef", bigEventBytes/16)
	event := func(i int) []byte {
		head := ecsEvent(fmt.Sprintf("Large payload %d ", i), nil)
		// The message ends with the padding, cut so the line is bigEventBytes.
		cut := bigEventBytes - len(head)
		return append(head[:len(head)-2], []byte(pad[:cut]+`"}`)...)
	}
	if n := len(event(0)); n != bigEventBytes {
		t.Fatalf("event is %d bytes, want %d", n, bigEventBytes)
	}
	start := time.Now()
	var next atomic.Int64
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= bigEvents {
					errs <- nil
					return
				}
				status, _, b, err := h.try("POST", h.inst.Base+"/v1/logs", "ingest-big", event(i))
				if err != nil || status != http.StatusAccepted {
					errs <- fmt.Errorf("event %d: %d %s %v", i, status, b, err)
					return
				}
			}
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	accepted := time.Since(start)
	h.waitStored(t, svc, bigEvents, 5*time.Minute)
	t.Logf("%d events of %d bytes: all 202 in %s, stored %s after the first was sent", bigEvents, bigEventBytes, accepted.Round(100*time.Millisecond), time.Since(start).Round(100*time.Millisecond))
	h.noDeadLetters(t)
	_, fams := h.metrics(t)
	hist := fams["faultline_processor_bulk_request_bytes"]
	if hist == nil || len(hist.Metric) != 1 {
		t.Fatalf("no faultline_processor_bulk_request_bytes on /metrics")
	}
	hg := hist.Metric[0].GetHistogram()
	var within uint64
	for _, b := range hg.Bucket {
		if b.GetUpperBound() == maxBulkBytes {
			within = b.GetCumulativeCount()
		}
	}
	if hg.GetSampleCount() == 0 || within != hg.GetSampleCount() {
		t.Errorf("bulk requests: %d of %d within processor.max_bulk_bytes (%d)", within, hg.GetSampleCount(), maxBulkBytes)
	}
	t.Logf("bulk requests so far: %d, all within %d bytes, %.0f bytes on average", hg.GetSampleCount(), maxBulkBytes, hg.GetSampleSum()/float64(hg.GetSampleCount()))
}

func rowStoreFull(t *testing.T, h *hostile) {
	svc := h.svc("full")
	key := "secret-key-full-" + h.prefix
	dir := t.TempDir()
	cfg := filepath.Join(dir, "faultline.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`
streams: {events_max_bytes: 2MiB}
auth:
  keys:
    - {name: ingest-full, service: %s, hash: %q}
`, svc, auth.Hash(key))), 0o600); err != nil {
		t.Fatal(err)
	}
	h.keys["ingest-full"] = key
	h.secrets = append(h.secrets, key)
	// Elasticsearch through a proxy that is cut once the instance is up:
	// the processor can write nothing, so the events stream fills.
	proxy := testenv.NewProxy(t, strings.TrimPrefix(h.es, "http://"))
	full := launchAll(t, "--data-dir", dir, "--es-url", esWithPass(proxy.Addr()), "--config", cfg)
	proxy.Down()
	pad := strings.Repeat("x", 50_000)
	var accepted int
	var refused []byte
	for i := 0; refused == nil; i++ {
		if i == 200 {
			t.Fatalf("%d events of 50 KB accepted by a 2 MiB stream and none refused", accepted)
		}
		ev := ecsEvent(fmt.Sprintf("Filling the store %d %s", i, pad), nil)
		status, hdr, b := h.do(t, "POST", full.Base+"/v1/logs", "ingest-full", ev)
		switch status {
		case http.StatusAccepted:
			accepted++
		case http.StatusInsufficientStorage:
			refused = ev
			if hdr.Get("Retry-After") == "" || !strings.Contains(string(b), "event stream full") {
				t.Errorf("507 without Retry-After or reason: %v %s", hdr, b)
			}
		default:
			t.Fatalf("event %d: %d %s, want 202 or 507", i, status, b)
		}
	}
	status, _, b := h.do(t, "GET", full.Base+"/readyz", "", nil)
	if status != http.StatusServiceUnavailable || !strings.Contains(string(b), "event stream full") {
		t.Errorf("/readyz from loopback with the stream full: %d %s", status, b)
	}
	t.Logf("%d events accepted, then 507; /readyz: %s", accepted, bytes.TrimSpace(b))
	full.Stop()
	h.keepPrinted(full.Logs())
	// The same store, now with Elasticsearch reachable.
	again := launchAll(t, "--data-dir", dir, "--es-url", h.esSecret, "--config", cfg)
	h.waitStored(t, svc, accepted, 2*time.Minute)
	// The client's retry of the refused event gets in.
	testenv.Eventually(t, "the refused event accepted on retry", 60*time.Second, func() bool {
		status, _, _ := h.do(t, "POST", again.Base+"/v1/logs", "ingest-full", refused)
		return status == http.StatusAccepted
	})
	h.waitStored(t, svc, accepted+1, time.Minute)
	again.Stop()
	h.keepPrinted(again.Logs())
}

func (h *hostile) keepPrinted(s string) {
	h.printedMu.Lock()
	defer h.printedMu.Unlock()
	h.printed = append(h.printed, s)
}

func rowConcurrentBodies(t *testing.T, h *hostile) {
	// One body for all: lines without a timestamp or id, so every copy of
	// every line is a new occurrence and a 202 means 50 events stored.
	line := []byte(`{"log.level":"ERROR","message":"Concurrent body line ` + strings.Repeat("y", concurrentLineSize-60) + `"}`)
	lines := make([][]byte, concurrentLines)
	for i := range lines {
		lines[i] = line
	}
	body := bytes.Join(lines, []byte("\n"))
	t.Logf("%d bodies of %d bytes (%d lines)", concurrentBodies, len(body), concurrentLines)

	var peak atomic.Int64
	sampling := make(chan struct{})
	sampled := make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-sampling:
				sampled <- n
				return
			default:
			}
			status, _, b, err := h.try("GET", h.inst.Base+"/metrics", "read-a", nil)
			if err == nil && status == http.StatusOK {
				if fams, err := parseMetrics(b); err == nil {
					if g := fams["faultline_ingest_inflight_bytes"]; g != nil && len(g.Metric) == 1 {
						v := int64(g.Metric[0].GetGauge().GetValue())
						for p := peak.Load(); v > p && !peak.CompareAndSwap(p, v); p = peak.Load() {
						}
						n++
					}
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	answeredBefore := h.answered(t)
	var wg sync.WaitGroup
	var ok202, ok503, cutOff atomic.Int64
	var mu sync.Mutex
	var bad []string
	gate := make(chan struct{})
	for range concurrentBodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			status, hdr, b, err := h.try("POST", h.inst.Base+"/v1/logs", "ingest-conc", body)
			switch {
			case err == nil && status == http.StatusAccepted:
				ok202.Add(1)
			case err == nil && status == http.StatusServiceUnavailable && hdr.Get("Retry-After") != "":
				ok503.Add(1)
			case err != nil && (errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)):
				// Ingest answers before it reads the body and closes the
				// connection half a second later; a client still writing
				// then, that had not read the answer yet, loses it. The
				// server's own count says what it answered.
				cutOff.Add(1)
			default:
				mu.Lock()
				bad = append(bad, fmt.Sprintf("%d %q %v", status, b, err))
				mu.Unlock()
			}
		}()
	}
	start := time.Now()
	close(gate)
	wg.Wait()
	took := time.Since(start)
	close(sampling)
	samples := <-sampled
	for _, b := range bad {
		t.Errorf("neither 202 nor 503 with Retry-After: %s", b)
	}
	answered := h.answered(t)
	for status, n := range answered {
		n -= answeredBefore[status]
		want := map[string]int64{"202": ok202.Load(), "503": ok503.Load() + cutOff.Load()}[status]
		if n != want {
			t.Errorf("ingest counted %d answers %s to the bodies, the clients %d (%d of them cut off writing the body)", n, status, want, cutOff.Load())
		}
	}
	if p := peak.Load(); p > maxInflightBytes {
		t.Errorf("faultline_ingest_inflight_bytes reached %d, over ingest.max_inflight_bytes %d", p, maxInflightBytes)
	}
	t.Logf("%d answered 202, %d 503 (%d more 503s the client lost to a broken pipe) in %s; in-flight gauge peaked at %d of %d bytes over %d samples",
		ok202.Load(), ok503.Load(), cutOff.Load(), took.Round(100*time.Millisecond), peak.Load(), maxInflightBytes, samples)
	if ok202.Load() == 0 {
		t.Errorf("no body accepted")
	}
	h.waitStored(t, h.svc("conc"), int(ok202.Load())*concurrentLines, 5*time.Minute)
	h.noDeadLetters(t)
}

func rowChatInjection(t *testing.T, h *hostile) {
	svc := h.svc("chat")
	ev := ecsEvent("Payment failed @everyone <@123> [click](https://evil.example/x) **bold**", map[string]any{
		"error.type":          "Evil`Type` @here <@&456>",
		"error.message":       "[click](https://evil.example) @everyone",
		"error.stack_trace":   "EvilType: boom\n\tat com.acme.Pay.charge(Pay.java:1)\n```\n@everyone <@123> [click](https://evil)\n```",
		"service.environment": "prod <@123> @everyone",
		"labels":              map[string]any{"service": "@everyone [x](https://evil)"},
	})
	h.accept(t, h.inst.Base, "ingest-chat", ev, 1)
	h.waitStored(t, svc, 1, 60*time.Second)
	fp := h.waitGroup(t, svc, 1).Fingerprint
	var msg map[string]any
	var raw string
	testenv.Eventually(t, "the Discord alert", 60*time.Second, func() bool {
		bodies := h.discord.Bodies()
		for i, m := range testenv.Messages[map[string]any](h.discord) {
			if strings.Contains(bodies[i], fp) {
				msg, raw = m, bodies[i]
				return true
			}
		}
		return false
	})
	if !strings.Contains(raw, `"allowed_mentions":{"parse":[]}`) {
		t.Errorf("allowed_mentions is not {\"parse\": []}: %s", raw)
	}
	embed := msg["embeds"].([]any)[0].(map[string]any)
	const z = "\u200b"
	want := map[string]string{
		// The key's service, not the event's label; markdown escaped,
		// mentions broken, links defanged.
		"title": "New error in " + svc + ": Evil\\`Type\\` @" + z + "here <" + z + "@&456>: \\[click\\](https:" + z + "//evil.example) @" + z + "everyone",
		// The message as markdown-escaped text, then the stack trace in a
		// code block whose fences inside cannot close it.
		"description": "Payment failed @" + z + "everyone <" + z + "@123> \\[click\\](https:" + z + "//evil.example/x) \\*\\*bold\\*\\*" +
			"\n```\nEvilType: boom\n\tat com.acme.Pay.charge(Pay.java:1)\n`" + z + "`" + z + "`\n@" + z + "everyone <@123> [click](https://evil)\n`" + z + "`" + z + "`\n```",
		"Service":     svc,
		"Environment": "prod <" + z + "@123> @" + z + "everyone",
		"Exception":   "`Evil'Type' @" + z + "here <@&456>`",
	}
	got := map[string]string{"title": embed["title"].(string), "description": embed["description"].(string)}
	for _, f := range embed["fields"].([]any) {
		f := f.(map[string]any)
		got[f["name"].(string)] = f["value"].(string)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("Discord %s:\n got %q\nwant %q", k, got[k], w)
		}
	}
}

func rowSecrets(t *testing.T, h *hostile) {
	metricsText, _ := h.metrics(t)
	h.printedMu.Lock()
	printed := append([]string{h.inst.Logs()}, h.printed...)
	h.printedMu.Unlock()
	sources := map[string]string{
		"stderr":   strings.Join(printed, "\n"),
		"/metrics": metricsText,
		"discord":  strings.Join(h.discord.Bodies(), "\n"),
		"webhook":  strings.Join(h.hook.Bodies(), "\n"),
	}
	for name, text := range sources {
		if text == "" {
			t.Errorf("nothing to scan in %s", name)
		}
		if found := leaksOf(text, h.secrets); len(found) > 0 {
			t.Errorf("%s holds secrets %q", name, found)
		}
	}
	t.Logf("scanned %d bytes printed, %d of /metrics, %d Discord and %d webhook messages for %d secrets",
		len(sources["stderr"]), len(metricsText), len(h.discord.Bodies()), len(h.hook.Bodies()), len(h.secrets))
}
