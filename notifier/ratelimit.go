package notifier

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/time/rate"
)

// channelLimit keeps each channel below its provider's documented limit, so
// 429s are the exception. A token bucket of rate r and burst b lets through
// at most b + r·T requests in any window T, which is what the numbers are
// chosen by.
func channelLimit(typ string) *rate.Limiter {
	switch typ {
	case "discord":
		// 5 per 2 s per webhook and 30 per minute per channel:
		// 4 + 0.4·2 = 4.8 ≤ 5 and 4 + 0.4·60 = 28 ≤ 30.
		return rate.NewLimiter(0.4, 4)
	case "slack":
		// About one message per second per incoming webhook.
		return rate.NewLimiter(1, 1)
	case "sentry":
		return rate.NewLimiter(5, 10)
	default:
		return rate.NewLimiter(10, 20)
	}
}

// limited waits for its channel's token before every attempt, including
// retries, so retries cannot exceed the limit either.
type limited struct {
	Notifier
	name    string
	limiter *rate.Limiter
	status  channelStatus
	metrics *Metrics
}

func (l *limited) Notify(ctx context.Context, a Alert) (bool, error) {
	r := l.limiter.Reserve()
	if !r.OK() {
		return false, fmt.Errorf("%s: rate limiter cannot grant a send", l.name)
	}
	if d := r.Delay(); d > 0 {
		l.metrics.rateLimited.WithLabelValues(l.name).Inc()
		l.status.waited(d)
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			r.Cancel()
			return true, ctx.Err()
		case <-t.C:
		}
	}
	retry, err := l.Notifier.Notify(ctx, a)
	var ra *RetryAfterError
	if errors.As(err, &ra) {
		l.metrics.rateLimited.WithLabelValues(l.name).Inc()
		l.status.waited(ra.After)
	}
	l.status.attempted(a.Kind, err)
	return retry, err
}
