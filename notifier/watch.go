package notifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/group"
	"github.com/faultline/faultline/internal/redact"
)

// activity is a service's last sign of life, shared by the replicas in KV.
type activity struct {
	Service  string    `json:"service"`
	LastSeen time.Time `json:"last_seen"`
	// Quiet is set once the flatline alert went out, until the service is back.
	Quiet bool `json:"quiet"`
}

// probeState remembers whether a pipeline check is failing, so each change
// is announced once however many replicas run the check.
type probeState struct {
	Failing bool      `json:"failing"`
	Since   time.Time `json:"since"`
	Reason  string    `json:"reason,omitempty"`
}

// trackActivity records, per service, when it last produced an event; every
// batch of events produces alert candidates, so they are the heartbeat.
func (s *Service) trackActivity(ctx context.Context, cons jetstream.Consumer) error {
	iter, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("notifier activity: %w", err)
	}
	defer iter.Stop()
	for ctx.Err() == nil {
		m, err := iter.Next(jetstream.NextMaxWait(time.Second))
		if err != nil {
			if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return fmt.Errorf("notifier activity: %w", err)
			}
			continue
		}
		var c group.Candidate
		if err := json.Unmarshal(m.Data(), &c); err == nil && c.Group.Service.Name != "" {
			s.seen(context.WithoutCancel(ctx), c.Group.Service.Name, c.Group.LastSeen)
		}
		_ = m.Ack()
	}
	return nil
}

func activityKey(service string) string {
	return "svc." + unsafeName.ReplaceAllString(service, "_")
}

// seen notes activity of a service and announces its recovery if it had
// gone quiet.
func (s *Service) seen(ctx context.Context, service string, at time.Time) {
	now := s.now()
	s.mu.Lock()
	last := s.activity[service]
	if now.Sub(last) < s.activityEvery {
		s.mu.Unlock()
		return
	}
	s.activity[service] = now
	s.mu.Unlock()

	key := activityKey(service)
	var a activity
	var rev uint64
	if e, err := s.state.Get(ctx, key); err == nil {
		rev = e.Revision()
		_ = json.Unmarshal(e.Value(), &a)
	}
	wasQuiet := a.Quiet
	a = activity{Service: service, LastSeen: now.UTC()}
	if err := s.save(ctx, key, rev, a); err != nil {
		return // another replica wrote it; it also handles the recovery
	}
	if wasQuiet {
		s.broadcast(ctx, Alert{Kind: group.KindRecovered, Group: syntheticGroup(service, "faultline.Flatline",
			fmt.Sprintf("%s is sending events again", service), "", now)})
	}
}

// watch runs the periodic checks: services gone quiet and pipeline probes.
func (s *Service) watch(ctx context.Context) {
	now := s.now()
	if after := s.cfg.FlatlineAfter.Duration; after > 0 {
		s.checkFlatlines(ctx, now, after)
	}
	for name, probe := range s.probes {
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := probe(pctx)
		cancel()
		s.probeResult(ctx, name, err, now)
	}
}

func (s *Service) checkFlatlines(ctx context.Context, now time.Time, after time.Duration) {
	lister, err := s.state.ListKeysFiltered(ctx, "svc.*")
	if err != nil {
		return
	}
	for key := range lister.Keys() {
		e, err := s.state.Get(ctx, key)
		if err != nil {
			continue
		}
		var a activity
		if json.Unmarshal(e.Value(), &a) != nil || a.Quiet {
			continue
		}
		silent := now.Sub(a.LastSeen)
		// A service silent for a day is retired, not flatlining.
		if silent < after || silent > 24*time.Hour {
			continue
		}
		a.Quiet = true
		if s.save(ctx, key, e.Revision(), a) != nil {
			continue
		}
		s.broadcast(ctx, Alert{Kind: group.KindFlatline, Group: syntheticGroup(a.Service, "faultline.Flatline",
			fmt.Sprintf("%s has sent nothing for %s", a.Service, silent.Round(time.Second)),
			fmt.Sprintf("Last event at %s. Did the app stop, or did its log shipping break?", a.LastSeen.Format(time.RFC3339)), now)})
	}
}

func (s *Service) probeResult(ctx context.Context, name string, perr error, now time.Time) {
	key := "ops." + unsafeName.ReplaceAllString(name, "_")
	var st probeState
	var rev uint64
	if e, err := s.state.Get(ctx, key); err == nil {
		rev = e.Revision()
		_ = json.Unmarshal(e.Value(), &st)
	}
	failing := perr != nil
	if failing == st.Failing {
		return
	}
	next := probeState{Failing: failing, Since: now.UTC()}
	if failing {
		next.Reason = perr.Error()
	}
	if s.save(ctx, key, rev, next) != nil {
		return
	}
	if failing {
		s.log.Error().Err(perr).Str("probe", name).Msg("pipeline trouble")
		s.broadcast(ctx, Alert{Kind: group.KindPipeline, Group: syntheticGroup("faultline", "faultline.Pipeline", name+": "+redact.Addresses(perr.Error()), "", now)})
		return
	}
	s.broadcast(ctx, Alert{Kind: group.KindRecovered, Group: syntheticGroup("faultline", "faultline.Pipeline", name+" is healthy again", "", now)})
}

// syntheticGroup shapes an alert about a service or the pipeline like a
// group, so routes (error_type "faultline.*") and every channel handle it.
func syntheticGroup(service, errType, title, message string, now time.Time) group.Group {
	return group.Group{
		Fingerprint: fmt.Sprintf("%s-%s-%d", errType, service, now.UnixNano()),
		Title:       title,
		Message:     message,
		Service:     event.Service{Name: service},
		Error:       group.ErrorInfo{Type: errType},
		Log:         event.Log{Level: "ERROR"},
		Count:       1,
		FirstSeen:   now,
		LastSeen:    now,
		Status:      group.StatusOpen,
	}
}

// broadcast sends to every channel the routes pick for the alert.
func (s *Service) broadcast(ctx context.Context, a Alert) {
	for _, name := range s.router.Channels(a.Group) {
		n := s.channels[name]
		if n == nil {
			continue
		}
		if err := s.send(ctx, n, a, 3); err != nil {
			s.metrics.failed.WithLabelValues(name).Inc()
			s.log.Error().Err(err).Str("channel", name).Str("kind", string(a.Kind)).Msg("alert not delivered")
			continue
		}
		s.metrics.sent.WithLabelValues(name, string(a.Kind)).Inc()
	}
}
