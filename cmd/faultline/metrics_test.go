package main

import (
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/testenv"
)

// TestMetricsPerProcess runs two `faultline all` in one test process: each
// serves its own registry, so one's /metrics counts only what it took and
// still shows the Go runtime's metrics.
func TestMetricsPerProcess(t *testing.T) {
	es := testenv.ElasticsearchURL(t)
	service := fmt.Sprintf("metrics-per-process-%d", time.Now().UnixNano())
	baseA, metricsA := startAll(t, "--data-dir", t.TempDir(), "--es-url", es, "--metrics-addr", "127.0.0.1:0")
	_, metricsB := startAll(t, "--data-dir", t.TempDir(), "--es-url", es, "--metrics-addr", "127.0.0.1:0")
	for i := range 3 {
		if code, body := post(t, baseA+"/v1/logs", logbackEvent(service, i+1, fmt.Sprintf("o-%d", i))); code != http.StatusAccepted {
			t.Fatalf("post: %d %s", code, body)
		}
	}
	scrape := func(url string) map[string]float64 {
		t.Helper()
		res, err := http.Get(url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		fams, err := parseMetrics(b)
		if err != nil {
			t.Fatalf("parse /metrics: %v", err)
		}
		out := map[string]float64{}
		for name, f := range fams {
			for _, m := range f.GetMetric() {
				out[name] += m.GetCounter().GetValue() + m.GetGauge().GetValue()
			}
		}
		return out
	}
	a, b := scrape(metricsA), scrape(metricsB)
	if got := a["faultline_ingest_events_accepted_total"]; got != 3 {
		t.Errorf("the instance that took 3 events counts %v accepted", got)
	}
	if got, ok := b["faultline_ingest_events_accepted_total"]; !ok || got != 0 {
		t.Errorf("the other instance counts %v accepted (exported: %v), want 0", got, ok)
	}
	for _, m := range []map[string]float64{a, b} {
		if _, ok := m["go_goroutines"]; !ok {
			t.Error("/metrics lacks the Go runtime's go_goroutines")
		}
	}
}
