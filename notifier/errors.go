package notifier

import "errors"

// ErrStormNotFound is Storms.Get's answer for an unknown or expired id.
var ErrStormNotFound = errors.New("storm not found")

var (
	// errPermanent marks a send whose failure is final: the provider refused
	// the alert (a 400, a 410) and would refuse the same body again, so
	// callers drop it instead of putting it back for a later try.
	errPermanent = errors.New("refused, not retried")

	// errStopping ends a send whose retry would have waited past shutdown.
	errStopping = errors.New("notifier shutting down")

	// errClaimed is putState's answer when another notifier wrote the key
	// since it was read: of two writers, the loser learns it lost.
	errClaimed = errors.New("state changed by another notifier")

	// errInFlight is deliver's answer while another notifier is announcing
	// the group right now.
	errInFlight = errors.New("another notifier is sending this announcement")

	// errNotReady is Service.Storms's answer while the state bucket is not
	// open yet (NATS unreachable).
	errNotReady = errors.New("notifier state bucket not open yet")
)
