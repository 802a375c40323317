package ingest

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/faultline/faultline/internal/auth"
	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/event"
)

// The sink is the one way from decoded events to the stream, whatever the
// protocol: /v1/logs, the _bulk routes and the protocol packages beside
// ingest (ingest/sentry) all go through Open, ReadBody and Deliver, so
// limits, quotas, event ids and the answers to a failed publish are decided
// once. A protocol package decodes its own wire format into event.Event and
// translates the typed answers into its own status codes and bodies.

// Refusal is why a request, or one event of it, was not taken.
type Refusal struct {
	// Status is the HTTP status faultline's own routes answer with: 400,
	// 413, 429, 503 or 507.
	Status int
	// RetryAfter is the Retry-After value, in seconds, when waiting helps.
	RetryAfter string
	// Wait is RetryAfter as a duration (0 when waiting does not help).
	Wait time.Duration
	// Cause names the refusal for metrics and for protocols that answer in
	// their own terms: invalid, too_large, busy, rate_limited, quota,
	// stream_full or unavailable.
	Cause string
	// Reason is the message for the client.
	Reason string
	// Err is the underlying error of a failed publish.
	Err error
}

func (r *Refusal) Error() string { return r.Reason }

// Outcome is what became of one event given to Deliver.
type Outcome struct {
	// ID is the event id it was (or would have been) stored under.
	ID string
	// Err is nil when JetStream stored the event.
	Err *Refusal
}

// Delivery is what became of a request's events.
type Delivery struct {
	// Refused, when not nil, refused the request whole before anything was
	// published (rate limit, quota): nothing of it was stored.
	Refused *Refusal
	// Outcomes has one entry per event, in order, unless Refused.
	Outcomes []Outcome
	// Accepted counts the events JetStream stored.
	Accepted int
}

// Failed is the first event's refusal that a retry of the whole request
// can cure (503, 507), or nil: the answer for a client that retries
// requests rather than events.
func (d Delivery) Failed() *Refusal {
	if d.Refused != nil {
		return d.Refused
	}
	for _, o := range d.Outcomes {
		if o.Err != nil && o.Err.Status != http.StatusBadRequest {
			return o.Err
		}
	}
	return nil
}

// Auth is the server's key set, for protocols that find the key elsewhere
// than in the Authorization header.
func (s *Server) Auth() *auth.Keys { return s.cfg.Auth }

// MaxEventBytes is the largest event a protocol should decode.
func (s *Server) MaxEventBytes() int { return s.cfg.MaxEventBytes }

// Open runs the checks made before a request's body is read: the sender's
// token bucket (already empty: 429) and room for the body among the bytes
// held in flight (413 when it says it is larger than a body may be, 503
// when ingest is full). On success, release gives the room back once the
// request is answered. service is the key's ("" without auth or before the
// key is known: the client address's bucket is asked).
func (s *Server) Open(r *http.Request, service string) (release func(), refused *Refusal) {
	if wait := s.limited(service, r); wait > 0 {
		s.metrics.eventsRejected.WithLabelValues("rate_limited").Inc()
		return nil, s.rateRefusal(wait)
	}
	release, refused = s.reserve(r)
	if refused != nil {
		s.metrics.eventsRejected.WithLabelValues("body").Inc()
	}
	return release, refused
}

func (s *Server) rateRefusal(wait time.Duration) *Refusal {
	return &Refusal{Status: http.StatusTooManyRequests, RetryAfter: retryAfter(wait), Wait: wait, Cause: "rate_limited",
		Reason: fmt.Sprintf("rate limit of %g events/s exceeded; retry in %s", s.cfg.RateLimit, wait.Round(time.Millisecond))}
}

// ReadBody reads the body within max_body_bytes, before and after
// decompression (gzip, and deflate when allowDeflate).
func (s *Server) ReadBody(w http.ResponseWriter, r *http.Request, allowDeflate bool) ([]byte, *Refusal) {
	body, status, err := s.readBody(w, r, allowDeflate)
	if err != nil {
		s.metrics.eventsRejected.WithLabelValues("body").Inc()
		cause := "invalid"
		if status == http.StatusRequestEntityTooLarge {
			cause = "too_large"
		}
		return nil, &Refusal{Status: status, Cause: cause, Reason: err.Error(), Err: err}
	}
	return body, nil
}

// Deliver publishes events a protocol decoded, with the rules every route
// follows: the key's service wins (else the event's own, else "unknown"),
// a missing timestamp is now, ids by ids.go (an event's own id first, so
// a protocol that has one dedupes its clients' retries), labels cleaned
// as for JSON, the rate limit and quotas, then the stream. r is the
// request the events came in (client address, Idempotency-Key).
func (s *Server) Deliver(r *http.Request, service string, evs []event.Event) Delivery {
	out := make([]Outcome, len(evs))
	enc := make([]encoded, 0, len(evs))
	idx := make([]int, 0, len(evs))
	ids := requestIDRules(r, service)
	for i := range evs {
		ev := evs[i]
		ev.Labels = sanitizeLabels(ev.Labels)
		var raw []byte
		if ev.Event.ID == "" {
			// The id rules hash the event as the client meant it, before
			// ingest filled anything in.
			raw, _ = event.Marshal(&ev)
		}
		e, err := s.prepare(&ev, raw, i+1, service, "", ids)
		if err != nil {
			s.metrics.eventsRejected.WithLabelValues("invalid").Inc()
			out[i] = Outcome{ID: ev.Event.ID, Err: &Refusal{Status: http.StatusBadRequest, Cause: "invalid", Reason: err.Error(), Err: err}}
			continue
		}
		out[i].ID = e.id
		enc = append(enc, e)
		idx = append(idx, i)
	}
	if len(enc) == 0 {
		return Delivery{Outcomes: out}
	}
	d := s.deliver(r.Context(), r, service, enc)
	if d.Refused != nil {
		return Delivery{Refused: d.Refused}
	}
	for j, o := range d.Outcomes {
		out[idx[j]].Err = o.Err
	}
	return Delivery{Outcomes: out, Accepted: d.Accepted}
}

// deliver takes encoded events through the rate limit, the quotas and the
// stream. The rate limit and quotas refuse the request whole, so a client
// retries it whole; a failed publish is per event.
func (s *Server) deliver(ctx context.Context, r *http.Request, service string, evs []encoded) Delivery {
	wait, err := s.allow(service, r, len(evs))
	if err != nil {
		s.metrics.eventsRejected.WithLabelValues("rate_limited").Add(float64(len(evs)))
		return Delivery{Refused: &Refusal{Status: http.StatusRequestEntityTooLarge, Cause: "rate_limited", Reason: err.Error()}}
	}
	if wait > 0 {
		s.metrics.eventsRejected.WithLabelValues("rate_limited").Add(float64(len(evs)))
		return Delivery{Refused: s.rateRefusal(wait)}
	}
	if qerr := s.quotas.admit(s.now(), evs); qerr != nil {
		s.metrics.quotaRefused.WithLabelValues(qerr.quota).Inc()
		s.metrics.eventsRejected.WithLabelValues("quota").Add(float64(len(evs)))
		ref := &Refusal{Status: http.StatusTooManyRequests, Cause: "quota", Reason: qerr.Error(), Wait: qerr.wait}
		if qerr.wait == 0 {
			ref.Status = http.StatusRequestEntityTooLarge // waiting cannot help it
		} else {
			ref.RetryAfter = retryAfter(qerr.wait)
		}
		return Delivery{Refused: ref}
	}
	out := make([]Outcome, len(evs))
	var full, down *Refusal
	accepted := 0
	for i, err := range s.publishEach(ctx, evs) {
		out[i].ID = evs[i].id
		if err == nil {
			accepted++
			continue
		}
		s.quotas.refund(s.now(), evs[i:i+1])
		if broker.IsStreamFull(err) {
			if full == nil {
				after, msg := s.streamFull(ctx)
				full = &Refusal{Status: http.StatusInsufficientStorage, RetryAfter: after, Wait: 30 * time.Second, Cause: "stream_full", Reason: msg, Err: err}
			}
			s.metrics.eventsRejected.WithLabelValues("stream_full").Inc()
			out[i].Err = full
			continue
		}
		if down == nil {
			s.log.Warn().Err(err).Int("events", len(evs)).Msg("publish failed; answering 503")
		}
		s.metrics.eventsRejected.WithLabelValues("unavailable").Inc()
		down = &Refusal{Status: http.StatusServiceUnavailable, RetryAfter: "5", Wait: 5 * time.Second, Cause: "unavailable",
			Reason: "event stream unavailable, retry later: " + err.Error(), Err: err}
		out[i].Err = down
	}
	s.metrics.eventsAccepted.Add(float64(accepted))
	return Delivery{Outcomes: out, Accepted: accepted}
}
