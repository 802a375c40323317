package sentry

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/faultline/faultline/ingest"
	"github.com/faultline/faultline/ingest/ingesttest"
	"github.com/faultline/faultline/ingest/loki"
	"github.com/faultline/faultline/ingest/otlp"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/testenv"
)

// harness is ingest with every intake wired as cmd/faultline wires it
// (OTLP in front of /v1/logs, Sentry, Loki) on a real JetStream.
// Its Sentry metrics are in a registry of its own, so a test reads its
// own counts exactly.
type harness struct {
	*ingesttest.Server
	metrics *Metrics
}

func newHarness(t testing.TB, cfg ingest.Config) *harness {
	t.Helper()
	m := NewMetrics(prometheus.NewRegistry())
	otlpFirst := func(srv *ingest.Server, _ *http.ServeMux) { srv.ShareLogs(otlp.New(srv, zerolog.Nop(), nil).Wrap) }
	intakes := func(srv *ingest.Server, mux *http.ServeMux) {
		New(srv, m).Register(mux)
		loki.New(srv, zerolog.Nop(), nil).Register(mux)
	}
	return &harness{ingesttest.Start(t, cfg, []ingesttest.Wire{otlpFirst}, []ingesttest.Wire{intakes}), m}
}

// dsn is the DSN a Sentry SDK is given for key.
func (h *harness) dsn(key string) string {
	return strings.Replace(h.URL, "http://", "http://"+key+"@", 1) + "/42"
}

// stored reads every event on the events stream.
func (h *harness) stored(t *testing.T) []event.Event {
	t.Helper()
	return testenv.StreamEvents(t, h.JS)
}

// post sends body to path with headers and returns the status, the
// headers and the decoded answer.
func (h *harness) post(t *testing.T, path string, body []byte, header map[string]string) (*http.Response, map[string]string) {
	t.Helper()
	res, b := testenv.Post(t, h.URL+path, body, header)
	out := map[string]string{}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s: answer is not a JSON object of strings: %v", path, err)
	}
	return res, out
}
