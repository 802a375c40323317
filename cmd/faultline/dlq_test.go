package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/auth"
	"github.com/faultline/faultline/internal/testenv"
	"github.com/faultline/faultline/processor"
)

// TestDLQThroughTheAPI runs `faultline all` with keys and a bulk cap that
// dead-letters an oversized event, then drives `faultline dlq` in both
// modes: remote with a read, a scoped admin and an admin key, direct on NATS.
func TestDLQThroughTheAPI(t *testing.T) {
	es := testenv.ElasticsearchURL(t)
	natsURL := testenv.NATS(t).ClientURL()
	service := fmt.Sprintf("dlq-e2e-%d", time.Now().UnixNano())
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "faultline.yaml")
	if err := os.WriteFile(cfgFile, []byte(fmt.Sprintf(`
processor: {max_bulk_bytes: 65536}
auth:
  keys:
    - {service: %s, hash: "%s"}
    - {name: dash, roles: [read], hash: "%s"}
    - {name: other-oncall, roles: [admin], services: ["other-*"], hash: "%s"}
    - {name: oncall, roles: [admin], hash: "%s"}
`, service, auth.Hash("secret-ingest"), auth.Hash("secret-read"), auth.Hash("secret-other"), auth.Hash("secret-admin"))), 0o600); err != nil {
		t.Fatal(err)
	}
	base, _ := startAll(t, "--data-dir", dir, "--es-url", es, "--nats-url", natsURL, "--config", cfgFile)

	post := func(method, path, key, body string) int {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
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
	for _, path := range []string{"GET /v1/dlq", "POST /v1/dlq/replay?all=true"} {
		method, p, _ := strings.Cut(path, " ")
		if code := post(method, p, "", ""); code != http.StatusUnauthorized {
			t.Errorf("%s without a key: %d, want 401", path, code)
		}
	}
	big := fmt.Sprintf(`{"timestamp":%d,"level":"ERROR","loggerName":"com.acme.Big","message":"%s"}`, time.Now().UnixMilli(), strings.Repeat("too big ", 16<<10))
	if code := post("POST", "/v1/logs", "secret-ingest", big); code != http.StatusAccepted {
		t.Fatalf("posting the oversized event: %d", code)
	}

	cli := func(key string, args ...string) (string, error) { t.Helper(); return runCLI(t, key, args...) }
	var out, diag string
	testenv.Eventually(t, "the dead letter, listed with a read key", 60*time.Second, func() bool {
		out, diag, _ = runCLIStreams(t, "secret-read", "dlq", "list", "--api-url", base)
		return diag == "1 dead letter(s)\n"
	})
	// A header row, then the dead letter; the count is a diagnostic.
	if rows := strings.Split(strings.TrimSuffix(out, "\n"), "\n"); len(rows) != 2 || !strings.HasPrefix(rows[0], "SEQ ") ||
		!strings.HasPrefix(rows[1], "1 ") || !strings.Contains(rows[1], "bulk request cap") || !strings.Contains(rows[1], service) {
		t.Errorf("remote list: %q", out)
	}
	if out, diag, err := runCLIStreams(t, "secret-other", "dlq", "list", "--api-url", base, "--json"); err != nil || out != "[]\n" || diag != "0 dead letter(s)\n" {
		t.Errorf("list with a key scoped to other services: %q %q %v", out, diag, err)
	}
	for key, want := range map[string]string{"secret-read": "admin role", "secret-other": "may not replay", "": "401"} {
		if _, err := cli(key, "dlq", "replay", "1", "--api-url", base); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("replay with key %q: %v, want an error saying %q", key, err, want)
		}
	}
	if out, err := cli("secret-admin", "dlq", "replay", "--api-url", base, "1"); err != nil || out != "replayed 1 dead letter(s)\n" {
		t.Fatalf("replay with an admin key: %q %v", out, err)
	}
	// Back on the events stream, the processor refuses it again: the direct
	// mode finds it under a new sequence number.
	testenv.Eventually(t, "the replayed event dead-lettered again", 60*time.Second, func() bool {
		out, _ = cli("", "dlq", "--nats-url", natsURL, "list", "--json")
		var dls []processor.DeadLetter
		return json.Unmarshal([]byte(out), &dls) == nil && len(dls) == 1 && dls[0].Seq == 2
	})
}

// runCLI runs a faultline command with key in FAULTLINE_API_KEY and returns
// what it printed on stdout; a key ("secret-…") in its output or error fails t.
func runCLI(t *testing.T, key string, args ...string) (string, error) {
	t.Helper()
	out, _, err := runCLIStreams(t, key, args...)
	return out, err
}

// runCLIStreams is runCLI returning stdout and stderr apart.
func runCLIStreams(t *testing.T, key string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	t.Setenv("FAULTLINE_API_KEY", key)
	var out, diag bytes.Buffer
	err = run(context.Background(), args, &out, &diag, nil)
	if strings.Contains(out.String()+diag.String(), "secret-") || (err != nil && strings.Contains(err.Error(), "secret-")) {
		t.Errorf("the CLI printed a key: %s %s %v", out.String(), diag.String(), err)
	}
	return out.String(), diag.String(), err
}
