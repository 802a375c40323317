package notifier

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faultline/faultline/internal/group"
	"github.com/faultline/faultline/internal/redact"
)

// ChannelStatus is what one channel did since this replica started: every
// attempt at a provider (retries included) passes through the channel's
// rate limiter, which records it here.
type ChannelStatus struct {
	Name string `json:"name"`
	Type string `json:"type"`
	// LastSend is when the provider last accepted a message, and LastKind
	// what kind of alert it was.
	LastSend time.Time  `json:"last_send,omitzero"`
	LastKind group.Kind `json:"last_kind,omitempty"`
	Sent     int64      `json:"sent"`
	// Failures counts attempts the provider refused or that did not reach
	// it; LastError is the latest one's message, redacted.
	Failures    int64     `json:"failures"`
	LastFailure time.Time `json:"last_failure,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	// RateLimitWaits counts attempts that waited for the channel's own
	// limit or a provider's 429, and LastWait the latest such wait.
	RateLimitWaits int64         `json:"rate_limit_waits"`
	LastWait       time.Duration `json:"last_wait"`
	LastWaitAt     time.Time     `json:"last_wait_at,omitzero"`
}

// StateStatus is the notifier's KV state as one replica sees it.
type StateStatus struct {
	// Ready is nil once the state bucket is open and the consumers exist.
	Ready error `json:"-"`
	// Reachable says whether the bucket answered just now; Error says why
	// not.
	Reachable bool   `json:"reachable"`
	Error     string `json:"error,omitempty"`
	// Entries counts the bucket's keys read (at most MaxStatusEntries,
	// Truncated when there were more). Claims are the sends in flight or
	// held for a storm summary: per channel and group, claimed and not yet
	// confirmed by the provider. Muted counts the notifier's mute records.
	Entries   int  `json:"entries"`
	Claims    int  `json:"claims"`
	Muted     int  `json:"muted"`
	Truncated bool `json:"truncated,omitempty"`
}

// Status is a read-only snapshot of the notifier.
type Status struct {
	Channels []ChannelStatus `json:"channels"`
	State    StateStatus     `json:"state"`
}

// MaxStatusEntries bounds the KV entries one Status reads: with every
// group of every channel in the bucket, the page must not read it all.
const MaxStatusEntries = 20000

// statusTimeout bounds the KV read of one Status, so a page answers while
// NATS is away.
const statusTimeout = 3 * time.Second

// channelStatus is a channel's record, written by its limiter.
type channelStatus struct {
	mu sync.Mutex
	s  ChannelStatus
}

func (c *channelStatus) waited(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s.RateLimitWaits++
	c.s.LastWait = d
	c.s.LastWaitAt = time.Now().UTC()
}

func (c *channelStatus) attempted(kind group.Kind, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now().UTC()
	if err == nil {
		c.s.Sent++
		c.s.LastSend = now
		c.s.LastKind = kind
		return
	}
	c.s.Failures++
	c.s.LastFailure = now
	// Provider errors leave the webhook URL out; the redaction also masks
	// any configured secret a provider's answer might echo.
	c.s.LastError = truncateRunes(redact.String(err.Error()), 300)
}

func (c *channelStatus) snapshot() ChannelStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.s
}

// Status reports each channel's sends, failures and rate-limit waits, and
// whether the state bucket answers, with its claims and mutes.
func (s *Service) Status(ctx context.Context) Status {
	var st Status
	for name, n := range s.channels {
		cs := ChannelStatus{Name: name}
		if l, ok := n.(*limited); ok {
			cs = l.status.snapshot()
			cs.Name, cs.Type = name, string(l.typ)
		}
		st.Channels = append(st.Channels, cs)
	}
	slices.SortFunc(st.Channels, func(a, b ChannelStatus) int { return cmp.Compare(a.Name, b.Name) })
	st.State = s.stateStatus(ctx)
	return st
}

func (s *Service) stateStatus(ctx context.Context) StateStatus {
	out := StateStatus{Ready: s.Readiness()}
	if !s.hasState() {
		out.Error = "state bucket not open yet"
		if out.Ready != nil {
			out.Error = redact.String(out.Ready.Error())
		}
		return out
	}
	ctx, cancel := context.WithTimeout(ctx, statusTimeout)
	defer cancel()
	if err := s.countState(ctx, &out); err != nil {
		out.Error = redact.String(err.Error())
		return out
	}
	out.Reachable = true
	return out
}

// countState reads the bucket's current values once, through a watcher
// that ends at the initial values' end.
func (s *Service) countState(ctx context.Context, out *StateStatus) error {
	w, err := s.state.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return fmt.Errorf("notifier state bucket: %w", err)
	}
	defer func() { _ = w.Stop() }()
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("notifier state bucket: %w", ctx.Err())
		case e, ok := <-w.Updates():
			if !ok {
				return fmt.Errorf("notifier state bucket: watcher closed")
			}
			if e == nil {
				return nil // all current values seen
			}
			if out.Entries == MaxStatusEntries {
				out.Truncated = true
				return nil
			}
			out.Entries++
			switch key := e.Key(); {
			case strings.HasPrefix(key, "mute."):
				out.Muted++
			case strings.HasPrefix(key, "sent."):
				var sent sentState
				if json.Unmarshal(e.Value(), &sent) == nil && !sent.Confirmed {
					out.Claims++
				}
			}
		}
	}
}
