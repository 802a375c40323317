package dlqadmin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/faultline/faultline/groupadmin"
	"github.com/faultline/faultline/internal/auth"
	"github.com/faultline/faultline/internal/ops"
	"github.com/faultline/faultline/processor"
)

// DefaultLimit is how many dead letters a listing shows unless asked.
const DefaultLimit = 100

// ReplayRequest is the body of POST /v1/dlq/replay: some sequence numbers,
// or all.
type ReplayRequest struct {
	Seqs []uint64 `json:"seqs,omitempty"`
	All  bool     `json:"all,omitempty"`
}

// Register adds the dead-letter routes to mux, beside the group API and
// answering as it does: GET /v1/dlq?limit=N needs the read role and lists
// the key's services' dead letters; POST /v1/dlq/replay (seq=…&seq=… or
// all=true, in the query or as a ReplayRequest body) needs the admin role.
func Register(mux *http.ServeMux, a *Admin, keys *auth.Keys) {
	mux.Handle("GET /v1/dlq", keys.Require(auth.RoleRead, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := DefaultLimit
		if l := r.URL.Query().Get("limit"); l != "" {
			n, err := strconv.Atoi(l)
			if err != nil {
				groupadmin.AnswerError(w, groupadmin.Invalid(fmt.Sprintf("limit %q: want a number from 1 to %d", l, MaxLimit)))
				return
			}
			limit = n
		}
		dls, err := a.List(r.Context(), auth.FromContext(r.Context()), limit)
		if err != nil {
			groupadmin.AnswerError(w, err)
			return
		}
		if dls == nil {
			dls = []processor.DeadLetter{}
		}
		ops.WriteJSON(w, http.StatusOK, map[string]any{"dead_letters": dls})
	})))
	mux.Handle("POST /v1/dlq/replay", keys.Require(auth.RoleAdmin, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := replayRequest(w, r)
		if err != nil {
			groupadmin.AnswerError(w, err)
			return
		}
		n, err := a.Replay(r.Context(), auth.FromContext(r.Context()), req.Seqs)
		if err != nil {
			groupadmin.AnswerError(w, err)
			return
		}
		ops.WriteJSON(w, http.StatusOK, map[string]int{"replayed": n})
	})))
}

// maxReplayBody bounds a replay request's body: room for some 50 000
// sequence numbers.
const maxReplayBody = 1 << 20

// replayRequest reads what to replay from the query and the body (either);
// it insists on "all" being said, so an empty request replays nothing.
func replayRequest(w http.ResponseWriter, r *http.Request) (ReplayRequest, error) {
	var req ReplayRequest
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxReplayBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return req, groupadmin.Invalid(fmt.Sprintf("body over %d bytes", maxReplayBody))
		}
		return req, groupadmin.Invalid("read body: " + err.Error())
	}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			return req, groupadmin.Invalid(`body: want {"seqs": [1, 2]} or {"all": true}: ` + err.Error())
		}
	}
	q := r.URL.Query()
	for _, s := range q["seq"] {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || n == 0 {
			return req, groupadmin.Invalid(fmt.Sprintf("seq %q: want a sequence number", s))
		}
		req.Seqs = append(req.Seqs, n)
	}
	if a := q.Get("all"); a != "" {
		all, err := strconv.ParseBool(a)
		if err != nil {
			return req, groupadmin.Invalid(fmt.Sprintf("all %q: want true or false", a))
		}
		req.All = req.All || all
	}
	switch {
	case req.All && len(req.Seqs) > 0:
		return req, groupadmin.Invalid("both all and sequence numbers: want one of them")
	case !req.All && len(req.Seqs) == 0:
		return req, groupadmin.Invalid("nothing to replay: give seq=<n> (repeatable) or all=true")
	}
	return req, nil
}
