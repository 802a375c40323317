package notifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faultline/faultline/groupadmin"
	"github.com/faultline/faultline/internal/auth"
	"github.com/faultline/faultline/internal/ops"
)

// muteState is the notifier's own record of a mute, which takes effect on
// candidates already in flight that still carry the old status.
type muteState struct {
	Until *time.Time `json:"until,omitempty"`
}

func muteKey(fingerprint string) string {
	return "mute." + unsafeName.ReplaceAllString(fingerprint, "_")
}

// muted reports whether the notifier's state mutes a group now.
func (s *Service) muted(ctx context.Context, fingerprint string, now time.Time) bool {
	e, err := s.state.Get(ctx, muteKey(fingerprint))
	if err != nil {
		return false
	}
	var m muteState
	if json.Unmarshal(e.Value(), &m) != nil {
		return false
	}
	return m.Until == nil || now.Before(*m.Until)
}

// RegisterAPI adds the group API (groupadmin.Register) on the notifier's
// address, with a mute recorded in this notifier's state as well. Until the
// state bucket is open (NATS unreachable since start-up) every group route
// answers 503 with Retry-After: a mute must reach the notifiers' state, not
// only Elasticsearch.
func (s *Service) RegisterAPI(mux *http.ServeMux, store groupadmin.Store, keys *auth.Keys) {
	var once sync.Once
	api := http.NewServeMux()
	gated := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.hasState() {
			w.Header().Set("Retry-After", s.setup.RetryAfter())
			// No address here: /readyz names the server to an operator.
			ops.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{
				"error": "the notifiers' state in NATS is not available yet (NATS unreachable since start-up); retry later"})
			return
		}
		once.Do(func() {
			groupadmin.Register(api, &groupadmin.Admin{Store: store, Mutes: &Mutes{kv: s.state}, Now: s.now}, keys)
		})
		api.ServeHTTP(w, r)
	})
	mux.Handle("/v1/groups", gated)
	mux.Handle("/v1/groups/", gated)
}

// GroupAdmin is the group administration the group API uses, with mutes
// recorded in the notifiers' state, for the other front ends of this
// process (the on-call page); an error while that state is not open yet.
func (s *Service) GroupAdmin(store groupadmin.Store) (*groupadmin.Admin, error) {
	if !s.hasState() {
		return nil, errors.New("the notifiers' state in NATS is not available yet (NATS unreachable since start-up); retry later")
	}
	return &groupadmin.Admin{Store: store, Mutes: &Mutes{kv: s.state}, Now: s.now}, nil
}

// Mutes writes the notifiers' record of mutes, which every replica reads
// before it sends.
type Mutes struct {
	kv jetstream.KeyValue
}

// OpenMutes opens the notifiers' state bucket as they made it (creating it
// with one replica when no notifier ever ran), for the CLI's direct mode.
func OpenMutes(ctx context.Context, js jetstream.JetStream) (*Mutes, error) {
	kv, err := openState(ctx, js, 0)
	if err != nil {
		return nil, fmt.Errorf("notifier state bucket: %w", err)
	}
	return &Mutes{kv: kv}, nil
}

// SetMute records a mute (until nil = until unmuted) or clears it.
func (m *Mutes) SetMute(ctx context.Context, fingerprint string, muted bool, until *time.Time) error {
	key := muteKey(fingerprint)
	if muted {
		data, err := json.Marshal(muteState{Until: until})
		if err != nil {
			return fmt.Errorf("record mute: %w", err)
		}
		if _, err := m.kv.Put(ctx, key, data); err != nil {
			return fmt.Errorf("record mute: %w", err)
		}
		return nil
	}
	if err := m.kv.Delete(ctx, key); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("clear mute: %w", err)
	}
	return nil
}
