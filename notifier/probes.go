package notifier

import (
	"context"
	"fmt"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faultline/faultline/internal/broker"
)

// LagProbe fails while the processor's backlog is above threshold events.
func LagProbe(js jetstream.JetStream, consumer string, threshold int) Probe {
	return func(ctx context.Context) error {
		c, err := js.Consumer(ctx, broker.EventsStream, consumer)
		if err != nil {
			return fmt.Errorf("processor consumer: %w", err)
		}
		info, err := c.Info(ctx)
		if err != nil {
			return fmt.Errorf("processor consumer: %w", err)
		}
		if lag := info.NumPending + uint64(info.NumAckPending); lag > uint64(threshold) {
			return fmt.Errorf("processor is %d events behind (threshold %d)", lag, threshold)
		}
		return nil
	}
}

// DLQProbe fails when the dead-letter stream grew since the last check.
func DLQProbe(js jetstream.JetStream) Probe {
	var mu sync.Mutex
	last := int64(-1)
	return func(ctx context.Context) error {
		s, err := js.Stream(ctx, broker.DLQStream)
		if err != nil {
			return fmt.Errorf("dead-letter stream: %w", err)
		}
		info, err := s.Info(ctx)
		if err != nil {
			return fmt.Errorf("dead-letter stream: %w", err)
		}
		mu.Lock()
		defer mu.Unlock()
		prev := last
		last = int64(info.State.Msgs)
		if prev >= 0 && last > prev {
			return fmt.Errorf("%d new dead letters (%d in all); see faultline dlq list", last-prev, last)
		}
		return nil
	}
}
