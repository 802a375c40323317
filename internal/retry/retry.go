package retry

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/rs/zerolog"

	"github.com/faultline/faultline/internal/redact"
)

// Backoff bounds: a first retry within a second, then no more often than
// MaxInterval, so a dependency that comes back is noticed within it.
const (
	InitialInterval = 250 * time.Millisecond
	MaxInterval     = 10 * time.Second
	// AttemptTimeout bounds one try, so a dependency that accepts
	// connections but never answers is retried and reported too.
	AttemptTimeout = 10 * time.Second
)

// NewBackOff is the one backoff schedule of faultline's start-up retries:
// exponential with jitter, from InitialInterval up to MaxInterval, forever.
func NewBackOff() *backoff.ExponentialBackOff {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = InitialInterval
	b.MaxInterval = MaxInterval
	return b
}

// Dependency is one thing a service sets up before it can do its work: the
// JetStream streams on a NATS server, Elasticsearch's templates.
type Dependency struct {
	name, url, what string
	done            chan struct{}

	mu   sync.Mutex
	last error
	next time.Time
}

// New names a dependency ("nats", "elasticsearch"), where it is (the URL or
// URLs, redacted here: the name and the URL are shown on /readyz and in
// 503 answers) and what is set up there ("streams", "templates").
func New(name, what string, urls ...string) *Dependency {
	url := ""
	for i, u := range redact.URLs(urls) {
		if i > 0 {
			url += ","
		}
		url += u
	}
	return &Dependency{name: name, url: url, what: what, done: make(chan struct{}),
		last: errors.New("first try under way")}
}

// Name is the dependency's name, for a readiness check.
func (d *Dependency) Name() string { return d.name }

// Run tries setup at once and then with backoff until it succeeds (nil) or
// ctx ends (ctx's error, with the last failure). Each try gets at most
// AttemptTimeout.
func (d *Dependency) Run(ctx context.Context, log zerolog.Logger, setup func(context.Context) error) error {
	log = log.With().Str("dependency", d.name).Str("url", d.url).Logger()
	// At once, with the URL: a client's own retries can take seconds
	// before the first failure is known.
	log.Info().Msg(d.name + ": setting up " + d.what)
	b := NewBackOff()
	attempts := 0
	for {
		actx, cancel := context.WithTimeout(ctx, AttemptTimeout)
		err := setup(actx)
		cancel()
		attempts++
		if err == nil {
			d.mu.Lock()
			d.last = nil
			d.mu.Unlock()
			close(d.done)
			if attempts > 1 {
				log.Info().Int("attempts", attempts).Msg(d.name + " " + d.what + " set up; ready")
			}
			return nil
		}
		err = redact.Error(err)
		if ctx.Err() != nil {
			return fmt.Errorf("%s at %s: %s: %w (last error: %w)", d.name, d.url, d.what, ctx.Err(), err)
		}
		wait := b.NextBackOff()
		next := time.Now().Add(wait)
		d.mu.Lock()
		d.last, d.next = err, next
		d.mu.Unlock()
		log.Warn().Err(err).Time("next_try", next).Dur("retry_in", wait).Int("attempt", attempts).
			Msg(d.name + " unreachable or refusing: " + d.what + " not set up yet; retrying")
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%s at %s: %s: %w (last error: %w)", d.name, d.url, d.what, ctx.Err(), err)
		case <-t.C:
		}
	}
}

// Done is closed once the setup succeeded.
func (d *Dependency) Done() <-chan struct{} { return d.done }

// Ready tells whether the setup succeeded.
func (d *Dependency) Ready() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// Err is nil once the setup succeeded, else why not: the dependency, its
// redacted URL, the last failure and the next try. It is a readiness check.
func (d *Dependency) Err() error {
	if d.Ready() {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	msg := fmt.Sprintf("%s at %s: %s not set up yet: %v", d.name, d.url, d.what, d.last)
	if !d.next.IsZero() {
		msg += "; next try at " + d.next.UTC().Format(time.RFC3339)
	}
	return errors.New(msg)
}

// RetryAfter is a Retry-After value (whole seconds, at least 1) for a client
// refused while the dependency is not set up: just past the next try.
func (d *Dependency) RetryAfter() string {
	d.mu.Lock()
	next := d.next
	d.mu.Unlock()
	secs := math.Ceil(time.Until(next).Seconds())
	return strconv.Itoa(int(max(1, secs+1)))
}
