package loki

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/faultline/faultline/ingest"
	"github.com/faultline/faultline/internal/auth"
	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/ops"
	"github.com/faultline/faultline/internal/testenv"
)

// harness is ingest with the Loki route on a real JetStream.
type harness struct {
	url string
	ns  *server.Server
	nc  *nats.Conn
	js  jetstream.JetStream
}

const testKey = "loki4j-test-key" // the key the loki4j generator sends

func newHarness(t *testing.T, cfg ingest.Config) *harness {
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
	srv.Register(mux)
	New(srv, zerolog.Nop()).Register(mux)
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	return &harness{url: hs.URL, ns: ns, nc: nc, js: js}
}

// withKey is a configuration with one ingest key for service.
func withKey(t *testing.T, secret, service string) ingest.Config {
	t.Helper()
	k, err := auth.New([]auth.Key{{Service: service, Hash: auth.Hash(secret)}})
	if err != nil {
		t.Fatal(err)
	}
	return ingest.Config{Auth: k}
}

// post pushes body with headers and returns the status, the headers and
// the answer's text.
func (h *harness) post(t *testing.T, body []byte, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.url+Route, bytes.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// stored reads every event on the events stream.
func (h *harness) stored(t *testing.T) []event.Event {
	t.Helper()
	return testenv.StreamEvents(t, h.js)
}

// streamCount is how many messages the events stream holds.
func (h *harness) streamCount(t *testing.T) uint64 {
	t.Helper()
	s, err := h.js.Stream(context.Background(), broker.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}
