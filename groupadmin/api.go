package groupadmin

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/faultline/faultline/internal/auth"
	"github.com/faultline/faultline/internal/cli"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/group"
	"github.com/faultline/faultline/internal/ops"
)

// Register adds the group API to mux: GET /v1/groups and GET
// /v1/groups/{fingerprint} need the read role (and show only the key's
// services), GET /v1/groups/{fingerprint}/events?limit=N its latest events
// (read role), POST /v1/groups/{fingerprint}/
// {resolve,mute,unmute} the admin role (and a group within its services).
func Register(mux *http.ServeMux, a *Admin, keys *auth.Keys) {
	mux.Handle("GET /v1/groups", keys.Require(auth.RoleRead, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit, ok := limitParam(w, r, 50)
		if !ok {
			return
		}
		gs, err := a.List(r.Context(), auth.FromContext(r.Context()), r.URL.Query().Get("service"), limit)
		if err != nil {
			AnswerError(w, err)
			return
		}
		if gs == nil {
			gs = []group.Group{}
		}
		ops.WriteJSON(w, http.StatusOK, map[string]any{"groups": gs})
	})))
	mux.Handle("GET /v1/groups/{fingerprint}", keys.Require(auth.RoleRead, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g, err := a.Get(r.Context(), auth.FromContext(r.Context()), r.PathValue("fingerprint"))
		if err != nil {
			AnswerError(w, err)
			return
		}
		ops.WriteJSON(w, http.StatusOK, g)
	})))
	mux.Handle("GET /v1/groups/{fingerprint}/events", keys.Require(auth.RoleRead, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit, ok := limitParam(w, r, 10)
		if !ok {
			return
		}
		evs, err := a.Events(r.Context(), auth.FromContext(r.Context()), r.PathValue("fingerprint"), limit)
		if err != nil {
			AnswerError(w, err)
			return
		}
		if evs == nil {
			evs = []event.Event{}
		}
		ops.WriteJSON(w, http.StatusOK, map[string]any{"events": evs})
	})))
	mux.Handle("POST /v1/groups/{fingerprint}/{action}", keys.Require(auth.RoleAdmin, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if action := r.PathValue("action"); !slices.Contains(Actions, action) {
			ops.WriteJSON(w, http.StatusNotFound, map[string]string{"error": fmt.Sprintf("unknown action %q (want resolve, mute or unmute)", action)})
			return
		}
		var muteFor time.Duration
		if f := r.URL.Query().Get("for"); f != "" {
			d, err := cli.ParseDuration(f)
			if err != nil || d <= 0 {
				AnswerError(w, &InputError{fmt.Sprintf("for=%q: want a positive duration such as 24h or 1d", f)})
				return
			}
			muteFor = d
		}
		g, err := a.Change(r.Context(), auth.FromContext(r.Context()), r.PathValue("fingerprint"), r.PathValue("action"), muteFor)
		if err != nil {
			AnswerError(w, err)
			return
		}
		ops.WriteJSON(w, http.StatusOK, g)
	})))
}

// limitParam reads ?limit= (def when absent); false when it answered 400.
func limitParam(w http.ResponseWriter, r *http.Request, def int) (int, bool) {
	l := r.URL.Query().Get("limit")
	if l == "" {
		return def, true
	}
	n, err := strconv.Atoi(l)
	if err != nil {
		AnswerError(w, &InputError{"limit must be a number from 1 to 1000"})
		return 0, false
	}
	return n, true
}

// AnswerError maps what an administration call said to a status, for this
// API and the others on its address: auth.ErrForbidden is 403, a missing
// group or NotFound 404, an InputError 400; only a failure of Elasticsearch
// or NATS is the gateway's (502).
func AnswerError(w http.ResponseWriter, err error) {
	status := http.StatusBadGateway
	var nf notFound
	switch {
	case errors.Is(err, auth.ErrForbidden):
		status = http.StatusForbidden
	case errors.Is(err, group.ErrNotFound), errors.As(err, &nf):
		status = http.StatusNotFound
	case isInput(err):
		status = http.StatusBadRequest
	}
	ops.WriteJSON(w, status, map[string]string{"error": err.Error()})
}

// NotFound marks err as naming something that does not exist, which
// AnswerError answers 404.
func NotFound(err error) error { return notFound{err} }

type notFound struct{ error }

// IsNotFound says whether err is (or wraps) a NotFound.
func IsNotFound(err error) bool {
	var nf notFound
	return errors.As(err, &nf)
}

func (e notFound) Unwrap() error { return e.error }

// apiError is the body of an answer other than 200.
type apiError struct {
	Error string `json:"error"`
}
