package config

import (
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
		"channels: [{name: a, type: pager, url: x}]":                                                       `unknown type "pager"`,
		"channels: [{name: a, type: discord, url: x}]\nroutes: [{channels: [b]}]":                          `unknown channel "b"`,
		"channels: [{name: a, type: discord, url: x}]\nroutes: [{match: {service: \"[\"}, channels: [a]}]": `bad pattern "["`,
		"channels: [{name: a, type: discord, url: x}]\nroutes: [{match: {host: x}, channels: [a]}]":        `unknown match key "host"`,
		"channels: [{name: a, type: discord, url: \"${NOPE_NOT_SET}\"}]":                                   "NOPE_NOT_SET",
		"auth: {keys: [{service: a, hash: plain}]}":                                                        `hash must be "sha256:"`,
		"auth: {keys: [{service: a, roles: [root], hash: \"" + hash + "\"}]}":                              `unknown role "root"`,
		"auth: {keys: [{roles: [ingest], hash: \"" + hash + "\"}]}":                                        "an ingest key needs a service",
		"auth: {keys: [{name: x, roles: [read], services: [\"a[\"], hash: \"" + hash + "\"}]}":             `bad service pattern "a["`,
		"auth: {keys: [{service: a, scope: [b], hash: \"" + hash + "\"}]}":                                 "field scope not found",
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
