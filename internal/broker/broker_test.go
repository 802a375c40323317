package broker_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/testenv"
)

// The caps and the discard policy reach existing streams, and a full
// stream refuses a publish (rather than dropping old messages) with an
// error IsStreamFull knows.
func TestStreamsAreCappedAndKeepWhatTheyHold(t *testing.T) {
	_, _, js := testenv.JetStream(t)
	ctx := context.Background()
	limits := broker.Limits{EventsMaxBytes: 32 << 10, DLQMaxBytes: 2 << 20, AlertsMaxBytes: 3 << 20}
	if err := broker.EnsureStreamsWith(ctx, js, 1, limits); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]int64{broker.EventsStream: 32 << 10, broker.DLQStream: 2 << 20, broker.AlertsStream: 3 << 20} {
		s, err := js.Stream(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if c := s.CachedInfo().Config; c.MaxBytes != want || c.Discard != jetstream.DiscardNew {
			t.Errorf("%s: max_bytes %d discard %v, want %d and DiscardNew", name, c.MaxBytes, c.Discard, want)
		}
	}
	payload := []byte(strings.Repeat("x", 1000))
	stored := 0
	var err error
	for range 100 {
		if _, err = js.Publish(ctx, broker.EventsSubject, payload); err != nil {
			break
		}
		stored++
	}
	if !broker.IsStreamFull(err) {
		t.Fatalf("publish into a full stream: %v, want a stream-full error", err)
	}
	u, err := broker.StreamUsage(ctx, js, broker.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := js.Stream(ctx, broker.EventsStream)
	info, _ := s.Info(ctx)
	if info.State.Msgs != uint64(stored) || info.State.FirstSeq != 1 || !u.Full(1000) {
		t.Errorf("after filling: %d messages from seq %d (stored %d), usage %s", info.State.Msgs, info.State.FirstSeq, stored, u)
	}
	// An operator lowering the cap below what the stream holds loses
	// nothing either: the stream only refuses more.
	limits.EventsMaxBytes = 8 << 10
	if err := broker.EnsureStreamsWith(ctx, js, 1, limits); err != nil {
		t.Fatal(err)
	}
	info, _ = s.Info(ctx)
	if info.State.Msgs != uint64(stored) || info.Config.MaxBytes != 8<<10 {
		t.Errorf("after lowering the cap: %d messages (stored %d), max_bytes %d", info.State.Msgs, stored, info.Config.MaxBytes)
	}
}

// Trim frees only what every consumer acknowledged, and only near the cap.
func TestTrimFreesOnlyAcknowledged(t *testing.T) {
	_, _, js := testenv.JetStream(t)
	ctx := context.Background()
	if err := broker.EnsureStreamsWith(ctx, js, 1, broker.Limits{EventsMaxBytes: 64 << 10}); err != nil {
		t.Fatal(err)
	}
	payload := []byte(strings.Repeat("x", 1000))
	for range 30 {
		if _, err := js.Publish(ctx, broker.EventsSubject, payload); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := broker.Trim(ctx, js, broker.EventsStream); n != 0 || err != nil {
		t.Errorf("under the high-water mark: trimmed %d, %v", n, err)
	}
	for range 25 {
		if _, err := js.Publish(ctx, broker.EventsSubject, payload); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := broker.Trim(ctx, js, broker.EventsStream); n != 0 || err != nil {
		t.Errorf("without consumers: trimmed %d, %v; nothing is known to be processed", n, err)
	}
	fast, err := js.CreateOrUpdateConsumer(ctx, broker.EventsStream, jetstream.ConsumerConfig{Durable: "fast", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	slow, err := js.CreateOrUpdateConsumer(ctx, broker.EventsStream, jetstream.ConsumerConfig{Durable: "slow", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	ack := func(c jetstream.Consumer, n int) {
		batch, err := c.Fetch(n, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			if err := m.DoubleAck(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	ack(fast, 50)
	ack(slow, 20)
	n, err := broker.Trim(ctx, js, broker.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := js.Stream(ctx, broker.EventsStream)
	info, _ := s.Info(ctx)
	if n != 20 || info.State.FirstSeq != 21 || info.State.Msgs != 35 {
		t.Errorf("trimmed %d, stream from seq %d with %d messages; want the 20 both consumers acked gone, 35 kept", n, info.State.FirstSeq, info.State.Msgs)
	}
}
