package broker

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/faultline/faultline/internal/retry"
)

// Streams is the set-up of the streams on the server at url, for a service
// that starts while NATS may still be down: run it with Run in the
// background, and read Err for readiness. Connect does not wait for the
// server either, so nothing blocks the service's listener.
func Streams(url string) *retry.Dependency {
	return retry.New("nats", "jetstream streams", url)
}

// EnsureStreamsNow is EnsureStreamsWith as a setup for retry.Dependency.Run:
// it fails at once while nc has no server, where a JetStream request would
// sit in nats.go's reconnect buffer until its timeout, saying nothing.
func EnsureStreamsNow(nc *nats.Conn, js jetstream.JetStream, replicas int, limits Limits) func(context.Context) error {
	return func(ctx context.Context) error {
		if err := Connected(nc); err != nil {
			return err
		}
		return EnsureStreamsWith(ctx, js, replicas, limits)
	}
}

// Connected is nil while nc has a server, else why not (nats.go's last
// error when it kept one, else its state, such as still reconnecting).
func Connected(nc *nats.Conn) error {
	if nc.IsConnected() {
		return nil
	}
	if err := nc.LastError(); err != nil {
		return fmt.Errorf("not connected: %w", err)
	}
	return fmt.Errorf("not connected (%s): no server answers", strings.ToLower(nc.Status().String()))
}

// Drain flushes what is in flight on nc (acks, publishes) and closes it,
// waiting at most timeout: a connection that never reached its server
// closes at once.
func Drain(nc *nats.Conn, timeout time.Duration) {
	_ = nc.Drain()
	deadline := time.Now().Add(timeout)
	for !nc.IsClosed() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	nc.Close()
}
