package groupadmin

import (
	"context"
	"errors"
	"fmt"
	"path"
	"time"

	"github.com/faultline/faultline/internal/auth"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/group"
)

// Store is where the group documents live (processor.Groups).
type Store interface {
	SetStatus(ctx context.Context, fingerprint string, change group.StatusChange, allow func(group.Group) error) (group.Group, error)
	ListGroups(ctx context.Context, service string, scope []string, limit int) ([]group.Group, error)
	Group(ctx context.Context, fingerprint string) (group.Group, error)
	Events(ctx context.Context, fingerprint string, limit int) ([]event.Event, error)
}

// Mutes is the notifiers' own record of mutes (notifier.Mutes), which stops
// candidates that left the processor before the status changed.
type Mutes interface {
	SetMute(ctx context.Context, fingerprint string, muted bool, until *time.Time) error
}

// Groups is what the CLI and the API do with groups, directly (Admin.As) or
// through the group API (Client).
type Groups interface {
	List(ctx context.Context, service string, limit int) ([]group.Group, error)
	Get(ctx context.Context, fingerprint string) (group.Group, error)
	Events(ctx context.Context, fingerprint string, limit int) ([]event.Event, error)
	Change(ctx context.Context, fingerprint, action string, muteFor time.Duration) (group.Group, error)
}

// Admin changes groups on behalf of a principal.
type Admin struct {
	Store Store
	// Mutes may be nil: only Elasticsearch is changed (the CLI when NATS is
	// unreachable).
	Mutes Mutes
	Now   func() time.Time
}

// Actions a group's status can take.
var Actions = []string{"mute", "resolve", "unmute"}

// List returns the groups p may read, newest first, of the services that
// match service (a glob as in routes; empty is every service): a scoped
// key's query holds only its services.
func (a *Admin) List(ctx context.Context, p *auth.Principal, service string, limit int) ([]group.Group, error) {
	if !p.Has(auth.RoleRead) {
		return nil, fmt.Errorf("%w: key %q does not have the read role", auth.ErrForbidden, p.Name)
	}
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	if _, err := path.Match(service, ""); err != nil {
		return nil, &InputError{fmt.Sprintf("service %q: not a valid glob (as in routes: *, ?, [a-z])", service)}
	}
	return a.Store.ListGroups(ctx, service, p.Services, limit)
}

func checkLimit(limit int) error {
	if limit < 1 || limit > 1000 {
		return &InputError{fmt.Sprintf("limit %d: want a number from 1 to 1000", limit)}
	}
	return nil
}

// Events returns the latest limit events of a group p may read, newest
// first; errors as Get's.
func (a *Admin) Events(ctx context.Context, p *auth.Principal, fingerprint string, limit int) ([]event.Event, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	if _, err := a.Get(ctx, p, fingerprint); err != nil {
		return nil, err
	}
	return a.Store.Events(ctx, fingerprint, limit)
}

// Get returns one group p may read: auth.ErrForbidden for a group of a
// service outside its scope, group.ErrNotFound for none.
func (a *Admin) Get(ctx context.Context, p *auth.Principal, fingerprint string) (group.Group, error) {
	if !p.Has(auth.RoleRead) {
		return group.Group{}, fmt.Errorf("%w: key %q does not have the read role", auth.ErrForbidden, p.Name)
	}
	g, err := a.Store.Group(ctx, fingerprint)
	if err != nil {
		return group.Group{}, err
	}
	if !p.Sees(g.Service.Name) {
		return group.Group{}, fmt.Errorf("%w: key %q may not read service %q", auth.ErrForbidden, p.Name, g.Service.Name)
	}
	return g, nil
}

// Change mutes (for muteFor, 0 = until unmuted), resolves or unmutes a
// group, recording p's name on it. A key without the admin role, or scoped
// to other services than the group's, gets auth.ErrForbidden; a fingerprint
// without a group, group.ErrNotFound.
func (a *Admin) Change(ctx context.Context, p *auth.Principal, fingerprint, action string, muteFor time.Duration) (group.Group, error) {
	if !p.Has(auth.RoleAdmin) {
		return group.Group{}, fmt.Errorf("%w: key %q does not have the admin role", auth.ErrForbidden, p.Name)
	}
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	change := group.StatusChange{Action: action, By: p.Name, At: now().UTC()}
	switch action {
	case "mute":
		if muteFor < 0 {
			return group.Group{}, &InputError{fmt.Sprintf("mute for %s: want a positive duration, or 0 for until unmuted", muteFor)}
		}
		if muteFor > 0 {
			until := change.At.Add(muteFor)
			change.Until = &until
		}
	case "resolve", "unmute":
	default:
		return group.Group{}, &InputError{fmt.Sprintf("unknown action %q (want mute, resolve or unmute)", action)}
	}
	g, err := a.Store.SetStatus(ctx, fingerprint, change, func(g group.Group) error {
		if !p.Sees(g.Service.Name) {
			return fmt.Errorf("%w: key %q may not act on service %q", auth.ErrForbidden, p.Name, g.Service.Name)
		}
		return nil
	})
	if err != nil {
		return g, err
	}
	if a.Mutes != nil {
		if err := a.Mutes.SetMute(ctx, fingerprint, action == "mute", change.Until); err != nil {
			return g, fmt.Errorf("%s group %s: changed in Elasticsearch, but not in the notifiers' state: %w", action, fingerprint, err)
		}
	}
	return g, nil
}

// As binds the admin to a principal, for the CLI's direct mode.
func (a *Admin) As(p *auth.Principal) Groups { return bound{a, p} }

type bound struct {
	a *Admin
	p *auth.Principal
}

func (b bound) List(ctx context.Context, service string, limit int) ([]group.Group, error) {
	return b.a.List(ctx, b.p, service, limit)
}

func (b bound) Get(ctx context.Context, fingerprint string) (group.Group, error) {
	return b.a.Get(ctx, b.p, fingerprint)
}

func (b bound) Events(ctx context.Context, fingerprint string, limit int) ([]event.Event, error) {
	return b.a.Events(ctx, b.p, fingerprint, limit)
}

func (b bound) Change(ctx context.Context, fingerprint, action string, muteFor time.Duration) (group.Group, error) {
	return b.a.Change(ctx, b.p, fingerprint, action, muteFor)
}

// InputError is a request that can never succeed as it is.
type InputError struct{ msg string }

// Invalid is an InputError saying what was wrong.
func Invalid(msg string) *InputError { return &InputError{msg} }

func (e *InputError) Error() string { return e.msg }

// isInput reports whether err is an InputError.
func isInput(err error) bool {
	var ie *InputError
	return errors.As(err, &ie)
}
