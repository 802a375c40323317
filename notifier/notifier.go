package notifier

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/faultline/faultline/internal/config"
	"github.com/faultline/faultline/internal/group"
)

// Alert is one message to send.
type Alert struct {
	Kind  group.Kind
	Group group.Group
	// Occurrences since the channel's last message about this group (digests).
	Occurrences int
	// Link points at the group's events in Kibana, when configured.
	Link string
	// Page is faultline's own page of the group (or of the storm), when
	// notify.public_url is set; chat shows it first, Kibana second.
	Page string
	// Since is how long a digest's occurrences took to gather.
	Since time.Duration
	// Storm is every group a storm summary stands for (KindStorm only).
	Storm *StormRecord
	// StormPage is the part of the summary this message names.
	StormPage *stormPage
}

// Notifier sends alerts to one channel. retry tells whether trying the same
// alert again may succeed; the dispatcher alone decides when.
type Notifier interface {
	Notify(ctx context.Context, a Alert) (retry bool, err error)
}

// RetryAfterError carries the provider's own wait time (a 429's Retry-After).
type RetryAfterError struct {
	After time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("%v (retry after %s)", e.Err, e.After)
}

func (e *RetryAfterError) Unwrap() error { return e.Err }

// New builds the notifier for a channel of the configuration.
func New(ch config.Channel, client *http.Client) (Notifier, error) {
	in, ok := integrations[ch.Type]
	if !ok {
		return nil, fmt.Errorf("channel %s: type %q is not implemented yet", ch.Name, ch.Type)
	}
	n, err := in.build(ch, client)
	if err != nil {
		return nil, fmt.Errorf("channel %s: %w", ch.Name, err)
	}
	return n, nil
}

// send tries an alert until it succeeds, a failure is final, attempts run
// out or deliverBudget is spent; a provider's Retry-After wins over the
// backoff. Once the notifier is stopping, an attempt under way is let finish
// (the provider may be taking the message: cut off, it would count as failed
// and go out twice) but no retry is waited for.
func (s *Service) send(ctx context.Context, n Notifier, a Alert, attempts int) error {
	ctx, cancel := context.WithTimeout(ctx, deliverBudget)
	defer cancel()
	backoff := 500 * time.Millisecond
	var err error
	for i := 0; i < attempts; i++ {
		if i > 0 && s.shuttingDown() {
			return errors.Join(err, errStopping)
		}
		var retry bool
		retry, err = n.Notify(ctx, a)
		if err == nil {
			return nil
		}
		if !retry {
			return fmt.Errorf("%w: %w", errPermanent, err)
		}
		wait := backoff
		var ra *RetryAfterError
		if errors.As(err, &ra) && ra.After > 0 {
			wait = ra.After
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-s.stopping:
			t.Stop()
			return errors.Join(err, errStopping)
		case <-t.C:
		}
		backoff = min(2*backoff, 30*time.Second)
	}
	return fmt.Errorf("gave up after %d attempts: %w", attempts, err)
}

func (s *Service) shuttingDown() bool {
	select {
	case <-s.stopping:
		return true
	default:
		return false
	}
}
