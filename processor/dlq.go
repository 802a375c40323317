package processor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/faultline/faultline/internal/broker"
)

// DeadLetter is one message the processor could not write, with why.
type DeadLetter struct {
	Seq     uint64    `json:"seq"`
	Time    time.Time `json:"time"`
	Reason  string    `json:"reason"`
	EventID string    `json:"event_id,omitempty"`
	// Service is the stored event's service.name; empty when the message is
	// not an event faultline can decode.
	Service string `json:"service,omitempty"`
	Data    []byte `json:"-"`
}

// ListDLQ returns up to limit dead letters, oldest first.
func ListDLQ(ctx context.Context, js jetstream.JetStream, limit int) ([]DeadLetter, error) {
	var out []DeadLetter
	if limit < 1 {
		return nil, nil
	}
	err := ScanDLQ(ctx, js, func(dl DeadLetter) bool {
		out = append(out, dl)
		return len(out) < limit
	})
	return out, err
}

// ScanDLQ calls visit with each dead letter, oldest first, until it returns
// false. One at a time, so that a caller that keeps only what it needs of
// each holds one message's bytes, however many the stream holds.
func ScanDLQ(ctx context.Context, js jetstream.JetStream, visit func(DeadLetter) bool) error {
	s, err := js.Stream(ctx, broker.DLQStream)
	if err != nil {
		return fmt.Errorf("dlq stream: %w", err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return fmt.Errorf("dlq info: %w", err)
	}
	for seq := info.State.FirstSeq; info.State.Msgs > 0 && seq <= info.State.LastSeq; seq++ {
		dl, err := getDeadLetter(ctx, s, seq)
		if errors.Is(err, ErrNoDeadLetter) {
			continue // replayed and deleted
		}
		if err != nil {
			return err
		}
		if !visit(dl) {
			return nil
		}
	}
	return nil
}

// GetDLQ returns the dead letter at seq, or ErrNoDeadLetter.
func GetDLQ(ctx context.Context, js jetstream.JetStream, seq uint64) (DeadLetter, error) {
	s, err := js.Stream(ctx, broker.DLQStream)
	if err != nil {
		return DeadLetter{}, fmt.Errorf("dlq stream: %w", err)
	}
	return getDeadLetter(ctx, s, seq)
}

func getDeadLetter(ctx context.Context, s jetstream.Stream, seq uint64) (DeadLetter, error) {
	m, err := s.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return DeadLetter{}, fmt.Errorf("%w: sequence %d", ErrNoDeadLetter, seq)
	}
	if err != nil {
		return DeadLetter{}, fmt.Errorf("dlq message %d: %w", seq, err)
	}
	dl := DeadLetter{Seq: m.Sequence, Time: m.Time, Reason: m.Header.Get("Faultline-Reason"), Data: m.Data}
	var ev struct {
		Event struct {
			ID string `json:"id"`
		} `json:"event"`
		Service struct {
			Name string `json:"name"`
		} `json:"service"`
	}
	if json.Unmarshal(m.Data, &ev) == nil {
		dl.EventID, dl.Service = ev.Event.ID, ev.Service.Name
	}
	return dl, nil
}

// ReplayDLQ puts dead letters back on the events subject (all of them when
// seqs is empty) and deletes each from the DLQ once JetStream stored it
// again, so a crash mid-replay loses nothing and at worst replays twice,
// which the event id makes harmless.
func ReplayDLQ(ctx context.Context, js jetstream.JetStream, seqs []uint64) (int, error) {
	s, err := js.Stream(ctx, broker.DLQStream)
	if err != nil {
		return 0, fmt.Errorf("dlq stream: %w", err)
	}
	if len(seqs) == 0 {
		err := ScanDLQ(ctx, js, func(dl DeadLetter) bool {
			seqs = append(seqs, dl.Seq)
			return true
		})
		if err != nil {
			return 0, err
		}
	}
	n := 0
	for _, seq := range seqs {
		m, err := s.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return n, fmt.Errorf("%w: sequence %d", ErrNoDeadLetter, seq)
		}
		if err != nil {
			return n, fmt.Errorf("dlq message %d: %w", seq, err)
		}
		msg := nats.NewMsg(broker.EventsSubject)
		msg.Data = m.Data
		// Not the event id: the stream would drop it as a duplicate of the
		// original publish within the dedup window.
		msg.Header.Set(jetstream.MsgIDHeader, "replay-"+strconv.FormatUint(seq, 10)+"-"+strconv.FormatInt(m.Time.UnixNano(), 10))
		if _, err := js.PublishMsg(ctx, msg); err != nil {
			return n, fmt.Errorf("replay %d: %w", seq, err)
		}
		if err := s.DeleteMsg(ctx, seq); err != nil {
			return n, fmt.Errorf("replayed %d but could not delete it from the dlq: %w", seq, err)
		}
		n++
	}
	return n, nil
}
