package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/auth"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/group"
	"github.com/faultline/faultline/internal/testenv"
)

// Without keys a service refuses to listen beyond loopback, in one line that
// names the address and the ways out, unless told to; so does the embedded
// NATS without credentials.
func TestRefusesAnonymousBeyondLoopback(t *testing.T) {
	es := testenv.ElasticsearchURL(t)
	nats := testenv.NATS(t).ClientURL()
	keyed := filepath.Join(t.TempDir(), "keys.yaml")
	if err := os.WriteFile(keyed, []byte("auth: {keys: [{service: checkout, hash: \""+auth.Hash("k")+"\"}]}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		env     string
		args    []string
		refused string // what the refusal names; "" = it starts
	}{
		{"ingest on every interface", "", []string{"ingest", "--http-addr", "0.0.0.0:0", "--nats-url", nats}, "0.0.0.0:0"},
		{"notifier on an empty host", "", []string{"notifier", "--http-addr", ":0", "--nats-url", nats, "--es-url", es}, ":0"},
		{"all on every interface", "", []string{"all", "--http-addr", "0.0.0.0:0", "--nats-listen", "127.0.0.1:-1", "--data-dir", t.TempDir(), "--es-url", es}, "0.0.0.0:0"},
		{"all with its NATS on every interface", "", []string{"all", "--http-addr", "127.0.0.1:0", "--nats-listen", "0.0.0.0:-1", "--data-dir", t.TempDir(), "--es-url", es}, "embedded NATS on 0.0.0.0:-1"},
		{"ingest with keys", "", []string{"ingest", "--http-addr", "0.0.0.0:0", "--nats-url", nats, "--config", keyed}, ""},
		{"ingest --allow-anonymous", "", []string{"ingest", "--http-addr", "0.0.0.0:0", "--nats-url", nats, "--allow-anonymous"}, ""},
		{"ingest FAULTLINE_ALLOW_ANONYMOUS", "true", []string{"ingest", "--http-addr", "0.0.0.0:0", "--nats-url", nats}, ""},
		{"processor (no API of its own)", "", []string{"processor", "--http-addr", "0.0.0.0:0", "--nats-url", nats, "--es-url", es}, ""},
		{"ingest on loopback", "", []string{"ingest", "--http-addr", "127.0.0.1:0", "--nats-url", nats}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.env != "" {
				t.Setenv("FAULTLINE_ALLOW_ANONYMOUS", tc.env)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			listening := make(chan struct{})
			err := run(ctx, tc.args, io.Discard, io.Discard, &hooks{httpReady: func(net.Addr) { close(listening); cancel() }})
			select {
			case <-listening:
			default:
				if tc.refused == "" {
					t.Fatalf("did not start: %v", err)
				}
			}
			if tc.refused == "" {
				if err != nil {
					t.Errorf("stopped with %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "refusing to serve") || !strings.Contains(err.Error(), tc.refused) ||
				!strings.Contains(err.Error(), "--allow-anonymous") || strings.Contains(err.Error(), "\n") {
				t.Errorf("got %v; want one line refusing, naming %q and --allow-anonymous", err, tc.refused)
			}
		})
	}
}

// TestKeysEndToEnd runs `faultline all` with keys: every route on its
// address but /healthz and /readyz wants a key, /metrics is on its own
// listener, and the CLI's remote mode gets exactly what its key allows.
func TestKeysEndToEnd(t *testing.T) {
	es := testenv.ElasticsearchURL(t)
	service := fmt.Sprintf("keys-e2e-%d", time.Now().UnixNano())
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "faultline.yaml")
	if err := os.WriteFile(cfgFile, []byte(fmt.Sprintf(`
auth:
  keys:
    - {service: %s, hash: "%s"}
    - {name: dash, roles: [read], hash: "%s"}
    - {name: oncall, roles: [admin], services: ["keys-e2e-*"], hash: "%s"}
`, service, auth.Hash("secret-ingest"), auth.Hash("secret-read"), auth.Hash("secret-admin"))), 0o600); err != nil {
		t.Fatal(err)
	}
	base, metrics := startAll(t, "--data-dir", dir, "--es-url", es, "--config", cfgFile, "--metrics-addr", "127.0.0.1:0")

	call := func(method, url, key, body string) int {
		t.Helper()
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	// Every route `all` registers, asked without a key.
	for _, r := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/healthz", http.StatusOK},
		{"GET", "/readyz", http.StatusOK},
		{"GET", "/metrics", http.StatusNotFound}, // on --metrics-addr only
		{"POST", "/v1/logs", http.StatusUnauthorized},
		{"POST", "/_bulk", http.StatusUnauthorized},
		{"PUT", "/_bulk", http.StatusUnauthorized},
		{"POST", "/logs-x/_bulk", http.StatusUnauthorized},
		{"GET", "/", http.StatusUnauthorized},
		{"HEAD", "/", http.StatusUnauthorized},
		{"GET", "/_license", http.StatusUnauthorized},
		{"GET", "/_cluster/health", http.StatusUnauthorized},
		{"PUT", "/_index_template/x", http.StatusUnauthorized},
		{"GET", "/_template/x", http.StatusUnauthorized},
		{"HEAD", "/_ilm/policy/x", http.StatusUnauthorized},
		{"PUT", "/_component_template/x", http.StatusUnauthorized},
		{"GET", "/v1/groups", http.StatusUnauthorized},
		{"GET", "/v1/groups/x", http.StatusUnauthorized},
		{"GET", "/v1/groups/x/events", http.StatusUnauthorized},
		{"POST", "/v1/groups/x/mute", http.StatusUnauthorized},
		{"POST", "/v1/groups/x/resolve", http.StatusUnauthorized},
		{"POST", "/v1/groups/x/unmute", http.StatusUnauthorized},
	} {
		if code := call(r.method, base+r.path, "", "{}"); code != r.want {
			t.Errorf("%s %s without a key: %d, want %d", r.method, r.path, code, r.want)
		}
	}
	if code := call("GET", metrics+"/metrics", "", ""); code != http.StatusOK {
		t.Errorf("metrics listener: %d", code)
	}
	if code := call("POST", base+"/v1/logs", "secret-read", logbackEvent(service, 1, "o-1")); code != http.StatusForbidden {
		t.Errorf("read key posting events: %d", code)
	}
	if code := call("POST", base+"/v1/logs", "secret-ingest", logbackEvent(service, 1, "o-1")); code != http.StatusAccepted {
		t.Fatalf("ingest key posting events: %d", code)
	}
	var fp string
	testenv.Eventually(t, "the group", 30*time.Second, func() bool {
		docs := hits(t, es, "faultline-groups", service)
		if len(docs) == 1 {
			fp, _ = docs[0]["fingerprint"].(string)
		}
		return fp != ""
	})
	// show lists the group's latest events, searchable a refresh after the
	// group is.
	testenv.Eventually(t, "the event", 30*time.Second, func() bool { return len(hits(t, es, "logs-faultline-default", service)) == 1 })

	cli := func(key string, args ...string) (string, error) { t.Helper(); return runCLI(t, key, args...) }
	// The same globs as routes; a header row above the groups.
	out, err := cli("secret-read", "groups", "list", "--api-url", base, "--service", service[:len(service)-3]+"*")
	if err != nil || !strings.HasPrefix(out, "FINGERPRINT ") || !strings.Contains(out, "\n"+fp+" ") {
		t.Errorf("remote list with a read key and a glob: %q %v", out, err)
	}
	if out, err := cli("secret-read", "groups", "list", "--api-url", base, "--service", "no-such-*"+service); err != nil || strings.Count(out, "\n") != 1 {
		t.Errorf("remote list of a glob that matches nothing: %q %v, want the header alone", out, err)
	}
	// show: the group and its latest events, as text and as JSON, remote
	// and direct with the shared flag after the action.
	out, err = cli("secret-read", "groups", "show", fp, "--api-url", base)
	if err != nil || !strings.Contains(out, "fingerprint  "+fp) || !strings.Contains(out, "latest 1 event(s):") || !strings.Contains(out, "o-1") {
		t.Errorf("remote show: %q %v", out, err)
	}
	out, err = cli("", "groups", "show", "--json", fp, "--es-url", es, "--events", "5")
	var shown struct {
		Group  group.Group   `json:"group"`
		Events []event.Event `json:"events"`
	}
	if err != nil || json.Unmarshal([]byte(out), &shown) != nil || shown.Group.Fingerprint != fp || len(shown.Events) != 1 || shown.Events[0].Service.Name != service {
		t.Errorf("direct show --json: %q %v", out, err)
	}
	if _, err := cli("secret-read", "groups", "show", "no-such-fingerprint-"+service, "--api-url", base); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("remote show of an unknown fingerprint: %v, want 404", err)
	}
	// Every group route answers 404 for an unknown fingerprint, not the 502
	// of a failing Elasticsearch.
	unknown := base + "/v1/groups/no-such-fingerprint-" + service
	for _, r := range []struct{ method, url, key string }{
		{"GET", unknown, "secret-read"},
		{"GET", unknown + "/events", "secret-read"},
		{"POST", unknown + "/mute", "secret-admin"},
		{"POST", unknown + "/resolve", "secret-admin"},
	} {
		if code := call(r.method, r.url, r.key, ""); code != http.StatusNotFound {
			t.Errorf("%s %s: %d, want 404", r.method, r.url, code)
		}
	}
	if _, err := cli("secret-read", "groups", "mute", fp, "--api-url", base); err == nil || !strings.Contains(err.Error(), "403") || !strings.Contains(err.Error(), "admin role") {
		t.Errorf("remote mute with a read key: %v, want 403", err)
	}
	if _, err := cli("", "groups", "mute", fp, "--api-url", base); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("remote mute without a key: %v, want 401", err)
	}
	out, err = cli("secret-admin", "groups", "mute", fp, "--for", "1d", "--api-url", base)
	if err != nil || !strings.Contains(out, fp+" is now muted (muted by oncall at ") || !strings.Contains(out, " until ") {
		t.Errorf("remote mute with an admin key: %q %v", out, err)
	}
	var muted group.Group
	if out, err := cli("secret-read", "groups", "show", fp, "--api-url", base, "--json"); err != nil || json.Unmarshal([]byte(out), &shown) != nil {
		t.Errorf("show after the mute: %q %v", out, err)
	} else if muted = shown.Group; muted.MutedUntil == nil || muted.MutedUntil.Sub(muted.StatusChanges[len(muted.StatusChanges)-1].At) != 24*time.Hour {
		t.Errorf("mute --for 1d: until %v, want a day after the change", muted.MutedUntil)
	}
	// Direct mode shows who changed it, and records the operator itself.
	out, err = cli("", "groups", "--es-url", es, "list", "--service", service)
	if err != nil || !strings.Contains(out, "  muted by oncall at ") {
		t.Errorf("direct list: %q %v", out, err)
	}
	// Data on stdout, the warning about NATS on stderr.
	out, diag, err := runCLIStreams(t, "", "groups", "--es-url", es, "--nats-url", "nats://127.0.0.1:1", "resolve", fp)
	if err != nil || !strings.HasPrefix(out, fp+" is now resolved (resolved by cli:") || strings.Count(out, "\n") != 1 || !strings.HasPrefix(diag, "warning: NATS at ") {
		t.Errorf("direct resolve: stdout %q, stderr %q, %v", out, diag, err)
	}
}
