package ingest

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/golang-lru/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
	"golang.org/x/time/rate"

	"github.com/faultline/faultline/internal/auth"
	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/config"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/ops"
	"github.com/faultline/faultline/internal/retry"
)

// Config limits what one request may carry.
type Config struct {
	MaxBodyBytes   int64
	MaxEventBytes  int
	PublishTimeout time.Duration
	// Auth checks API keys; nil or without keys, every request is anonymous.
	Auth *auth.Keys
	// RateLimit is events per second per API key (per client address without
	// auth); 0 is unlimited.
	RateLimit float64
	Burst     int
	// MaxInflightBytes bounds the request bodies held at once (default 64
	// MiB); past it requests are answered 503 before their body is read.
	MaxInflightBytes int64
	// Quotas bound each service's events per second and bytes per day,
	// counted by each replica on its own.
	Quotas config.Quotas
	// Metrics count what the server does; nil: counted, served by nobody
	// (NewMetrics(nil)).
	Metrics *Metrics
	// Streams is the set-up of the JetStream streams, running in the
	// background while NATS may be down at start-up; until it is done,
	// every publishing route answers 503 with Retry-After at once. nil:
	// the streams exist.
	Streams *retry.Dependency
}

func (c *Config) defaults() {
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 5 << 20
	}
	if c.MaxEventBytes <= 0 {
		c.MaxEventBytes = 1 << 20
	}
	if c.PublishTimeout <= 0 {
		c.PublishTimeout = 10 * time.Second
	}
	if c.MaxInflightBytes <= 0 {
		c.MaxInflightBytes = 64 << 20
	}
	c.MaxInflightBytes = max(c.MaxInflightBytes, c.MaxBodyBytes)
	if c.Metrics == nil {
		c.Metrics = NewMetrics(nil)
	}
}

// Server is the ingest HTTP service.
type Server struct {
	nc       *nats.Conn
	js       jetstream.JetStream
	log      zerolog.Logger
	cfg      Config
	now      func() time.Time
	limiters *lru.Cache[string, *rate.Limiter]
	inflight *budget
	metrics  *Metrics
	quotas   *quotas
	// logsWrap, when set, stands in front of /v1/logs (ShareLogs).
	logsWrap func(http.Handler) http.Handler
}

// New creates the server.
func New(nc *nats.Conn, js jetstream.JetStream, log zerolog.Logger, cfg Config) (*Server, error) {
	cfg.defaults()
	s := &Server{nc: nc, js: js, log: log.With().Str("service", "ingest").Logger(), cfg: cfg, now: time.Now,
		inflight: &budget{limit: cfg.MaxInflightBytes, gauge: cfg.Metrics.inflightBytes}, metrics: cfg.Metrics}
	if q := cfg.Quotas; q.Default != (config.Quota{}) || len(q.Services) > 0 {
		s.quotas = newQuotas(q)
	}
	if cfg.RateLimit > 0 {
		if s.cfg.Burst <= 0 {
			s.cfg.Burst = int(2*cfg.RateLimit) + 1
		}
		// Bounded, so a flood of client addresses cannot grow memory.
		s.limiters, _ = lru.New[string, *rate.Limiter](10000)
	}
	return s, nil
}

// Ready is the readiness check: JetStream must answer, not just NATS, since a
// connected server without a stream leader cannot store anything.
func (s *Server) Ready() error {
	if _, err := s.notSetUp(); err != nil {
		return err
	}
	if !s.nc.IsConnected() {
		return errors.New("not connected to NATS")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	u, err := broker.StreamUsage(ctx, s.js, broker.EventsStream)
	if err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	// Full when the largest event, or a tenth of a small stream, would not
	// fit: the stream refuses publishes before it is full to the byte.
	if u.Full(min(uint64(s.cfg.MaxEventBytes), u.MaxBytes/10)) {
		return fmt.Errorf("event stream full: %s (streams.events_max_bytes); the processor has not stored what it holds yet", u)
	}
	return nil
}

// notSetUp is errNotSetUp and when to come back while nothing can be
// published yet, else nil.
func (s *Server) notSetUp() (retryAfter string, err error) {
	if st := s.cfg.Streams; st != nil && !st.Ready() {
		return st.RetryAfter(), errNotSetUp
	}
	return "", nil
}

// streamFull answers a publish the events stream refused for want of room:
// 507, with how full it is, and when to come back.
func (s *Server) streamFull(ctx context.Context) (string, string) {
	s.metrics.storeFull.Inc()
	msg := "event stream full"
	if u, err := broker.StreamUsage(ctx, s.js, broker.EventsStream); err == nil {
		msg += ": " + u.String()
	}
	return "30", msg + " (streams.events_max_bytes): the processor has not stored what it holds yet; retry the same body later (what of it was stored is deduplicated by event id)"
}

// limited says how long until the sender's token bucket holds an event
// again, or 0. It is asked before the body is read, so a sender with an
// empty bucket costs no reading or parsing.
func (s *Server) limited(service string, r *http.Request) time.Duration {
	if s.limiters == nil {
		return 0
	}
	lim, ok := s.limiters.Get(s.limiterKey(service, r))
	if !ok {
		return 0
	}
	if tokens := lim.TokensAt(s.now()); tokens < 1 {
		return time.Duration((1 - tokens) / s.cfg.RateLimit * float64(time.Second))
	}
	return 0
}

// ShareLogs puts wrap in front of the /v1/logs handler, for a protocol that
// shares the route (OTLP/HTTP logs): it serves the requests that are its own
// and passes the others on to today's handler unchanged. Call it before
// Register.
func (s *Server) ShareLogs(wrap func(next http.Handler) http.Handler) { s.logsWrap = wrap }

// Register adds the ingest routes to mux.
func (s *Server) Register(mux *http.ServeMux) {
	var logs http.Handler = http.HandlerFunc(s.handleLogs)
	if s.logsWrap != nil {
		logs = s.logsWrap(logs)
	}
	mux.Handle("POST /v1/logs", logs)
	s.registerElasticsearch(mux)
}

// Response is the body of every /v1/logs answer.
type Response struct {
	Accepted int         `json:"accepted"`
	Rejected []LineError `json:"rejected,omitempty"`
	Error    string      `json:"error,omitempty"`
}

func (s *Server) reply(w http.ResponseWriter, route string, status int, r Response) {
	s.metrics.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	ops.WriteJSON(w, status, r)
}

func (s *Server) handleLogs(w http.ResponseWriter, r *http.Request) {
	const route = "/v1/logs"
	service, status, err := s.authenticate(r)
	if err != nil {
		auth.Challenge(w, status)
		s.metrics.eventsRejected.WithLabelValues("auth").Inc()
		s.reply(w, route, status, Response{Error: err.Error()})
		return
	}
	if after, err := s.notSetUp(); err != nil {
		s.metrics.eventsRejected.WithLabelValues("unavailable").Inc()
		w.Header().Set("Retry-After", after)
		s.reply(w, route, http.StatusServiceUnavailable, Response{Error: "event stream unavailable, retry later: " + err.Error()})
		return
	}
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		s.metrics.eventsRejected.WithLabelValues("content_type").Inc()
		s.reply(w, route, http.StatusUnsupportedMediaType, Response{Error: err.Error()})
		return
	}
	refuse := func(ref *Refusal, rejected []LineError) {
		if ref.RetryAfter != "" {
			w.Header().Set("Retry-After", ref.RetryAfter)
		}
		s.reply(w, route, ref.Status, Response{Rejected: rejected, Error: ref.Reason})
	}
	release, ref := s.Open(r, service)
	if ref != nil {
		refuse(ref, nil)
		return
	}
	defer release()
	body, ref := s.ReadBody(w, r, false)
	if ref != nil {
		refuse(ref, nil)
		return
	}
	lines, rejected := SplitBody(body)
	evs := make([]encoded, 0, len(lines))
	ids := requestIDRules(r, service)
	for _, l := range lines {
		ev, err := s.parse(l, service, "", ids)
		if err != nil {
			rejected = append(rejected, LineError{Line: l.N, Reason: err.Error()})
			continue
		}
		evs = append(evs, ev)
	}
	s.metrics.eventsRejected.WithLabelValues("invalid").Add(float64(len(rejected)))
	slices.SortFunc(rejected, func(a, b LineError) int { return a.Line - b.Line })
	if len(evs) == 0 {
		msg := "no valid events in the body"
		if len(rejected) == 0 {
			msg = "empty body: send one JSON event, a JSON array or NDJSON"
		}
		s.reply(w, route, http.StatusBadRequest, Response{Rejected: rejected, Error: msg})
		return
	}
	// The whole request is answered 503 or 507 when any event failed: the
	// client retries it whole, and what was stored is deduplicated by id.
	d := s.deliver(r.Context(), r, service, evs)
	if ref := d.Failed(); ref != nil {
		refuse(ref, rejected)
		return
	}
	s.reply(w, route, http.StatusAccepted, Response{Accepted: len(evs), Rejected: rejected})
}

// authenticate returns the service an ingest key ships for ("" when auth is
// off: events keep their own).
func (s *Server) authenticate(r *http.Request) (string, int, error) {
	p, err := s.cfg.Auth.Authorize(r, auth.RoleIngest)
	if err != nil {
		return "", auth.Status(err), err
	}
	return p.Service, 0, nil
}

// allow takes n events from the sender's token bucket, or says how long to
// wait. The error is for a batch larger than the bucket ever holds: waiting
// cannot help it, so it must not be answered like a passing limit.
func (s *Server) allow(service string, r *http.Request, n int) (time.Duration, error) {
	if s.limiters == nil {
		return 0, nil
	}
	if n > s.cfg.Burst {
		return 0, fmt.Errorf("batch of %d events is more than the rate limit's burst of %d; send at most %d per request", n, s.cfg.Burst, s.cfg.Burst)
	}
	who := s.limiterKey(service, r)
	lim, ok := s.limiters.Get(who)
	if !ok {
		lim = rate.NewLimiter(rate.Limit(s.cfg.RateLimit), s.cfg.Burst)
		s.limiters.Add(who, lim)
	}
	now := s.now()
	res := lim.ReserveN(now, n)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return d, nil
	}
	return 0, nil
}

// limiterKey is whose bucket a request draws from: its key's service, or
// without auth its client address.
func (s *Server) limiterKey(service string, r *http.Request) string {
	if service != "" {
		return "key:" + service
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "addr:" + host
}

// retryAfter is a Retry-After value for wait, rounded up: a client that comes
// back early is only refused again.
func retryAfter(wait time.Duration) string {
	return strconv.Itoa(int(math.Ceil(wait.Seconds())))
}

// checkContentType refuses bodies that are certainly not JSON; curl's default
// form type is let through since `curl -d @event.json` is how people try it.
func checkContentType(ct string) error {
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Errorf("content type %q: %w", ct, err)
	}
	switch {
	case mt == "application/json", mt == "application/x-ndjson", mt == "application/ndjson",
		mt == "text/plain", mt == "application/x-www-form-urlencoded", mt == "application/octet-stream",
		strings.HasSuffix(mt, "+json"):
		return nil
	}
	return fmt.Errorf("content type %q is not JSON: send application/json or application/x-ndjson", mt)
}

// readBody enforces the body limit on the bytes as sent and, for gzip, on the
// decompressed bytes too, so a small bomb cannot expand without bound.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, allowDeflate bool) ([]byte, int, error) {
	limit := s.cfg.MaxBodyBytes
	var rd io.Reader = http.MaxBytesReader(w, r.Body, limit)
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(rd)
		if err != nil {
			return nil, http.StatusBadRequest, fmt.Errorf("gzip body: %w", err)
		}
		defer zr.Close()
		rd = zr
	case "deflate":
		if !allowDeflate {
			return nil, http.StatusUnsupportedMediaType, fmt.Errorf("content encoding %q not supported (use gzip)", enc)
		}
		zr, err := zlib.NewReader(rd)
		if err != nil {
			return nil, http.StatusBadRequest, fmt.Errorf("deflate body: %w", err)
		}
		defer zr.Close()
		rd = zr
	default:
		return nil, http.StatusUnsupportedMediaType, fmt.Errorf("content encoding %q not supported (use gzip)", enc)
	}
	// Sized from Content-Length when it is honest about the bytes to come,
	// so a large body is not copied over and over as io.ReadAll grows it.
	var buf bytes.Buffer
	if enc := r.Header.Get("Content-Encoding"); (enc == "" || enc == "identity") && r.ContentLength > 0 && r.ContentLength <= limit {
		buf.Grow(int(r.ContentLength) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(io.LimitReader(rd, limit+1))
	body := buf.Bytes()
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("body larger than %d bytes", limit)
	case err != nil:
		return nil, http.StatusBadRequest, fmt.Errorf("read body: %w", err)
	case int64(len(body)) > limit:
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("decompressed body larger than %d bytes", limit)
	}
	s.metrics.bytesIn.Add(float64(len(body)))
	return body, 0, nil
}

// maxIDBytes bounds event ids, which become Elasticsearch document ids.
const maxIDBytes = 256

// headerAllowance is room for the Nats-Msg-Id header (an id of up to
// maxIDBytes and its framing): NATS counts headers against the payload limit.
const headerAllowance = 1024

// encoded is one event as it goes to the stream.
type encoded struct {
	id      string
	service string
	data    []byte
}

// parse normalises one line, fills what the event did not say itself and
// encodes it. id, when not empty, is a bulk action's _id and replaces the
// event's own; ids gives the others theirs (ids.go). Encoding here rather
// than at publish lets a line whose canonical form (parsed frames added)
// outgrows a stream message fail alone.
func (s *Server) parse(l Line, keyService, id string, ids *idRules) (encoded, error) {
	return s.parseWith(ParseEvent, l, keyService, id, ids)
}

// parseWith is parse with the reader of a route that reads more than
// ParseEvent does (/_bulk's shipped text lines).
func (s *Server) parseWith(read func([]byte) (event.Event, error), l Line, keyService, id string, ids *idRules) (encoded, error) {
	if len(l.Raw) > s.cfg.MaxEventBytes {
		return encoded{}, fmt.Errorf("event is %d bytes, larger than the %d byte limit", len(l.Raw), s.cfg.MaxEventBytes)
	}
	ev, err := read(l.Raw)
	if err != nil {
		return encoded{}, err
	}
	return s.prepare(&ev, l.Raw, l.N, keyService, id, ids)
}

// prepare fills what an event did not say itself (service, timestamp, id)
// and encodes it. raw is the event as sent, which the id rules hash; pos is
// its position in the request.
func (s *Server) prepare(ev *event.Event, raw []byte, pos int, keyService, id string, ids *idRules) (encoded, error) {
	own := ev.Timestamp
	now := s.now().UTC()
	if keyService != "" {
		ev.Service.Name = keyService
	}
	if ev.Service.Name == "" {
		ev.Service.Name = "unknown"
	}
	if ev.Timestamp.IsZero() {
		ev.Timestamp = now
	} else if err := checkTime(ev.Timestamp, now); err != nil {
		return encoded{}, err
	}
	switch {
	case id != "":
		if len(id) > maxIDBytes {
			return encoded{}, fmt.Errorf("_id is %d bytes, longer than %d", len(id), maxIDBytes)
		}
		ev.Event.ID = id
	case ev.Event.ID == "":
		ev.Event.ID = ids.id(raw, pos, own, now)
	case len(ev.Event.ID) > maxIDBytes:
		return encoded{}, fmt.Errorf("event.id is %d bytes, longer than %d", len(ev.Event.ID), maxIDBytes)
	}
	ev.Event.Ingested = now
	data, err := event.Marshal(ev)
	if err != nil {
		return encoded{}, fmt.Errorf("encode event: %w", err)
	}
	// Without a connection (parsing tests) there is no stream to fit; a
	// server that states no limit has none.
	if s.nc != nil {
		if limit := s.nc.MaxPayload(); limit > 0 && int64(len(data)+headerAllowance) > limit {
			return encoded{}, fmt.Errorf("event is %d bytes once normalised, more than the event stream's %d byte message limit", len(data), limit-headerAllowance)
		}
	}
	return encoded{id: ev.Event.ID, service: ev.Service.Name, data: data}, nil
}

// publishEach sends every event asynchronously and waits for all acks, so a
// request costs one round trip to the stream rather than one per event. The
// result says, per event, whether JetStream stored it.
func (s *Server) publishEach(ctx context.Context, evs []encoded) []error {
	errs := make([]error, len(evs))
	// While NATS is reconnecting, nats.go would buffer the publishes and the
	// request would hang for the whole PublishTimeout, longer than most
	// shippers wait for an answer; they must hear 503 at once and retry.
	if !s.nc.IsConnected() {
		for i := range errs {
			errs[i] = errors.New("publish: not connected to NATS")
		}
		return errs
	}
	if _, err := s.notSetUp(); err != nil {
		for i := range errs {
			errs[i] = fmt.Errorf("publish: %w", err)
		}
		return errs
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.PublishTimeout)
	defer cancel()
	start := time.Now()
	futures := make([]jetstream.PubAckFuture, len(evs))
	for i, ev := range evs {
		var err error
		if futures[i], err = s.js.PublishAsync(broker.EventsSubject, ev.data, jetstream.WithMsgID(ev.id)); err != nil {
			errs[i] = fmt.Errorf("publish: %w", err)
		}
	}
	for i, f := range futures {
		if f == nil {
			continue
		}
		select {
		case <-f.Ok():
		case err := <-f.Err():
			errs[i] = fmt.Errorf("publish: %w", err)
		case <-ctx.Done():
			errs[i] = fmt.Errorf("publish: no acknowledgement from JetStream: %w", ctx.Err())
		}
	}
	s.metrics.publishSeconds.Observe(time.Since(start).Seconds())
	return errs
}
