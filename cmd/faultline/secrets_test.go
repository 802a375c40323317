package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/testenv"
)

// The secrets every subcommand below is given, in URLs, flags, the
// environment and the configuration file. None may appear in anything
// faultline prints, returns or serves on /metrics. Each is distinct so a
// leak names its source.
const (
	esURLPass      = "es-url-p@ss-7f3a" // '@' makes it percent-encoded in the URL
	esFlagPass     = "es-flag-pass-91b2"
	esEnvPass      = "es-env-pass-44c1"
	esAPIKey       = "es-api-key-c0ffee"
	natsURLToken   = "nats-url-token-5e6f"
	natsURLPass    = "nats-url-pass-8a9b"
	natsFlagToken  = "nats-flag-token-3c4d"
	kibanaPass     = "kibana-pass-2b3c"
	discordToken   = "discord-tok-1a2b"
	slackSecret    = "slack-secret-4d5e"
	webhookSecret  = "webhook-secret-6f7a"
	sentryKey      = "sentrykey0123456789ab"
	healthPass     = "hc-pass-9d8e"
	healthQueryTok = "hc-query-tok-0f1e"
)

var allSecrets = []string{esURLPass, esFlagPass, esEnvPass, esAPIKey, natsURLToken, natsURLPass, natsFlagToken,
	kibanaPass, discordToken, slackSecret, webhookSecret, sentryKey, healthPass, healthQueryTok}

// leaks lists every secret of allSecrets found in text.
func leaks(text string) []string { return leaksOf(text, allSecrets) }

// leaksOf lists every one of secrets found in text, in any of the
// spellings it could be printed in.
func leaksOf(text string, secrets []string) []string {
	var found []string
	for _, s := range secrets {
		for _, form := range []string{s, url.QueryEscape(s), url.PathEscape(s), strings.TrimPrefix(url.UserPassword("", s).String(), ":")} {
			if strings.Contains(text, form) {
				found = append(found, form)
				break
			}
		}
	}
	return found
}

func TestNoSubcommandPrintsASecret(t *testing.T) {
	esURL := testenv.ElasticsearchURL(t)
	esHost := strings.TrimPrefix(esURL, "http://")
	esWithPass := "http://elastic:" + url.QueryEscape(esURLPass) + "@" + esHost
	esDown := "http://elastic:" + url.QueryEscape(esURLPass) + "@127.0.0.1:1"

	// A NATS that wants a token and one that wants a user and password,
	// each given in the URL.
	tokenNATS, err := broker.StartEmbedded(t.TempDir(), "127.0.0.1:-1", broker.RequireAuth("", "", natsURLToken))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tokenNATS.Shutdown)
	userNATS, err := broker.StartEmbedded(t.TempDir(), "127.0.0.1:-1", broker.RequireAuth("faultline", natsURLPass, ""))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(userNATS.Shutdown)
	hostport := func(u string) string { return strings.TrimPrefix(u, "nats://") }
	natsWithToken := "nats://" + natsURLToken + "@" + hostport(tokenNATS.ClientURL())
	natsWithUser := "nats://faultline:" + natsURLPass + "@" + hostport(userNATS.ClientURL())
	natsDown := "nats://faultline:" + natsURLPass + "@127.0.0.1:1"

	// A hostile receiver refuses every alert and echoes what it was sent,
	// URL and all, so the notifier's error paths print at once. Slack's URL
	// is real-looking and is routed nothing, so no test ever posts to it.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, "refused %s %s with %v", r.Method, r.URL.String(), r.Header)
	}))
	t.Cleanup(echo.Close)
	dir := t.TempDir()
	t.Setenv("TEST_SECRETS_DISCORD", echo.URL+"/api/webhooks/123/"+discordToken)
	t.Setenv("TEST_SECRETS_SLACK", "https://hooks.slack.com/services/T0/B0/"+slackSecret)
	t.Setenv("TEST_SECRETS_WEBHOOK_SECRET", webhookSecret)
	t.Setenv("TEST_SECRETS_SENTRY", strings.Replace(echo.URL, "://", "://"+sentryKey+"@", 1)+"/42")
	t.Setenv("TEST_SECRETS_WEBHOOK", echo.URL+"/hook")
	cfgFile := filepath.Join(dir, "faultline.yaml")
	if err := os.WriteFile(cfgFile, []byte(`
channels:
  - {name: oncall, type: discord, url: "${TEST_SECRETS_DISCORD}"}
  - {name: team, type: slack, url: "${TEST_SECRETS_SLACK}"}
  - {name: incidents, type: webhook, url: "${TEST_SECRETS_WEBHOOK}", secret: "${TEST_SECRETS_WEBHOOK_SECRET}"}
  - {name: sentry, type: sentry, url: "${TEST_SECRETS_SENTRY}"}
routes:
  - match: {service: "no-such-service"}
    channels: [team]
  - channels: [oncall, incidents, sentry]
`), 0o600); err != nil {
		t.Fatal(err)
	}
	esFlags := []string{"--es-username", "elastic", "--es-password", esFlagPass, "--es-api-key", esAPIKey}

	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		// serve: a long-running service, stopped after it has started and
		// had time to fail; sendEvent posts an error event first so the
		// notifier tries its channels.
		serve, sendEvent bool
		timeout          time.Duration
	}{
		{name: "all", args: append([]string{"all", "--nats-listen", "127.0.0.1:-1", "--data-dir", dir, "--es-url", esWithPass, "--nats-token", natsFlagToken,
			"--config", cfgFile}, esFlags...), serve: true, sendEvent: true},
		{name: "ingest", args: []string{"ingest", "--nats-url", natsWithToken, "--es-url", esDown}, env: map[string]string{"FAULTLINE_ES_PASSWORD": esEnvPass}, serve: true},
		// Serves and retries its streams until stopped.
		{name: "ingest, NATS down", args: []string{"ingest", "--http-addr", "127.0.0.1:0", "--nats-url", natsDown}, timeout: 3 * time.Second},
		{name: "processor, Elasticsearch down", args: append([]string{"processor", "--nats-url", natsWithUser, "--es-url", esDown}, esFlags...), serve: true},
		{name: "notifier", args: append([]string{"notifier", "--nats-url", natsWithUser, "--es-url", esDown, "--config", cfgFile}, esFlags...), serve: true},
		{name: "setup", args: append([]string{"setup", "--es-url", esWithPass, "--kibana-url", "http://kibana:" + kibanaPass + "@127.0.0.1:1"}, esFlags...), timeout: 3 * time.Second},
		{name: "setup, Elasticsearch down", args: []string{"setup", "--es-url", esDown, "--es-password", esFlagPass}},
		{name: "backup", args: append([]string{"backup", "--es-url", esDown, "--snapshot-location", dir}, esFlags...)},
		{name: "restore", args: append([]string{"restore", "--es-url", esWithPass, "--snapshot-location", filepath.Join(dir, "not-in-path-repo")}, esFlags...)},
		{name: "groups list", args: append([]string{"groups", "--es-url", esWithPass}, append(esFlags, "list", "--limit", "3")...)},
		{name: "groups list, Elasticsearch down", args: []string{"groups", "--es-url", esDown, "--es-api-key", esAPIKey, "list"}},
		{name: "groups mute, NATS down", args: append([]string{"groups", "--es-url", esWithPass, "--nats-url", natsDown}, append(esFlags, "mute", "no-such-fingerprint-secrets-test")...)},
		{name: "dlq list", args: []string{"dlq", "--nats-url", natsWithToken, "list"}},
		{name: "dlq list, wrong token", args: []string{"dlq", "--nats-url", "nats://" + hostport(tokenNATS.ClientURL()), "--nats-token", natsFlagToken, "list"}},
		{name: "dlq list, NATS down", args: []string{"dlq", "--nats-url", natsDown, "list"}},
		{name: "healthcheck", args: []string{"healthcheck", "--url", "http://hc:" + healthPass + "@127.0.0.1:1/readyz?token=" + healthQueryTok}},
		{name: "help", args: []string{"all", "-h"}, env: map[string]string{"FAULTLINE_ES_PASSWORD": esEnvPass, "FAULTLINE_NATS_TOKEN": natsFlagToken,
			"FAULTLINE_ES_URL": esWithPass, "FAULTLINE_NATS_URL": natsWithToken}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			printed, metrics, err := runFor(t, tc.args, tc.serve, tc.sendEvent, tc.timeout)
			all := printed + "\n" + metrics
			if err != nil {
				all += "\nreturned: " + err.Error()
			}
			if found := leaks(all); len(found) > 0 {
				t.Errorf("secrets %q leaked; output:\n%s", found, all)
			}
			if os.Getenv("SHOW_OUTPUT") != "" {
				t.Logf("printed:\n%s\n/metrics: %d bytes; returned %v", printed, len(metrics), err)
			}
		})
	}
}

// runFor runs one subcommand: a service until it has served, been sent an
// event when asked, and had a few seconds to log its failures; any other
// command to its end (or timeout). It returns everything printed, the
// service's /metrics, and run's error.
func runFor(t *testing.T, args []string, serve, sendEvent bool, timeout time.Duration) (printed, metrics string, err error) {
	t.Helper()
	if serve {
		args = append([]string{args[0], "--http-addr", "127.0.0.1:0"}, args[1:]...)
	}
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var mu sync.Mutex
	var out bytes.Buffer
	bound := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, args, lockedWriter{&mu, &out}, lockedWriter{&mu, &out}, &hooks{httpReady: func(a net.Addr) { bound <- a }})
	}()
	if serve {
		select {
		case a := <-bound:
			base := "http://" + a.String()
			if sendEvent {
				res, perr := http.Post(base+"/v1/logs", "application/json", strings.NewReader(
					fmt.Sprintf(`{"@timestamp":"%s","level":"ERROR","message":"secrets test %d","logger_name":"com.acme.Secrets","service":"secrets-test-%d"}`,
						time.Now().UTC().Format(time.RFC3339Nano), time.Now().UnixNano(), time.Now().UnixNano())))
				if perr == nil {
					res.Body.Close()
				}
			}
			// Long enough for retries, reconnects and failed sends to log.
			time.Sleep(4 * time.Second)
			if res, gerr := http.Get(base + "/metrics"); gerr == nil {
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				metrics = string(b)
			}
		case err := <-done:
			mu.Lock()
			defer mu.Unlock()
			t.Fatalf("%v exited before serving: %v\n%s", args, err, out.String())
		case <-time.After(30 * time.Second):
			t.Fatalf("%v did not serve within 30s", args)
		}
		cancel()
	}
	select {
	case err = <-done:
	case <-time.After(timeout + 30*time.Second):
		t.Fatalf("%v did not stop", args)
	}
	mu.Lock()
	defer mu.Unlock()
	return out.String(), metrics, err
}
