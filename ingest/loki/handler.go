package loki

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/rs/zerolog"

	"github.com/faultline/faultline/ingest"
	"github.com/faultline/faultline/internal/auth"
	"github.com/faultline/faultline/internal/event"
)

// Route is where Loki clients push.
const Route = "/loki/api/v1/push"

// deliverChunk is how many events go to the sink at once: a push may hold
// a hundred thousand lines, and the stream's publisher stalls past a few
// thousand unacknowledged ones. A line repeated with the same nanosecond
// in two chunks is stored once, as Loki stores it.
const deliverChunk = 1000

// maxNamed bounds the refused lines an answer lists.
const maxNamed = 10

// Handler serves the Loki push route onto ingest's sink.
type Handler struct {
	sink    *ingest.Server
	log     zerolog.Logger
	metrics *Metrics
}

// New returns the Loki intake feeding sink, counting into m (nil:
// NewMetrics(nil)).
func New(sink *ingest.Server, log zerolog.Logger, m *Metrics) *Handler {
	if m == nil {
		m = NewMetrics(nil)
	}
	return &Handler{sink: sink, log: log.With().Str("service", "ingest").Str("route", Route).Logger(), metrics: m}
}

// Register adds the push route.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST "+Route, h.push)
}

// answer writes a plain-text answer, as Loki does; 204 has no body.
func (h *Handler) answer(w http.ResponseWriter, status int, msg string) {
	h.metrics.requests.WithLabelValues(strconv.Itoa(status)).Inc()
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}

// refuse answers a refusal of the sink in Loki's terms. A full event
// stream (507) becomes 503: loki4j retries only 429 and 503, Promtail and
// Alloy every 5xx and 429, and a full stream is cured by waiting, as a
// retry after Retry-After does.
func (h *Handler) refuse(w http.ResponseWriter, ref *ingest.Refusal) {
	status := ref.Status
	if status == http.StatusInsufficientStorage {
		status = http.StatusServiceUnavailable
	}
	if ref.RetryAfter != "" {
		w.Header().Set("Retry-After", ref.RetryAfter)
	}
	h.answer(w, status, ref.Reason)
}

func (h *Handler) push(w http.ResponseWriter, r *http.Request) {
	// loki4j, Promtail and Alloy send Basic auth (the key as the
	// password); a configured header sends Bearer.
	p, err := h.sink.Auth().Authorize(r, auth.RoleIngest)
	if err != nil {
		status := auth.Status(err)
		msg := err.Error()
		if errors.Is(err, auth.ErrMissing) {
			msg = "missing API key: send it as the Basic auth password (any user name) or as Authorization: Bearer <key>"
			w.Header().Set("WWW-Authenticate", `Basic realm="faultline"`)
		}
		h.answer(w, status, msg)
		return
	}
	service := p.Service
	release, ref := h.sink.Open(r, service)
	if ref != nil {
		h.refuse(w, ref)
		return
	}
	defer release()
	body, ref := h.sink.ReadBody(w, r, true)
	if ref != nil {
		h.refuse(w, ref)
		return
	}
	streams, err := decode(body, r.Header.Get("Content-Type"), h.sink.MaxBodyBytes())
	if err != nil {
		status := http.StatusBadRequest
		var unsupported errUnsupported
		var tooLarge errTooLarge
		switch {
		case errors.As(err, &unsupported):
			status = http.StatusUnsupportedMediaType
		case errors.As(err, &tooLarge):
			status = http.StatusRequestEntityTooLarge
		}
		h.answer(w, status, err.Error())
		return
	}

	type pos struct{ stream, entry int }
	var evs []event.Event
	var at []pos
	var refused []string
	nRefused := 0
	note := func(p pos, reason string) {
		nRefused++
		h.metrics.linesRefused.Inc()
		if len(refused) < maxNamed {
			refused = append(refused, fmt.Sprintf("streams[%d].values[%d]: %s", p.stream, p.entry, reason))
		}
	}
	total := 0
	for i, s := range streams {
		total += len(s.entries)
		for j, en := range s.entries {
			ev, err := toEvent(s.labels, en, h.sink.MaxEventBytes())
			if err != nil {
				note(pos{i, j}, err.Error())
				continue
			}
			if service != "" {
				// Set before the sink derives the id from the event, so two
				// services pushing the same line at the same nanosecond
				// (replayed files, shared agents) keep both.
				ev.Service.Name = service
			}
			evs = append(evs, ev)
			at = append(at, pos{i, j})
		}
	}
	for from := 0; from < len(evs); from += deliverChunk {
		to := min(from+deliverChunk, len(evs))
		d := h.sink.Deliver(r, service, evs[from:to])
		// Refused whole, or a publish that failed for want of the stream:
		// the client retries the whole push, and ids make that store each
		// line once.
		if ref := d.Failed(); ref != nil {
			h.refuse(w, ref)
			return
		}
		for k, o := range d.Outcomes {
			if o.Err != nil {
				note(at[from+k], o.Err.Reason)
			}
		}
	}
	if nRefused > 0 {
		// Loki's own answer to lines it cannot take: store the rest, answer
		// 400 naming them; clients do not retry a 400.
		msg := fmt.Sprintf("%d of %d lines refused, the others were stored: %s", nRefused, total, strings.Join(refused, "; "))
		h.log.Warn().Int("refused", nRefused).Str("first", refused[0]).Msg("loki push: lines refused")
		h.answer(w, http.StatusBadRequest, msg)
		return
	}
	h.answer(w, http.StatusNoContent, "")
}
