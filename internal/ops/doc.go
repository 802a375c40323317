// Package ops serves what every faultline service exposes to operators:
// /healthz, /readyz and /metrics, on a server that reloads its TLS
// certificate and drains on shutdown. It owns those routes, who may read
// the reasons behind a 503, and the CPU and peak-heap profiles an operator
// asks a process for.
//
// It must not know a service's business: each service hands it its named
// readiness checks and registers its own routes on the mux.
package ops
