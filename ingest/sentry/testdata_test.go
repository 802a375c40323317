package sentry

import (
	"bytes"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sentrygo "github.com/getsentry/sentry-go"

	"github.com/faultline/faultline/ingest"
	"github.com/faultline/faultline/ingest/ingesttest"
)

var update = flag.Bool("update", false, "write testdata/sentry-go.envelope from the real sentry-go SDK")

// committed is the envelope the README's curl example posts.
var committed = filepath.Join("testdata", "sentry-go.envelope")

// TestGenerateEnvelope (with -update) records what the real sentry-go SDK
// sends for an error, so the committed example is an SDK's bytes, not
// hand-written ones.
func TestGenerateEnvelope(t *testing.T) {
	if !*update {
		t.Skip("run with -update to regenerate " + committed)
	}
	got := make(chan []byte, 1)
	rec := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if strings.HasSuffix(r.URL.Path, "/envelope/") && bytes.Contains(b, []byte(`"type":"event"`)) {
			select {
			case got <- b:
			default:
			}
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer rec.Close()
	client, err := sentrygo.NewClient(sentrygo.ClientOptions{
		Dsn:         strings.Replace(rec.URL, "http://", "http://my-api-key@", 1) + "/1",
		Release:     "checkout@1.0.0",
		Environment: "production",
		ServerName:  "web-1",
		Transport:   sentrygo.NewHTTPSyncTransport(),
	})
	if err != nil {
		t.Fatal(err)
	}
	hub := sentrygo.NewHub(client, sentrygo.NewScope())
	hub.Scope().SetTag("service", "checkout")
	hub.CaptureException(checkout())
	hub.Flush(5 * time.Second)
	select {
	case b := <-got:
		if err := os.WriteFile(committed, b, 0o644); err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the SDK sent no event envelope")
	}
}

// TestCommittedEnvelope: the README's example is accepted and says what
// it should, without keys (the tag names the service) and with them (the
// key in the envelope's dsn names it).
func TestCommittedEnvelope(t *testing.T) {
	body, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	env, err := ParseEnvelope(body)
	if err != nil {
		t.Fatal(err)
	}
	for name, cfg := range map[string]ingest.Config{"no keys": {}, "keys": ingesttest.WithKey(t, "my-api-key", "checkout-keyed")} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, cfg)
			res, out := h.post(t, "/api/1/envelope/", body, nil)
			if res.StatusCode != http.StatusOK || out["id"] != env.Header.EventID {
				t.Fatalf("%d %v, want 200 with id %s", res.StatusCode, out, env.Header.EventID)
			}
			evs := h.stored(t)
			if len(evs) != 1 {
				t.Fatalf("%d events stored", len(evs))
			}
			ev := evs[0]
			want := "checkout"
			if cfg.Auth != nil {
				want = "checkout-keyed"
			}
			if ev.Service.Name != want || ev.Service.Version != "checkout@1.0.0" || ev.Error == nil ||
				!strings.Contains(ev.Error.Message, "card declined (code 51)") || len(ev.Faultline.Exceptions) != 3 {
				t.Errorf("stored %+v", ev)
			}
		})
	}
}
