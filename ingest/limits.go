package ingest

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/faultline/faultline/internal/config"
)

// What bounds ingest besides the body limit: the bytes of request bodies in
// flight at once, and each service's quota.

// budget bounds the bytes that request bodies may hold at once. A request
// reserves its size before its body is read and gives it back when it is
// answered; one that does not fit is refused, never queued, so a flood of
// large bodies costs memory for at most the budget.
type budget struct {
	mu          sync.Mutex
	used, limit int64
	// peak is the most ever reserved at once, for tests.
	peak int64
	// gauge shows used.
	gauge prometheus.Gauge
}

func (b *budget) take(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.limit {
		return false
	}
	b.used += n
	b.peak = max(b.peak, b.used)
	b.gauge.Set(float64(b.used))
	return true
}

func (b *budget) give(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
	b.gauge.Set(float64(b.used))
}

// reserve takes room for r's body from the budget: its Content-Length when
// it sends one and no compression, else the most a body may become
// (max_body_bytes), since a chunked or compressed body can grow to that once
// read. It refuses (413 or 503) when the body must not be read; otherwise
// release gives the room back.
func (s *Server) reserve(r *http.Request) (release func(), refused *Refusal) {
	n := s.cfg.MaxBodyBytes
	enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding")))
	if r.ContentLength > n {
		return nil, &Refusal{Status: http.StatusRequestEntityTooLarge, Cause: "too_large", Reason: fmt.Sprintf("body of %d bytes is larger than %d bytes", r.ContentLength, n)}
	}
	if r.ContentLength >= 0 && (enc == "" || enc == "identity") {
		n = r.ContentLength
	}
	if !s.inflight.take(n) {
		return nil, &Refusal{Status: http.StatusServiceUnavailable, RetryAfter: "1", Wait: time.Second, Cause: "busy",
			Reason: fmt.Sprintf("ingest is reading %d MiB of request bodies, its limit (ingest.max_inflight_bytes); retry shortly", s.inflight.limit>>20)}
	}
	return func() { s.inflight.give(n) }, nil
}

// quotas enforces config.Quotas per service, counted per ingest replica.
type quotas struct {
	cfg config.Quotas
	mu  sync.Mutex
	// rates and days are bounded, so a flood of service names cannot grow
	// memory; a service that falls out starts afresh.
	rates *lru.Cache[string, *rate.Limiter]
	days  *lru.Cache[string, *dayCount]
}

type dayCount struct {
	day   string
	bytes int64
}

func newQuotas(cfg config.Quotas) *quotas {
	q := &quotas{cfg: cfg}
	q.rates, _ = lru.New[string, *rate.Limiter](10000)
	q.days, _ = lru.New[string, *dayCount](10000)
	return q
}

// quotaError is a refusal: which service, which quota, and when to retry.
type quotaError struct {
	service, quota string
	wait           time.Duration
	msg            string
}

func (e *quotaError) Error() string { return e.msg }

// admit charges a request's events to their services' quotas, all or
// nothing: a request with one service over its quota is refused whole and
// charges none of them.
func (q *quotas) admit(now time.Time, evs []encoded) *quotaError {
	if q == nil {
		return nil
	}
	type use struct {
		events int
		bytes  int64
	}
	per := map[string]*use{}
	for _, ev := range evs {
		u := per[ev.service]
		if u == nil {
			u = &use{}
			per[ev.service] = u
		}
		u.events++
		u.bytes += int64(len(ev.data))
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	day := now.UTC().Format(time.DateOnly)
	var taken []*rate.Reservation
	var charged []*dayCount
	var charges []int64
	undo := func() {
		for _, r := range taken {
			r.CancelAt(now)
		}
		for i, d := range charged {
			d.bytes -= charges[i]
		}
	}
	for svc, u := range per {
		quota := q.cfg.For(svc)
		if quota.EventsPerSecond > 0 {
			lim, ok := q.rates.Get(svc)
			if !ok {
				lim = rate.NewLimiter(rate.Limit(quota.EventsPerSecond), max(int(2*quota.EventsPerSecond), 1))
				q.rates.Add(svc, lim)
			}
			if u.events > lim.Burst() {
				undo()
				return &quotaError{service: svc, quota: "events_per_second", msg: fmt.Sprintf("service %q: %d events in one request is more than its quota's burst of %d (%g events/s); send fewer per request", svc, u.events, lim.Burst(), quota.EventsPerSecond)}
			}
			res := lim.ReserveN(now, u.events)
			if d := res.DelayFrom(now); d > 0 {
				res.CancelAt(now)
				undo()
				return &quotaError{service: svc, quota: "events_per_second", wait: d, msg: fmt.Sprintf("service %q is over its quota of %g events/s; retry in %s", svc, quota.EventsPerSecond, d.Round(time.Millisecond))}
			}
			taken = append(taken, res)
		}
		if quota.BytesPerDay > 0 {
			d, ok := q.days.Get(svc)
			if !ok || d.day != day {
				d = &dayCount{day: day}
				q.days.Add(svc, d)
			}
			if d.bytes+u.bytes > int64(quota.BytesPerDay) {
				undo()
				tomorrow := now.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
				return &quotaError{service: svc, quota: "bytes_per_day", wait: tomorrow.Sub(now), msg: fmt.Sprintf("service %q is over its quota of %d bytes per day (%d used today, %d more in this request); it resets at %s", svc, int64(quota.BytesPerDay), d.bytes, u.bytes, tomorrow.Format(time.RFC3339))}
			}
			d.bytes += u.bytes
			charged, charges = append(charged, d), append(charges, u.bytes)
		}
	}
	return nil
}

// refund gives back the bytes of events that were not stored after all
// (the publish failed), so a retry is not charged twice.
func (q *quotas) refund(now time.Time, evs []encoded) {
	if q == nil {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	day := now.UTC().Format(time.DateOnly)
	for _, ev := range evs {
		if d, ok := q.days.Get(ev.service); ok && d.day == day {
			d.bytes -= int64(len(ev.data))
		}
	}
}
