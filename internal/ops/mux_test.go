package ops

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faultline/faultline/internal/auth"
)

// /readyz names why it is not ready (reasons carry internal addresses) only
// to a client on loopback or with a valid key; anyone gets the status and
// Retry-After.
func TestReadyzHidesDetailsFromStrangers(t *testing.T) {
	keys, err := auth.New([]auth.Key{{Service: "orders", Hash: auth.Hash("ingest-secret")}})
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string]Check{"jetstream": func() error { return errors.New("nats://10.0.0.7:4222 unreachable") }}
	for _, tc := range []struct {
		name, authz, remote string
		keys                *auth.Keys
		details             bool
	}{
		{"loopback without a key", "", "127.0.0.1:5000", keys, true},
		{"IPv6 loopback without a key", "", "[::1]:5000", keys, true},
		{"remote without a key", "", "10.1.2.3:5000", keys, false},
		{"remote with an unknown key", "Bearer nope", "10.1.2.3:5000", keys, false},
		{"remote with a key", "Bearer ingest-secret", "10.1.2.3:5000", keys, true},
		{"remote, no keys configured", "", "10.1.2.3:5000", nil, false},
	} {
		req := httptest.NewRequest("GET", "/readyz", nil)
		req.RemoteAddr = tc.remote
		if tc.authz != "" {
			req.Header.Set("Authorization", tc.authz)
		}
		rec := httptest.NewRecorder()
		Mux(checks, tc.keys, nil).ServeHTTP(rec, req)
		body := rec.Body.String()
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" || strings.Contains(body, "10.0.0.7") != tc.details {
			t.Errorf("%s: %d %s; want 503 with Retry-After, details %v", tc.name, rec.Code, body, tc.details)
		}
	}
}

// With --metrics-addr the main mux has no /metrics; Metrics(reg) serves it
// without a key.
func TestMetricsOnTheirOwnListener(t *testing.T) {
	keys, err := auth.New([]auth.Key{{Name: "grafana", Roles: []auth.Role{auth.RoleRead}, Hash: auth.Hash("read-secret")}})
	if err != nil {
		t.Fatal(err)
	}
	get := func(h http.Handler, authz string) int {
		req := httptest.NewRequest("GET", "/metrics", nil)
		if authz != "" {
			req.Header.Set("Authorization", authz)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	reg := NewRegistry()
	if code := get(Mux(nil, keys, nil), "Bearer read-secret"); code != http.StatusNotFound {
		t.Errorf("main mux with a metrics address: /metrics %d, want 404", code)
	}
	if code := get(Metrics(reg), ""); code != http.StatusOK {
		t.Errorf("metrics listener without a key: %d", code)
	}
	if code := get(Mux(nil, keys, reg), ""); code != http.StatusUnauthorized {
		t.Errorf("main mux without a key: /metrics %d, want 401", code)
	}
	if code := get(Mux(nil, keys, reg), "Bearer read-secret"); code != http.StatusOK {
		t.Errorf("main mux with a read key: /metrics %d", code)
	}
}

// /metrics serves the registry it is given, with what Prometheus's default
// registry served besides (the Go runtime, the process, the scrapes), and
// nothing of another registry.
func TestMetricsServeTheirRegistry(t *testing.T) {
	reg, other := NewRegistry(), NewRegistry()
	reg.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: "faultline_test_mine_total", Help: "mine"}))
	other.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: "faultline_test_other_total", Help: "other"}))
	rec := httptest.NewRecorder()
	Metrics(reg).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("/metrics %d", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{"faultline_test_mine_total 0", "go_goroutines ", "process_start_time_seconds ", `promhttp_metric_handler_requests_total{code="200"} `} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(body, "faultline_test_other_total") {
		t.Error("/metrics serves another registry's metric")
	}
}
