package notifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faultline/faultline/internal/group"
	"github.com/faultline/faultline/internal/ops"
)

// GroupAdmin changes group documents in Elasticsearch.
type GroupAdmin interface {
	SetStatus(ctx context.Context, fingerprint, status string, until *time.Time) (group.Group, error)
	ListGroups(ctx context.Context, service string, limit int) ([]group.Group, error)
}

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

// RegisterAPI adds the group API: list, resolve, mute and unmute. authorize
// rejects a request with an error (nil lets it through).
func (s *Service) RegisterAPI(mux *http.ServeMux, admin GroupAdmin, authorize func(*http.Request) error) {
	guard := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if err := authorize(r); err != nil {
				ops.WriteJSON(w, http.StatusUnauthorized, map[string]string{"error": err.Error()})
				return
			}
			h(w, r)
		}
	}
	mux.HandleFunc("GET /v1/groups", guard(func(w http.ResponseWriter, r *http.Request) {
		limit := 50
		if l := r.URL.Query().Get("limit"); l != "" {
			n, err := strconv.Atoi(l)
			if err != nil || n < 1 || n > 1000 {
				ops.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "limit must be a number from 1 to 1000"})
				return
			}
			limit = n
		}
		gs, err := admin.ListGroups(r.Context(), r.URL.Query().Get("service"), limit)
		if err != nil {
			ops.WriteJSON(w, http.StatusBadGateway, map[string]string{"error": err.Error()})
			return
		}
		ops.WriteJSON(w, http.StatusOK, map[string]any{"groups": gs})
	}))
	mux.HandleFunc("POST /v1/groups/{fingerprint}/{action}", guard(func(w http.ResponseWriter, r *http.Request) {
		fp, action := r.PathValue("fingerprint"), r.PathValue("action")
		var status string
		var until *time.Time
		switch action {
		case "resolve":
			status = group.StatusResolved
		case "unmute":
			status = group.StatusOpen
		case "mute":
			status = group.StatusMuted
			if f := r.URL.Query().Get("for"); f != "" {
				d, err := time.ParseDuration(f)
				if err != nil || d <= 0 {
					ops.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("for=%q: want a positive duration such as 24h", f)})
					return
				}
				t := s.now().Add(d).UTC()
				until = &t
			}
		default:
			ops.WriteJSON(w, http.StatusNotFound, map[string]string{"error": fmt.Sprintf("unknown action %q (want resolve, mute or unmute)", action)})
			return
		}
		g, err := s.SetGroupStatus(r.Context(), admin, fp, status, until)
		if err != nil {
			ops.WriteJSON(w, http.StatusBadGateway, map[string]string{"error": err.Error()})
			return
		}
		ops.WriteJSON(w, http.StatusOK, g)
	}))
}

// SetGroupStatus changes the status in Elasticsearch and in the notifier's
// state, so the change holds for alerts already on their way.
func (s *Service) SetGroupStatus(ctx context.Context, admin GroupAdmin, fp, status string, until *time.Time) (group.Group, error) {
	g, err := admin.SetStatus(ctx, fp, status, until)
	if err != nil {
		return g, err
	}
	key := muteKey(fp)
	if status == group.StatusMuted {
		data, _ := json.Marshal(muteState{Until: until})
		if _, err := s.state.Put(ctx, key, data); err != nil {
			return g, fmt.Errorf("record mute: %w", err)
		}
		return g, nil
	}
	if err := s.state.Delete(ctx, key); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return g, fmt.Errorf("clear mute: %w", err)
	}
	return g, nil
}
