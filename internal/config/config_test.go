package config

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseExpandsAndValidates(t *testing.T) {
	t.Setenv("HOOK", "https://discord.example/api/webhooks/1/tok")
	f, err := Parse([]byte(`
channels:
  - {name: oncall, type: discord, url: "${HOOK}"}
routes:
  - match: {service: "checkout-*", level: ERROR}
    channels: [oncall]
notify: {cooldown: 90s}
auth:
  keys:
    - {service: checkout, hash: "sha256:` + strings.Repeat("ab", 32) + `"}
`))
	if err != nil {
		t.Fatal(err)
	}
	if f.Channels[0].URL != "https://discord.example/api/webhooks/1/tok" || f.Notify.Cooldown.Duration != 90*time.Second || f.Routes[0].Match["service"] != "checkout-*" {
		t.Errorf("parsed %+v", f)
	}
	if _, err := Parse([]byte("channels: [{name: terminal, type: console}]")); err != nil {
		t.Errorf("a console channel without url refused: %v", err)
	}
	withPublic, err := Parse([]byte("notify: {public_url: \"https://faultline.example.com/ops/\"}"))
	if err != nil || withPublic.Notify.PublicURL != "https://faultline.example.com/ops" {
		t.Errorf("public_url = %q, %v; want it kept without the trailing slash", withPublic.Notify.PublicURL, err)
	}
	empty, err := Parse(nil)
	if err != nil || empty.Notify.Cooldown.Duration != 5*time.Minute {
		t.Errorf("empty file: %+v, %v", empty, err)
	}
}

func TestParseErrorsNameTheProblem(t *testing.T) {
	hash := "sha256:" + strings.Repeat("ab", 32)
	cases := map[string]string{
		"channels: [{name: a, type: pager, url: x}]":                                                       `unknown type "pager" (want discord, slack, webhook, sentry or console)`,
		"channels: [{name: a, type: discord, url: x}]\nroutes: [{channels: [b]}]":                          `unknown channel "b"`,
		"channels: [{name: a, type: discord, url: x}]\nroutes: [{match: {service: \"[\"}, channels: [a]}]": `bad pattern "["`,
		"channels: [{name: a, type: discord, url: x}]\nroutes: [{match: {host: x}, channels: [a]}]":        `unknown match key "host" (want service, environment, level, error_type or logger)`,
		"channels: [{name: a, type: discord, url: \"${NOPE_NOT_SET}\"}]":                                   "NOPE_NOT_SET",
		"auth: {keys: [{service: a, hash: plain}]}":                                                        `hash must be "sha256:"`,
		"auth: {keys: [{service: a, roles: [root], hash: \"" + hash + "\"}]}":                              `unknown role "root"`,
		"auth: {keys: [{roles: [ingest], hash: \"" + hash + "\"}]}":                                        "an ingest key needs a service",
		"auth: {keys: [{name: x, roles: [read], services: [\"a[\"], hash: \"" + hash + "\"}]}":             `bad service pattern "a["`,
		"auth: {keys: [{service: a, scope: [b], hash: \"" + hash + "\"}]}":                                 "field scope not found",
		"grouping: {rules: [{match: {host: x}, fingerprint: f}]}":                                          `grouping.rules[0]: unknown match key "host" (want service, environment, level, error_type, logger or message)`,
		"chanels: []":                                                      "field chanels not found",
		"notify: {cooldown: soon}":                                         `duration "soon"`,
		"processor: {count_settle: 90s}":                                   "processor.count_settle: 1m30s must exceed batch_timeout (2m0s)",
		"processor: {batch_timeout: 10s, count_settle: 10s}":               "processor.count_settle: 10s must exceed batch_timeout (10s)",
		"processor: {recount_every: -1m}":                                  "processor: batch_timeout, count_settle, recount_every and late_writes cannot be negative",
		"channels: [{name: t, type: console, url: \"https://x.example\"}]": "a console channel takes no url",
		"notify: {catch_up_after: -1m}":                                    "notify.catch_up_after: -1m0s must not be negative",
		"notify: {public_url: faultline.example.com}":                      "add one, e.g. https://",
		"notify: {public_url: \"https://f.example/?x=1\"}":                 "without user, query or fragment",
		"processor: {late_writes: -1h}":                                    "processor: batch_timeout, count_settle, recount_every and late_writes cannot be negative",
	}
	if _, err := Parse([]byte("processor: {batch_timeout: 10s, count_settle: 15s}")); err != nil {
		t.Errorf("a settle longer than the batch timeout refused: %v", err)
	}
	for in, want := range cases {
		_, err := Parse([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want an error naming %q", in, err, want)
		}
	}
}

func TestBoundsSettings(t *testing.T) {
	f, err := Parse([]byte(`
processor: {max_bulk_bytes: 8MiB}
streams: {events_max_bytes: 10GiB, dlq_max_bytes: "512 MB", alerts_max_bytes: 1073741824}
ingest:
  max_inflight_bytes: 64MiB
  quotas:
    default: {events_per_second: 500, bytes_per_day: 5GiB}
    services: {checkout: {events_per_second: 2000}}
`))
	if err != nil {
		t.Fatal(err)
	}
	if f.Processor.MaxBulkBytes != 8<<20 || f.Streams.EventsMaxBytes != 10<<30 || f.Streams.DLQMaxBytes != 512_000_000 || f.Streams.AlertsMaxBytes != 1<<30 || f.Ingest.MaxInflightBytes != 64<<20 {
		t.Errorf("sizes: %+v %+v %+v", f.Processor, f.Streams, f.Ingest)
	}
	if q := f.Ingest.Quotas.For("checkout"); q.EventsPerSecond != 2000 || q.BytesPerDay != 0 {
		t.Errorf("checkout quota %+v", q)
	}
	if q := f.Ingest.Quotas.For("other"); q.EventsPerSecond != 500 || q.BytesPerDay != 5<<30 {
		t.Errorf("default quota %+v", q)
	}
	cases := map[string]string{
		"processor: {max_bulk_bytes: 200MiB}":                          "processor.max_bulk_bytes: 209715200 is outside 65536 bytes to 90 MiB",
		"processor: {max_bulk_bytes: 1KiB}":                            "processor.max_bulk_bytes: 1024 is outside",
		"processor: {max_bulk_bytes: lots}":                            `size "lots"`,
		"streams: {events_max_bytes: 10KiB}":                           "streams.events_max_bytes: 10240 bytes is less than 1 MiB",
		"ingest: {max_body_bytes: 10485760, max_inflight_bytes: 1MiB}": "ingest.max_inflight_bytes: 1048576 is less than max_body_bytes (10485760)",
		"ingest: {quotas: {services: {a: {events_per_second: -1}}}}":   "ingest.quotas.services.a.events_per_second: -1 must not be negative",
	}
	for in, want := range cases {
		_, err := Parse([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want an error naming %q", in, err, want)
		}
	}
}

// Every key problem is reported at once, each naming its key.
func TestAuthKeysAllProblemsAtOnce(t *testing.T) {
	h := func(c string) string { return "sha256:" + strings.Repeat(c, 64) }
	_, err := Parse([]byte(`
auth:
  keys:
    - {name: ops, roles: [admin], hash: "` + h("a") + `"}
    - {name: ops, roles: [read, write], hash: "` + h("b") + `"}
    - {roles: [ingest], hash: "` + h("c") + `"}
`))
	for _, want := range []string{`auth.keys[1]: duplicate name "ops"`, `unknown role "write"`, "auth.keys[2] (key#2): an ingest key needs a service"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not say %q", err, want)
		}
	}
	f, err := Parse([]byte(`auth: {keys: [{service: checkout, hash: "` + h("d") + `"}, {name: dash, roles: [read], services: ["checkout-*"], hash: "` + h("e") + `"}]}`))
	if err != nil || len(f.Auth.Keys) != 2 || f.Auth.Keys[1].Roles[0] != "read" || f.Auth.Keys[1].Services[0] != "checkout-*" {
		t.Errorf("parsed %+v, %v", f.Auth, err)
	}
}

// TestEveryProblemInOneRun: a start-up that fails names everything to fix,
// from the flags, the environment and the file, not the first problem only.
func TestEveryProblemInOneRun(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "faultline.yaml")
	if err := os.WriteFile(file, []byte(`
channels:
  - {name: oncall, type: slack, url: hooks.slack.com/services/T0/B0/secret-tok}
routes:
  - match: {level: error}
    channels: [oncall]
  - match: {level: "WARN*"}
    channels: [oncall]
  - match: {level: "CRIT"}
    channels: [oncall]
grouping:
  rules:
    - {match: {level: fatal}, fingerprint: x}
notify: {min_level: LOUD}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FAULTLINE_LOG_LEVEL", "verbose")
	t.Setenv("FAULTLINE_ALLOW_ANONYMOUS", "maybe")
	fs := flag.NewFlagSet("faultline all", flag.ContinueOnError)
	_, finish := Flags(fs)
	if err := fs.Parse([]string{"--config", file, "--stream-replicas", "9", "--es-url", "user:secret-pass@127.0.0.1:9200",
		"--nats-url", "127.0.0.1:4222", "--kibana-url", "ftp://kibana:5601"}); err != nil {
		t.Fatal(err)
	}
	err := finish()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`FAULTLINE_ALLOW_ANONYMOUS: "maybe" is not true or false`,
		`stream-replicas: "9" is not a number from 1 to 5`,
		`log-level (FAULTLINE_LOG_LEVEL): unknown level "verbose" (want trace, debug, info, warn or error)`,
		`es-url: a URL without a scheme: add http:// in front (as in http://127.0.0.1:9200)`,
		`nats-url: a URL without a scheme: add nats:// in front (as in nats://127.0.0.1:4222)`,
		`kibana-url: scheme "ftp" (want http:// or https://)`,
		`channels[0] (oncall): url has no scheme: add https:// in front`,
		`routes[0]: level "error" matches no level (want TRACE, DEBUG, INFO, WARN, ERROR or FATAL, or a glob of them; levels are upper case)`,
		`routes[2]: level "CRIT" matches no level`,
		`grouping.rules[0]: level "fatal" matches no level`,
		`notify.min_level: unknown level "LOUD"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "routes[1]") {
		t.Errorf("a glob that matches WARN refused:\n%v", err)
	}
	if strings.Contains(err.Error(), "secret-") {
		t.Errorf("the error quotes a secret:\n%v", err)
	}
}

func TestFlagsAcceptGoodURLsAndLevels(t *testing.T) {
	t.Setenv("FAULTLINE_LOG_LEVEL", "DEBUG")
	fs := flag.NewFlagSet("faultline all", flag.ContinueOnError)
	c, finish := Flags(fs)
	if err := fs.Parse([]string{"--es-url", "https://a:9200, http://b:9200", "--nats-url", "nats://n1:4222,tls://n2:4222", "--kibana-url", "http://k:5601"}); err != nil {
		t.Fatal(err)
	}
	if err := finish(); err != nil || len(c.ESURLs) != 2 {
		t.Errorf("%v %q", err, c.ESURLs)
	}
}

func TestDurationsTakeDays(t *testing.T) {
	f, err := Parse([]byte("notify: {flatline_after: 1d, cooldown: 1d12h}\nprocessor: {late_writes: 2w}"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Notify.FlatlineAfter.Duration != 24*time.Hour || f.Notify.Cooldown.Duration != 36*time.Hour || f.Processor.LateWrites.Duration != 14*24*time.Hour {
		t.Errorf("%v %v %v", f.Notify.FlatlineAfter, f.Notify.Cooldown, f.Processor.LateWrites)
	}
	if _, err := Parse([]byte("notify: {cooldown: 1.5d}")); err == nil || !strings.Contains(err.Error(), `line 1: duration "1.5d"`) {
		t.Errorf("1.5d: %v", err)
	}
}

func TestIngestLimitsValidated(t *testing.T) {
	for in, want := range map[string]string{
		"ingest: {max_event_bytes: 100}":                          "ingest.max_event_bytes: 100 is outside 1 KiB to max_body_bytes",
		"ingest: {max_event_bytes: 6MiB}":                         "ingest.max_event_bytes: 6291456 is outside",
		"ingest: {max_body_bytes: 1048576, max_event_bytes: 2MB}": "ingest.max_event_bytes: 2000000 is outside",
		"ingest: {publish_timeout: -1s}":                          "publish_timeout must not be negative",
	} {
		if _, err := Parse([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want %q", in, err, want)
		}
	}
	f, err := Parse([]byte("ingest: {max_event_bytes: 512KiB, publish_timeout: 1d}"))
	if err != nil || f.Ingest.MaxEventBytes != 512<<10 || f.Ingest.PublishTimeout.Duration != 24*time.Hour {
		t.Errorf("%+v %v", f.Ingest, err)
	}
}
