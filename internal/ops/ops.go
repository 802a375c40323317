package ops

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	stdlog "log"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
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
// internal addresses. A non-nil reg is served on /metrics here too, behind a
// read key when auth is on; with nil the caller serves Metrics(reg) on a
// listener of its own (--metrics-addr).
func Mux(checks map[string]Check, keys *auth.Keys, reg *prometheus.Registry) *http.ServeMux {
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
	if reg != nil {
		mux.Handle("GET /metrics", keys.Require(auth.RoleRead, Metrics(reg)))
	}
	return mux
}

// NewRegistry returns the registry one process's services register their
// metrics with (each service's NewMetrics). Like Prometheus's default
// registry it also holds the Go runtime's and the process's metrics, which
// operators expect of any Go service's /metrics.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// Metrics serves reg on /metrics, counting its own scrapes in reg as
// promhttp.Handler does; for a listener of its own.
func Metrics(reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.InstrumentMetricHandler(reg, promhttp.HandlerFor(reg, promhttp.HandlerOpts{})))
	return mux
}

// WriteJSON writes v with the status code.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Server limits, set for clients on a network: a slow or hostile client
// cannot hold a connection or a goroutine open indefinitely, nor make the
// server buffer large headers.
const (
	// ReadHeaderTimeout bounds the request line and headers (slowloris).
	ReadHeaderTimeout = 10 * time.Second
	// ReadTimeout bounds the whole request, body included: a 5 MiB body
	// over a slow mobile link still fits.
	ReadTimeout = 60 * time.Second
	// WriteTimeout bounds a request from its headers to the end of the
	// answer, so it covers the body's read, the wait for JetStream's ack or
	// an Elasticsearch search, and the answer itself.
	WriteTimeout = 90 * time.Second
	// IdleTimeout closes kept-alive connections that send nothing.
	IdleTimeout = 120 * time.Second
	// MaxHeaderBytes bounds request headers; real clients send a few KiB.
	MaxHeaderBytes = 64 << 10
)

// ServeConfig is one HTTP listener.
type ServeConfig struct {
	// Addr is host:port; port 0 picks a free one.
	Addr    string
	Handler http.Handler
	// CertFile and KeyFile, when both set, make the listener serve HTTPS
	// (TLS 1.2 and later) with that PEM pair, reloaded when the files
	// change.
	CertFile, KeyFile string
	Log               zerolog.Logger
	// Ready, when not nil, receives the bound address.
	Ready func(net.Addr)
}

// Serve listens until ctx is done, then lets in-flight requests finish for
// up to 30 s.
func Serve(ctx context.Context, c ServeConfig) error {
	log := c.Log
	if (c.CertFile == "") != (c.KeyFile == "") {
		return errors.New("https needs both --tls-cert and --tls-key")
	}
	var tlsConfig *tls.Config
	if c.CertFile != "" {
		certs, err := newCertReloader(c.CertFile, c.KeyFile, log)
		if err != nil {
			return err
		}
		tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: certs.GetCertificate}
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", c.Addr, err)
	}
	srv := &http.Server{
		Handler:           c.Handler,
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          stdlog.New(log.With().Str("component", "http").Logger(), "", 0),
	}
	log.Info().Str("addr", ln.Addr().String()).Bool("https", tlsConfig != nil).Msg("http listening")
	if c.Ready != nil {
		c.Ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() {
		if tlsConfig != nil {
			// The certificate comes from GetCertificate; ServeTLS adds h2.
			errc <- srv.ServeTLS(ln, "", "")
			return
		}
		errc <- srv.Serve(ln)
	}()
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
