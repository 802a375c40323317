package sentry

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkIntake posts one bug, one event per request, to /v1/logs as
// logback JSON and to the Sentry envelope route as sentry-logback sent it,
// on the same ingest and stream, and reports accepted events/s for each.
// Every request carries a new event id, so nothing is deduplicated.
func BenchmarkIntake(b *testing.B) {
	h := newHarness(b, withKey(b, "bench-key", "bench"))
	logback, err := os.ReadFile(filepath.Join("testdata", "sentry-logback.logback.ndjson"))
	if err != nil {
		b.Fatal(err)
	}
	logback = logback[:bytes.IndexByte(logback, '\n')]
	env, err := os.ReadFile(filepath.Join("testdata", "sentry-logback.1.envelope"))
	if err != nil {
		b.Fatal(err)
	}
	parsed, err := ParseEnvelope(env)
	if err != nil {
		b.Fatal(err)
	}
	oldID := []byte(parsed.Header.EventID)
	send := func(b *testing.B, path string, body []byte, header map[string]string, want int) {
		req, _ := http.NewRequest(http.MethodPost, h.url+path, bytes.NewReader(body))
		for k, v := range header {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			b.Fatalf("%s: %d", path, res.StatusCode)
		}
	}
	b.Run("v1-logs-logback-json", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			send(b, "/v1/logs", logback, map[string]string{"Authorization": "Bearer bench-key", "Content-Type": "application/json",
				"Idempotency-Key": fmt.Sprintf("bench-%d-%d", b.N, i)}, http.StatusAccepted)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("sentry-envelope", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			body := bytes.ReplaceAll(env, oldID, fmt.Appendf(nil, "%032x", uint64(b.N)<<32|uint64(i)))
			send(b, "/api/1/envelope/", body, map[string]string{"X-Sentry-Auth": "Sentry sentry_key=bench-key"}, http.StatusOK)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
}
