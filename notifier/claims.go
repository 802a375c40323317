package notifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/faultline/faultline/internal/group"
)

// claims owns the "sent.<channel>.<fingerprint>" entries of the state
// bucket: what each channel was last told about each group. Every write is
// a compare-and-set on the entry's revision, which is how replicas agree on
// who sends.
type claims struct {
	kv  jetstream.KeyValue
	log zerolog.Logger
}

// claims is valid once the state bucket is open.
func (s *Service) claims() claims { return claims{kv: s.state, log: s.log} }

// sentState is what a channel was last told about a group.
type sentState struct {
	LastSent time.Time `json:"last_sent"`
	// Confirmed is false from the claim until the provider accepted the
	// message. An old unconfirmed claim belongs to a notifier that died
	// mid-send, and another takes it over.
	Confirmed bool `json:"confirmed"`
	// Pending counts occurrences held back since LastSent, for the next digest.
	Pending int `json:"pending"`
	// Group is the latest summary of a group with pending occurrences, so the
	// digest can be sent without waiting for another occurrence.
	Group *group.Group `json:"group,omitempty"`
}

func stateKey(channel, fingerprint string) string {
	return "sent." + unsafeName.ReplaceAllString(channel, "_") + "." + fingerprint
}

// read returns a claim and its revision; 0 when there is none.
func (c claims) read(ctx context.Context, key string) (sentState, uint64, error) {
	var st sentState
	entry, err := c.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return st, 0, nil
	}
	if err != nil {
		return st, 0, fmt.Errorf("read state: %w", err)
	}
	if err := json.Unmarshal(entry.Value(), &st); err != nil {
		return st, 0, fmt.Errorf("decode state %s: %w", key, err)
	}
	return st, entry.Revision(), nil
}

// write saves a claim at revision rev (0: a new claim).
func (c claims) write(ctx context.Context, key string, rev uint64, st sentState) error {
	return putState(ctx, c.kv, key, rev, st)
}

// release hands a claim back after a failed send, keeping occurrences that
// arrived meanwhile, so a redelivery can try again.
func (c claims) release(ctx context.Context, key string, prev sentState, wasNew bool) {
	for attempt := 0; attempt < 5; attempt++ {
		cur, rev, err := c.read(ctx, key)
		if err != nil || rev == 0 {
			return
		}
		if wasNew {
			err = c.kv.Delete(ctx, key, jetstream.LastRevision(rev))
		} else {
			next := prev
			next.Pending += cur.Pending
			if cur.Group != nil {
				// The latest summary of the group is the one to report.
				next.Group = cur.Group
			}
			err = c.write(ctx, key, rev, next)
		}
		if err == nil {
			return
		}
	}
	c.log.Warn().Str("key", key).Msg("could not release claim; it expires after the claim timeout")
}

// confirm marks the claim as delivered, keeping what arrived meanwhile.
func (c claims) confirm(ctx context.Context, key string) {
	for attempt := 0; attempt < 5; attempt++ {
		cur, rev, err := c.read(ctx, key)
		if err != nil || rev == 0 {
			return
		}
		cur.Confirmed = true
		if c.write(ctx, key, rev, cur) == nil {
			return
		}
	}
	c.log.Warn().Str("key", key).Msg("could not confirm a sent message; a redelivery may send it again")
}

// renew moves an unconfirmed claim's time to now, so it is not taken for
// one a dead notifier left. A conflict (a repeat counted meanwhile) is left
// for the next round.
func (c claims) renew(ctx context.Context, key string, now time.Time) {
	cur, rev, err := c.read(ctx, key)
	if err != nil || rev == 0 || cur.Confirmed {
		return
	}
	cur.LastSent = now.UTC()
	_ = c.write(ctx, key, rev, cur)
}

// ofChannel lists the claims of one channel.
func (c claims) ofChannel(ctx context.Context, channel string) (jetstream.KeyLister, error) {
	return c.kv.ListKeysFiltered(ctx, "sent."+unsafeName.ReplaceAllString(channel, "_")+".*")
}

// putState writes v at key if its revision is still rev (0: if key does not
// exist), so of two notifiers writing at once one wins and the other
// learns it (errClaimed).
func putState(ctx context.Context, kv jetstream.KeyValue, key string, rev uint64, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	if rev == 0 {
		_, err = kv.Create(ctx, key, data)
	} else {
		_, err = kv.Update(ctx, key, data, rev)
	}
	if err != nil {
		return fmt.Errorf("save state %s: %w: %w", key, errClaimed, err)
	}
	return nil
}

// save is putState on this service's bucket, for the watchdog's entries.
func (s *Service) save(ctx context.Context, key string, rev uint64, v any) error {
	return putState(ctx, s.state, key, rev, v)
}
