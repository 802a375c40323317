package sentry

import (
	"bytes"
	"github.com/faultline/faultline/grouping"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/faultline/faultline/ingest"
	"github.com/faultline/faultline/ingest/ingesttest"
	"github.com/faultline/faultline/internal/event"
)

// TestSentryLogback replays what the real sentry-logback 8.47 sent for one
// bug logged twice (schemas/testdata/generator/sentry.sh), gzipped and
// keyed as sentry-java sends it, and checks that the events group as one,
// and as one with the same two log calls written by logback's JsonEncoder.
func TestSentryLogback(t *testing.T) {
	h := newHarness(t, ingesttest.WithKey(t, "my-api-key", "checkout-logback"))
	auth := map[string]string{"X-Sentry-Auth": "Sentry sentry_version=7,sentry_client=sentry.java/8.47.0,sentry_key=my-api-key", "Content-Encoding": "gzip"}
	for _, f := range []string{"sentry-logback.1.envelope", "sentry-logback.2.envelope"} {
		body, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		if res, out := h.post(t, "/api/1/envelope/", compress(t, "gzip", body), auth); res.StatusCode != http.StatusOK || out["id"] == "" {
			t.Fatalf("%s: %d %v", f, res.StatusCode, out)
		}
	}
	evs := h.stored(t)
	if len(evs) != 2 {
		t.Fatalf("%d events stored", len(evs))
	}
	for _, ev := range evs {
		exs := ev.Faultline.Exceptions
		if ev.Service.Name != "checkout-logback" || ev.Service.Version != "checkout@3.1.0" || ev.Faultline.Platform != "java" ||
			ev.Faultline.MessageTemplate != "Order {} failed for customer {}" || ev.Log.Logger != "com.acme.checkout.OrderController" ||
			ev.Process == nil || ev.Process.Thread.Name != "main" || len(exs) != 2 ||
			exs[0].Type != "java.lang.IllegalStateException" || exs[1].Type != "java.net.SocketTimeoutException" ||
			exs[1].Frames[0].Function() != "com.acme.sentry.SentryApp$Checkout.charge" {
			t.Errorf("stored %+v", ev)
		}
	}

	raw, err := os.ReadFile(filepath.Join("testdata", "sentry-logback.logback.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	var logback []event.Event
	for _, line := range bytes.Split(bytes.TrimSpace(raw), []byte("\n")) {
		ev, err := ingest.ParseEvent(line)
		if err != nil {
			t.Fatal(err)
		}
		ev.Service.Name = "checkout-logback"
		logback = append(logback, ev)
	}
	f := grouping.NewFingerprinter()
	want := f.Compute(&evs[0]).Fingerprint
	for i, ev := range append(evs[1:], logback...) {
		if got := f.Compute(&ev).Fingerprint; got != want {
			t.Errorf("event %d (%s): fingerprint %s, want %s: one bug, one group", i+1, ev.Event.Dataset, got, want)
		}
	}
}
