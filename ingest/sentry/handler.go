package sentry

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/faultline/faultline/ingest"
	"github.com/faultline/faultline/internal/auth"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/ops"
)

// knownTypes bound the skipped metric's labels: any other type is "other",
// so a client cannot grow the metric with made-up types.
var knownTypes = map[string]bool{
	"transaction": true, "session": true, "sessions": true, "client_report": true, "attachment": true,
	"check_in": true, "log": true, "profile": true, "profile_chunk": true, "replay_event": true,
	"replay_recording": true, "replay_video": true, "user_report": true, "feedback": true,
	"statsd": true, "metric_buckets": true, "span": true, "otel_log": true, "raw_security": true,
}

// Handler serves the Sentry routes onto ingest's sink.
type Handler struct {
	sink    *ingest.Server
	metrics *Metrics
}

// New returns the Sentry intake feeding sink, counting into m (nil:
// NewMetrics(nil)).
func New(sink *ingest.Server, m *Metrics) *Handler {
	if m == nil {
		m = NewMetrics(nil)
	}
	return &Handler{sink: sink, metrics: m}
}

// Register adds the Sentry routes: the envelope endpoint every current SDK
// uses, and the store endpoint older ones post a bare event to. The
// project id is whatever the DSN says; the key decides the service.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/{project}/envelope/", h.envelope)
	mux.HandleFunc("POST /api/{project}/store/", h.store)
}

// answer writes Sentry's shapes: {"id": …} on success, {"detail": …}
// otherwise, with the headers SDKs read to back off.
func (h *Handler) answer(w http.ResponseWriter, route string, status int, body any) {
	h.metrics.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	ops.WriteJSON(w, status, body)
}

type detail struct {
	Detail string `json:"detail"`
}

// refuse answers a refusal of ingest's sink. A 429 also gets
// X-Sentry-Rate-Limits, which SDKs obey for that long for errors; Sentry
// answers only 429 to mean "back off", so an over-quota 413 stays 413.
func (h *Handler) refuse(w http.ResponseWriter, route string, ref *ingest.Refusal) {
	if ref.RetryAfter != "" {
		w.Header().Set("Retry-After", ref.RetryAfter)
	}
	if ref.Status == http.StatusTooManyRequests {
		scope := "key"
		if ref.Cause == "quota" {
			scope = "project"
		}
		w.Header().Set("X-Sentry-Rate-Limits", ref.RetryAfter+":error:"+scope)
	}
	h.answer(w, route, ref.Status, detail{ref.Reason})
}

// keyOf finds the public key where SDKs put it: X-Sentry-Auth's
// sentry_key, the sentry_key query parameter, or Authorization (for a
// hand-made curl). The envelope header's dsn is read later, from the body.
func keyOf(r *http.Request) string {
	if h := r.Header.Get("X-Sentry-Auth"); h != "" {
		h = strings.TrimSpace(h)
		if len(h) >= 7 && strings.EqualFold(h[:7], "sentry ") {
			h = h[7:]
		}
		for part := range strings.SplitSeq(h, ",") {
			if k, v, ok := strings.Cut(strings.TrimSpace(part), "="); ok && strings.TrimSpace(k) == "sentry_key" {
				return strings.TrimSpace(v)
			}
		}
	}
	if k := r.URL.Query().Get("sentry_key"); k != "" {
		return k
	}
	return auth.FromRequest(r)
}

// keyOfDSN is the public key of a DSN: its user name.
func keyOfDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return ""
	}
	return u.User.Username()
}

// authorize checks key for the ingest role and returns the service it
// ships for; on failure it answers the request.
func (h *Handler) authorize(w http.ResponseWriter, route, key string) (service string, ok bool) {
	p, err := h.sink.Auth().AuthorizeKey(key, auth.RoleIngest)
	if err != nil {
		status := auth.Status(err)
		auth.Challenge(w, status)
		msg := err.Error()
		if errors.Is(err, auth.ErrMissing) {
			msg = "missing API key: use a DSN with the key as its public key (https://<key>@<host>/<project>), X-Sentry-Auth: Sentry sentry_key=<key>, or ?sentry_key=<key>"
		}
		h.answer(w, route, status, detail{msg})
		return "", false
	}
	return p.Service, true
}

// body runs the sink's checks before and while reading a request.
func (h *Handler) body(w http.ResponseWriter, r *http.Request, route, service string) ([]byte, func(), bool) {
	release, ref := h.sink.Open(r, service)
	if ref != nil {
		h.refuse(w, route, ref)
		return nil, nil, false
	}
	body, ref := h.sink.ReadBody(w, r, true)
	if ref != nil {
		release()
		if ref.Status == http.StatusUnsupportedMediaType {
			ref.Reason += "; Sentry SDKs send gzip, deflate or plain bodies"
		}
		h.refuse(w, route, ref)
		return nil, nil, false
	}
	return body, release, true
}

func (h *Handler) envelope(w http.ResponseWriter, r *http.Request) {
	const route = "/api/{project}/envelope/"
	key := keyOf(r)
	keysOn := h.sink.Auth().Enabled()
	var service string
	if key != "" || !keysOn {
		var ok bool
		if service, ok = h.authorize(w, route, key); !ok {
			return
		}
	}
	body, release, ok := h.body(w, r, route, service)
	if !ok {
		return
	}
	defer release()
	env, err := ParseEnvelope(body)
	if err != nil {
		status := http.StatusBadRequest
		var many errTooMany
		if errors.As(err, &many) {
			status = http.StatusRequestEntityTooLarge
		}
		h.answer(w, route, status, detail{"invalid envelope: " + err.Error()})
		return
	}
	if key == "" && keysOn {
		// The key is only in the envelope header's dsn.
		if service, ok = h.authorize(w, route, keyOfDSN(env.Header.DSN)); !ok {
			return
		}
	}
	var evs []event.Event
	for i, it := range env.Items {
		switch it.Type {
		case "event", "error":
		default:
			typ := it.Type
			if !knownTypes[typ] {
				typ = "other"
			}
			h.metrics.skipped.WithLabelValues(typ).Inc()
			continue
		}
		if len(it.Payload) > h.sink.MaxEventBytes() {
			h.answer(w, route, http.StatusRequestEntityTooLarge, detail{fmt.Sprintf("item %d (event) is %d bytes, larger than the %d byte limit", i+1, len(it.Payload), h.sink.MaxEventBytes())})
			return
		}
		ev, err := Decode(it.Payload)
		if err != nil {
			h.answer(w, route, http.StatusBadRequest, detail{fmt.Sprintf("item %d: %v", i+1, err)})
			return
		}
		if ev.Event.ID == "" {
			ev.Event.ID = normalID(env.Header.EventID)
		}
		evs = append(evs, ev)
	}
	h.deliver(w, r, route, service, normalID(env.Header.EventID), evs)
}

func (h *Handler) store(w http.ResponseWriter, r *http.Request) {
	const route = "/api/{project}/store/"
	service, ok := h.authorize(w, route, keyOf(r))
	if !ok {
		return
	}
	body, release, ok := h.body(w, r, route, service)
	if !ok {
		return
	}
	defer release()
	if len(body) > h.sink.MaxEventBytes() {
		h.answer(w, route, http.StatusRequestEntityTooLarge, detail{fmt.Sprintf("event is %d bytes, larger than the %d byte limit", len(body), h.sink.MaxEventBytes())})
		return
	}
	ev, err := Decode(body)
	if err != nil {
		h.answer(w, route, http.StatusBadRequest, detail{err.Error()})
		return
	}
	h.deliver(w, r, route, service, "", []event.Event{ev})
}

// deliver hands the events to the sink and answers as Sentry does: 200
// with the event id (sentry-java counts nothing else as sent), or the
// sink's refusal.
func (h *Handler) deliver(w http.ResponseWriter, r *http.Request, route, service, id string, evs []event.Event) {
	if service == "" {
		// Without keys an event may name its service in a tag.
		for i := range evs {
			evs[i].Service.Name = evs[i].Labels["service"]
		}
	}
	if len(evs) == 0 {
		h.answer(w, route, http.StatusOK, map[string]string{"id": id})
		return
	}
	d := h.sink.Deliver(r, service, evs)
	if d.Refused != nil {
		h.refuse(w, route, d.Refused)
		return
	}
	for _, o := range d.Outcomes {
		if o.Err != nil {
			h.refuse(w, route, o.Err)
			return
		}
	}
	h.answer(w, route, http.StatusOK, map[string]string{"id": d.Outcomes[0].ID})
}
