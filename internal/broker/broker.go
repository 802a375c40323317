package broker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/faultline/faultline/internal/config"
	"github.com/faultline/faultline/internal/redact"
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
func StartEmbedded(dataDir, listen string, options ...EmbeddedOption) (*server.Server, error) {
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
	for _, o := range options {
		o(opts)
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
// not take a faultline service down with it. opts add credentials and TLS
// (Auth.Options), logging (Logged) or override the defaults.
func Connect(url, name string, opts ...nats.Option) (*nats.Conn, error) {
	nc, err := nats.Connect(url, append([]nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.RetryOnFailedConnect(true),
	}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("connect nats %s: %w", redact.URL(url), redact.Error(err))
	}
	return nc, nil
}

// Limits caps the streams in bytes; zero takes the default.
type Limits struct {
	EventsMaxBytes, DLQMaxBytes, AlertsMaxBytes int64
}

// LimitsFrom is the streams section of the configuration file.
func LimitsFrom(s config.Streams) Limits {
	return Limits{EventsMaxBytes: int64(s.EventsMaxBytes), DLQMaxBytes: int64(s.DLQMaxBytes), AlertsMaxBytes: int64(s.AlertsMaxBytes)}
}

// Default stream caps (README, Configuration).
const (
	DefaultEventsMaxBytes = 10 << 30
	DefaultDLQMaxBytes    = 1 << 30
	DefaultAlertsMaxBytes = 1 << 30
)

func (l *Limits) defaults() {
	if l.EventsMaxBytes <= 0 {
		l.EventsMaxBytes = DefaultEventsMaxBytes
	}
	if l.DLQMaxBytes <= 0 {
		l.DLQMaxBytes = DefaultDLQMaxBytes
	}
	if l.AlertsMaxBytes <= 0 {
		l.AlertsMaxBytes = DefaultAlertsMaxBytes
	}
}

// EnsureStreams creates or updates the streams with the default byte caps;
// it is idempotent so every service runs it at start-up. replicas is 1 on
// one machine, 3 on a cluster.
func EnsureStreams(ctx context.Context, js jetstream.JetStream, replicas int) error {
	return EnsureStreamsWith(ctx, js, replicas, Limits{})
}

// EnsureStreamsWith is EnsureStreams with the byte caps of the
// configuration. Every stream discards new messages when full: discarding
// old ones would delete events the processor has not stored yet, dead
// letters nobody replayed, or alerts not yet sent. A full stream refuses
// publishes instead (ingest answers 507, the processor naks and retries);
// Trim frees what every consumer acknowledged before that happens.
func EnsureStreamsWith(ctx context.Context, js jetstream.JetStream, replicas int, limits Limits) error {
	if replicas < 1 {
		replicas = 1
	}
	limits.defaults()
	streams := []jetstream.StreamConfig{{
		Name:     EventsStream,
		Subjects: []string{EventsSubject},
		Storage:  jetstream.FileStorage,
		// Limits retention keeps acknowledged events for a while, so a bad
		// deploy of the processor can be replayed from the stream.
		Retention:  jetstream.LimitsPolicy,
		MaxAge:     72 * time.Hour,
		MaxBytes:   limits.EventsMaxBytes,
		Discard:    jetstream.DiscardNew,
		Duplicates: DuplicatesWindow,
		Replicas:   replicas,
	}, {
		Name:       AlertsStream,
		Subjects:   []string{AlertsSubject},
		Storage:    jetstream.FileStorage,
		Retention:  jetstream.LimitsPolicy,
		MaxAge:     24 * time.Hour,
		MaxBytes:   limits.AlertsMaxBytes,
		Discard:    jetstream.DiscardNew,
		Duplicates: DuplicatesWindow,
		Replicas:   replicas,
	}, {
		Name:      DLQStream,
		Subjects:  []string{DLQSubject},
		Storage:   jetstream.FileStorage,
		Retention: jetstream.LimitsPolicy,
		MaxAge:    30 * 24 * time.Hour,
		MaxBytes:  limits.DLQMaxBytes,
		Discard:   jetstream.DiscardNew,
		Replicas:  replicas,
	}}
	for _, cfg := range streams {
		if _, err := js.CreateOrUpdateStream(ctx, cfg); err != nil {
			return fmt.Errorf("ensure stream %s: %w", cfg.Name, err)
		}
	}
	return nil
}

// IsStreamFull tells whether a publish was refused because its stream holds
// its MaxBytes (DiscardNew).
func IsStreamFull(err error) bool {
	// The server answers with its store error's text; there is no error
	// code of its own for it (10077 covers every store failure).
	return err != nil && strings.Contains(err.Error(), "maximum bytes exceeded")
}

// Usage is how full a stream is.
type Usage struct {
	Bytes, MaxBytes uint64
}

// Full is true when less than room bytes are left.
func (u Usage) Full(room uint64) bool {
	return u.MaxBytes > 0 && u.Bytes+room > u.MaxBytes
}

func (u Usage) String() string {
	return fmt.Sprintf("%d of %d bytes", u.Bytes, u.MaxBytes)
}

// StreamUsage reads a stream's size and cap.
func StreamUsage(ctx context.Context, js jetstream.JetStream, stream string) (Usage, error) {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return Usage{}, fmt.Errorf("stream %s: %w", stream, err)
	}
	info := s.CachedInfo()
	var max uint64
	if info.Config.MaxBytes > 0 {
		max = uint64(info.Config.MaxBytes)
	}
	return Usage{Bytes: info.State.Bytes, MaxBytes: max}, nil
}

// TrimAbove is the share of a stream's MaxBytes past which Trim frees what
// its consumers acknowledged: below it, acknowledged events stay for replay.
const TrimAbove = 0.8

// Trim purges the messages every consumer of stream has acknowledged once
// the stream holds more than TrimAbove of its MaxBytes, so a full stream
// (which refuses publishes) means a backlog, not history. A stream without
// consumers is left alone: nothing in it is known to be processed. It
// returns how many messages it purged.
func Trim(ctx context.Context, js jetstream.JetStream, stream string) (uint64, error) {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return 0, fmt.Errorf("trim %s: %w", stream, err)
	}
	info := s.CachedInfo()
	if info.Config.MaxBytes <= 0 || float64(info.State.Bytes) < TrimAbove*float64(info.Config.MaxBytes) {
		return 0, nil
	}
	floor, consumers := uint64(0), 0
	list := s.ListConsumers(ctx)
	for ci := range list.Info() {
		f := ci.AckFloor.Stream
		if consumers == 0 || f < floor {
			floor = f
		}
		consumers++
	}
	if err := list.Err(); err != nil {
		return 0, fmt.Errorf("trim %s: consumers: %w", stream, err)
	}
	if consumers == 0 || floor < info.State.FirstSeq {
		return 0, nil
	}
	// WithPurgeSequence keeps floor+1 and later: everything purged was
	// acknowledged by every consumer.
	if err := s.Purge(ctx, jetstream.WithPurgeSequence(floor+1)); err != nil {
		return 0, fmt.Errorf("trim %s up to %d: %w", stream, floor, err)
	}
	return floor + 1 - info.State.FirstSeq, nil
}
