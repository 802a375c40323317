package dlqadmin

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/faultline/faultline/groupadmin"
	"github.com/faultline/faultline/internal/auth"
	"github.com/faultline/faultline/processor"
)

// DeadLetters is what the CLI does with dead letters, directly (Admin.As)
// or through the API (Client).
type DeadLetters interface {
	List(ctx context.Context, limit int) ([]processor.DeadLetter, error)
	// Replay puts the dead letters seqs back on the events stream, or every
	// one the caller may replay when seqs is empty, and says how many.
	Replay(ctx context.Context, seqs []uint64) (int, error)
}

// MaxLimit bounds one listing.
const MaxLimit = 1000

// Admin lists and replays dead letters on behalf of a principal.
type Admin struct {
	JS jetstream.JetStream
	// Log receives the audit line of every replay.
	Log zerolog.Logger
}

// visible says whether p may see a dead letter. One whose event names no
// service (it could not be decoded, or had none) belongs to no scope: only
// keys scoped to every service see it.
func visible(p *auth.Principal, dl processor.DeadLetter) bool {
	if dl.Service == "" {
		return len(p.Services) == 0
	}
	return p.Sees(dl.Service)
}

// List returns up to limit dead letters p may read, oldest first.
func (a *Admin) List(ctx context.Context, p *auth.Principal, limit int) ([]processor.DeadLetter, error) {
	if !p.Has(auth.RoleRead) {
		return nil, fmt.Errorf("%w: key %q does not have the read role", auth.ErrForbidden, p.Name)
	}
	if limit < 1 || limit > MaxLimit {
		return nil, groupadmin.Invalid(fmt.Sprintf("limit %d: want a number from 1 to %d", limit, MaxLimit))
	}
	var out []processor.DeadLetter
	err := processor.ScanDLQ(ctx, a.JS, func(dl processor.DeadLetter) bool {
		if visible(p, dl) {
			dl.Data = nil // a listing shows no event, and a thousand may be large
			out = append(out, dl)
		}
		return len(out) < limit
	})
	return out, err
}

// Replay puts dead letters back on the events stream: those of seqs, or,
// when seqs is empty, every one p may see. Every seq is checked before any
// is replayed: one outside p's services is auth.ErrForbidden, one the
// stream does not hold a groupadmin.NotFound.
func (a *Admin) Replay(ctx context.Context, p *auth.Principal, seqs []uint64) (int, error) {
	if !p.Has(auth.RoleAdmin) {
		return 0, fmt.Errorf("%w: key %q does not have the admin role", auth.ErrForbidden, p.Name)
	}
	all := len(seqs) == 0
	if all {
		err := processor.ScanDLQ(ctx, a.JS, func(dl processor.DeadLetter) bool {
			if visible(p, dl) {
				seqs = append(seqs, dl.Seq)
			}
			return true
		})
		if err != nil {
			return 0, err
		}
		if len(seqs) == 0 {
			// ReplayDLQ would take an empty list for "all of them".
			a.audit(p, all, nil, 0, nil)
			return 0, nil
		}
	} else {
		seqs = slices.Compact(slices.Sorted(slices.Values(seqs)))
		for _, seq := range seqs {
			dl, err := processor.GetDLQ(ctx, a.JS, seq)
			if errors.Is(err, processor.ErrNoDeadLetter) {
				return 0, groupadmin.NotFound(fmt.Errorf("dead letter %d: none in the stream (replayed already, or never there)", seq))
			}
			if err != nil {
				return 0, err
			}
			if !visible(p, dl) {
				return 0, fmt.Errorf("%w: key %q may not replay dead letter %d (service %q)", auth.ErrForbidden, p.Name, seq, dl.Service)
			}
		}
	}
	n, err := processor.ReplayDLQ(ctx, a.JS, seqs)
	a.audit(p, all, seqs, n, err)
	if errors.Is(err, processor.ErrNoDeadLetter) {
		// Another replay took it between the check and now.
		err = groupadmin.NotFound(fmt.Errorf("replayed %d of %d: %w", n, len(seqs), err))
	} else if err != nil {
		err = fmt.Errorf("replayed %d of %d: %w", n, len(seqs), err)
	}
	return n, err
}

// audit logs who replayed what; the sequence numbers, not the events, which
// may hold what the apps logged.
func (a *Admin) audit(p *auth.Principal, all bool, seqs []uint64, n int, err error) {
	e := a.Log.Info()
	if err != nil {
		e = a.Log.Error().Err(err)
	}
	e.Str("by", p.Name).Bool("all", all).Uints64("seqs", seqs).Int("replayed", n).Msg("dead letters replayed")
}

// As binds the admin to a principal, for the CLI's direct mode.
func (a *Admin) As(p *auth.Principal) DeadLetters { return bound{a, p} }

type bound struct {
	a *Admin
	p *auth.Principal
}

func (b bound) List(ctx context.Context, limit int) ([]processor.DeadLetter, error) {
	return b.a.List(ctx, b.p, limit)
}

func (b bound) Replay(ctx context.Context, seqs []uint64) (int, error) {
	return b.a.Replay(ctx, b.p, seqs)
}
