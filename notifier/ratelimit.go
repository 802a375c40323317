package notifier

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/faultline/faultline/internal/config"
	"golang.org/x/time/rate"
)

// channelLimit is a new limiter at typ's integration's rate.
func channelLimit(typ config.ChannelType) *rate.Limiter {
	in := integrations[typ]
	return rate.NewLimiter(in.limit, in.burst)
}

// limited waits for its channel's token before every attempt, including
// retries, so retries cannot exceed the limit either.
type limited struct {
	Notifier
	name    string
	typ     config.ChannelType
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
