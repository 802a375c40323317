// Package ops serves what every faultline service exposes to operators:
// /healthz, /readyz and /metrics, on a server that drains on shutdown.
package ops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"

	"github.com/faultline/faultline/internal/auth"
)

// Check returns nil when a part of the service is ready, else why not.
type Check func() error

// Mux returns a mux with the operator routes; services add their own.
// /healthz and /readyz are the only routes that need no key. /readyz
// answers 503 with a Retry-After, and names every failing check's reason
// only to a client on loopback or with a valid key: the reasons carry
// internal addresses. withMetrics serves /metrics here too, behind a read
// key when auth is on; without it the caller serves Metrics() on a listener
// of its own (--metrics-addr).
func Mux(checks map[string]Check, keys *auth.Keys, withMetrics bool) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		failing := map[string]string{}
		for name, c := range checks {
			if err := c(); err != nil {
				failing[name] = err.Error()
			}
		}
		if len(failing) > 0 {
			w.Header().Set("Retry-After", "5")
			body := map[string]any{"status": "not ready"}
			if _, err := keys.Authenticate(r); auth.FromLoopback(r) || (err == nil && keys.Enabled()) {
				body["failing"] = failing
			}
			WriteJSON(w, http.StatusServiceUnavailable, body)
			return
		}
		WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	if withMetrics {
		mux.Handle("GET /metrics", keys.Require(auth.RoleRead, Metrics()))
	}
	return mux
}

// Metrics is the Prometheus handler, for a listener of its own.
func Metrics() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.Handler())
	return mux
}

// WriteJSON writes v with the status code.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Serve listens on addr until ctx is done, then lets in-flight requests finish
// for up to 30 s. ready, when not nil, receives the bound address (useful with
// port 0).
func Serve(ctx context.Context, addr string, h http.Handler, log zerolog.Logger, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second}
	log.Info().Str("addr", ln.Addr().String()).Msg("http listening")
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("http shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http server: %w", err)
	}
	return nil
}
