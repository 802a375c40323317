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

// ErrNoDeadLetter is a sequence number the dead-letter stream does not hold
// (never did, or replayed since).
var ErrNoDeadLetter = errors.New("no such dead letter")

// ListDLQ returns up to limit dead letters, oldest first.
func ListDLQ(ctx context.Context, js jetstream.JetStream, limit int) ([]DeadLetter, error) {
	return ScanDLQ(ctx, js, limit, nil)
}

// ScanDLQ returns up to limit dead letters for which keep is true (every one
// when keep is nil), oldest first.
func ScanDLQ(ctx context.Context, js jetstream.JetStream, limit int, keep func(DeadLetter) bool) ([]DeadLetter, error) {
	s, err := js.Stream(ctx, broker.DLQStream)
	if err != nil {
		return nil, fmt.Errorf("dlq stream: %w", err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("dlq info: %w", err)
	}
	var out []DeadLetter
	for seq := info.State.FirstSeq; info.State.Msgs > 0 && seq <= info.State.LastSeq && len(out) < limit; seq++ {
		dl, err := getDeadLetter(ctx, s, seq)
		if errors.Is(err, ErrNoDeadLetter) {
			continue // replayed and deleted
		}
		if err != nil {
			return out, err
		}
		if keep == nil || keep(dl) {
			out = append(out, dl)
		}
	}
	return out, nil
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
		all, err := ListDLQ(ctx, js, int(^uint(0)>>1))
		if err != nil {
			return 0, err
		}
		for _, dl := range all {
			seqs = append(seqs, dl.Seq)
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
