// Package broker owns faultline's use of NATS JetStream: the embedded server
// for single-machine runs, the connection, and the streams every service
// relies on, so their names and settings live in one place.
package broker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Subjects and streams: the contract between ingest, processor and notifier.
const (
	EventsStream  = "FAULTLINE_EVENTS"
	EventsSubject = "faultline.events"
	AlertsStream  = "FAULTLINE_ALERTS"
	AlertsSubject = "faultline.alerts"
	DLQStream     = "FAULTLINE_DLQ"
	DLQSubject    = "faultline.dlq"
)

// DuplicatesWindow is how long the events and alerts streams remember a
// Nats-Msg-Id and drop a second publish with it.
const DuplicatesWindow = 10 * time.Minute

// StartEmbedded runs a JetStream server in this process, storing under
// dataDir. listen is host:port for other processes (faultline dlq, a second
// service); port -1 picks a free one.
func StartEmbedded(dataDir, listen string) (*server.Server, error) {
	host, portStr, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("embedded nats: listen address %q: %w", listen, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("embedded nats: listen port %q: %w", portStr, err)
	}
	opts := &server.Options{
		ServerName: "faultline-embedded",
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   filepath.Join(dataDir, "jetstream"),
		NoSigs:     true,
		NoLog:      true,
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded nats: %w", err)
	}
	go s.Start()
	if !s.ReadyForConnections(30 * time.Second) {
		s.Shutdown()
		return nil, errors.New("embedded nats: not ready for connections after 30s")
	}
	return s, nil
}

// Connect dials NATS and keeps reconnecting forever: a broker restart must
// not take a faultline service down with it.
func Connect(url, name string) (*nats.Conn, error) {
	nc, err := nats.Connect(url,
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
		nats.RetryOnFailedConnect(true),
	)
	if err != nil {
		return nil, fmt.Errorf("connect nats: %w", err)
	}
	return nc, nil
}

// EnsureStreams creates or updates the streams; it is idempotent so every
// service runs it at start-up. replicas is 1 on one machine, 3 on a cluster.
func EnsureStreams(ctx context.Context, js jetstream.JetStream, replicas int) error {
	if replicas < 1 {
		replicas = 1
	}
	streams := []jetstream.StreamConfig{{
		Name:     EventsStream,
		Subjects: []string{EventsSubject},
		Storage:  jetstream.FileStorage,
		// Limits retention keeps acknowledged events for a while, so a bad
		// deploy of the processor can be replayed from the stream.
		Retention:  jetstream.LimitsPolicy,
		MaxAge:     72 * time.Hour,
		Duplicates: DuplicatesWindow,
		Replicas:   replicas,
	}, {
		Name:       AlertsStream,
		Subjects:   []string{AlertsSubject},
		Storage:    jetstream.FileStorage,
		Retention:  jetstream.LimitsPolicy,
		MaxAge:     24 * time.Hour,
		Duplicates: DuplicatesWindow,
		Replicas:   replicas,
	}, {
		Name:      DLQStream,
		Subjects:  []string{DLQSubject},
		Storage:   jetstream.FileStorage,
		Retention: jetstream.LimitsPolicy,
		MaxAge:    30 * 24 * time.Hour,
		Replicas:  replicas,
	}}
	for _, cfg := range streams {
		if _, err := js.CreateOrUpdateStream(ctx, cfg); err != nil {
			return fmt.Errorf("ensure stream %s: %w", cfg.Name, err)
		}
	}
	return nil
}
