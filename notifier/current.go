package notifier

import (
	"context"
	"time"

	"github.com/faultline/faultline/internal/group"
)

// Groups reads a group as it stands now. processor.Groups is one; the
// notifier reads through it at send time, so an alert queued behind a slow
// channel or a backlog says the count and last seen of when it is sent.
type Groups interface {
	Group(ctx context.Context, fingerprint string) (group.Group, error)
}

// ReadGroupsFrom makes alerts read their group's state from groups at send
// time. Without it they show the state the candidate carried.
func (s *Service) ReadGroupsFrom(groups Groups) { s.groups = groups }

// currentTimeout bounds one read of a group: a slow Elasticsearch delays an
// alert by at most this, and the alert then goes out as queued.
const currentTimeout = 2 * time.Second

// current is g with the count, last seen, status and mute read now, when a
// group store is set and answers; else g as it was queued. A count or last
// seen older than the queued one (a replica behind) is not taken.
func (s *Service) current(ctx context.Context, g group.Group) group.Group {
	if s.groups == nil || g.Fingerprint == "" {
		return g
	}
	ctx, cancel := context.WithTimeout(ctx, currentTimeout)
	defer cancel()
	now, err := s.groups.Group(ctx, g.Fingerprint)
	if err != nil {
		s.log.Debug().Err(err).Str("fingerprint", g.Fingerprint).Msg("group state not read at send time; the alert shows it as queued")
		return g
	}
	g.Count = max(g.Count, now.Count)
	if now.LastSeen.After(g.LastSeen) {
		g.LastSeen = now.LastSeen
	}
	g.Status, g.MutedUntil = now.Status, now.MutedUntil
	return g
}

// mutedAt tells whether g's status or the notifier's own mute record
// silences it at now.
func (s *Service) mutedAt(ctx context.Context, g group.Group, now time.Time) bool {
	return g.Status == group.StatusMuted && (g.MutedUntil == nil || now.Before(*g.MutedUntil)) || s.muted(ctx, g.Fingerprint, now)
}
