package ingesttest

import (
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
	"github.com/faultline/faultline/internal/ops"
	"github.com/faultline/faultline/internal/testenv"
)

// Server is a running ingest and the JetStream behind it.
type Server struct {
	URL string
	NS  *server.Server
	NC  *nats.Conn
	JS  jetstream.JetStream
}

// Wire adds an intake to the server, before or after ingest's own routes
// (OTLP shares /v1/logs through srv.ShareLogs, so it is wired first).
type Wire func(srv *ingest.Server, mux *http.ServeMux)

// Start runs ingest with cfg on a fresh embedded JetStream; before are
// wired ahead of ingest's own routes, after behind them. A publish waits at
// most 2 s unless cfg says otherwise, so a test of a stream that stops
// answering is quick.
func Start(t testing.TB, cfg ingest.Config, before, after []Wire) *Server {
	t.Helper()
	ns, nc, js := testenv.JetStream(t)
	if cfg.PublishTimeout == 0 {
		cfg.PublishTimeout = 2 * time.Second
	}
	reg := ops.NewRegistry()
	if cfg.Metrics == nil {
		cfg.Metrics = ingest.NewMetrics(reg)
	}
	srv, err := ingest.New(nc, js, zerolog.Nop(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := ops.Mux(map[string]ops.Check{"jetstream": srv.Ready}, cfg.Auth, reg)
	for _, w := range before {
		w(srv, mux)
	}
	srv.Register(mux)
	for _, w := range after {
		w(srv, mux)
	}
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	return &Server{URL: hs.URL, NS: ns, NC: nc, JS: js}
}

// WithKey is a configuration with one ingest key for service.
func WithKey(t testing.TB, secret, service string) ingest.Config {
	t.Helper()
	k, err := auth.New([]auth.Key{{Service: service, Hash: auth.Hash(secret)}})
	if err != nil {
		t.Fatal(err)
	}
	return ingest.Config{Auth: k}
}
