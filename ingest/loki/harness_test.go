package loki

import (
	"context"
	"net/http"
	"testing"

	"github.com/rs/zerolog"

	"github.com/faultline/faultline/ingest"
	"github.com/faultline/faultline/ingest/ingesttest"
	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/testenv"
)

// harness is ingest with the Loki route on a real JetStream.
type harness struct{ *ingesttest.Server }

const testKey = "loki4j-test-key" // the key the loki4j generator sends

func newHarness(t *testing.T, cfg ingest.Config) *harness {
	t.Helper()
	return &harness{ingesttest.Start(t, cfg, nil, []ingesttest.Wire{func(srv *ingest.Server, mux *http.ServeMux) {
		New(srv, zerolog.Nop(), nil).Register(mux)
	}})}
}

// post pushes body with headers and returns the status, the headers and
// the answer's text.
func (h *harness) post(t *testing.T, body []byte, header map[string]string) (*http.Response, string) {
	t.Helper()
	res, b := testenv.Post(t, h.URL+Route, body, header)
	return res, string(b)
}

// stored reads every event on the events stream.
func (h *harness) stored(t *testing.T) []event.Event {
	t.Helper()
	return testenv.StreamEvents(t, h.JS)
}

// streamCount is how many messages the events stream holds.
func (h *harness) streamCount(t *testing.T) uint64 {
	t.Helper()
	s, err := h.JS.Stream(context.Background(), broker.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}
