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
	Data    []byte    `json:"-"`
}

// ListDLQ returns up to limit dead letters, oldest first.
func ListDLQ(ctx context.Context, js jetstream.JetStream, limit int) ([]DeadLetter, error) {
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
		m, err := s.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue // replayed and deleted
		}
		if err != nil {
			return out, fmt.Errorf("dlq message %d: %w", seq, err)
		}
		dl := DeadLetter{Seq: m.Sequence, Time: m.Time, Reason: m.Header.Get("Faultline-Reason"), Data: m.Data}
		var ev struct {
			Event struct {
				ID string `json:"id"`
			} `json:"event"`
		}
		if json.Unmarshal(m.Data, &ev) == nil {
			dl.EventID = ev.Event.ID
		}
		out = append(out, dl)
	}
	return out, nil
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
