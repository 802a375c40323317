package sentry

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/faultline/faultline/ingest"
	"github.com/faultline/faultline/ingest/loki"
	"github.com/faultline/faultline/ingest/otlp"
	"github.com/faultline/faultline/internal/auth"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/ops"
	"github.com/faultline/faultline/internal/testenv"
)

// harness is ingest with every intake wired as cmd/faultline wires it
// (OTLP in front of /v1/logs, Sentry, Loki) on a real JetStream.
type harness struct {
	url string
	ns  *server.Server
	nc  *nats.Conn
	js  jetstream.JetStream
}

func newHarness(t testing.TB, cfg ingest.Config) *harness {
	t.Helper()
	ns, nc, js := testenv.JetStream(t)
	if cfg.PublishTimeout == 0 {
		cfg.PublishTimeout = 2 * time.Second
	}
	srv, err := ingest.New(nc, js, zerolog.Nop(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := ops.Mux(map[string]ops.Check{"jetstream": srv.Ready}, cfg.Auth, true)
	srv.ShareLogs(otlp.New(srv, zerolog.Nop()).Wrap)
	srv.Register(mux)
	New(srv).Register(mux)
	loki.New(srv, zerolog.Nop()).Register(mux)
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	return &harness{url: hs.URL, ns: ns, nc: nc, js: js}
}

// withKey is a configuration with one ingest key for service.
func withKey(t testing.TB, secret, service string) ingest.Config {
	t.Helper()
	k, err := auth.New([]auth.Key{{Service: service, Hash: auth.Hash(secret)}})
	if err != nil {
		t.Fatal(err)
	}
	return ingest.Config{Auth: k}
}

// dsn is the DSN a Sentry SDK is given for key.
func (h *harness) dsn(key string) string {
	return strings.Replace(h.url, "http://", "http://"+key+"@", 1) + "/42"
}

// stored reads every event on the events stream.
func (h *harness) stored(t *testing.T) []event.Event {
	t.Helper()
	return testenv.StreamEvents(t, h.js)
}

// post sends body to path with headers and returns the status, the
// headers and the decoded answer.
func (h *harness) post(t *testing.T, path string, body []byte, header map[string]string) (*http.Response, map[string]string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.url+path, strings.NewReader(string(body)))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out := map[string]string{}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatalf("%s: answer is not a JSON object of strings: %v", path, err)
	}
	return res, out
}
