package notifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/rs/zerolog"

	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/config"
	"github.com/faultline/faultline/internal/group"
)

// ConsumerName is the durable consumer the notifier replicas share.
const ConsumerName = "notifier"

// StateBucket is the KV bucket of what was sent, per channel and group.
const StateBucket = "faultline_notify"

var (
	notificationsSent = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "faultline_notifier_sent_total",
		Help: "Messages delivered, by channel and kind.",
	}, []string{"channel", "kind"})
	notificationsFailed = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "faultline_notifier_failed_total",
		Help: "Messages that could not be delivered after retries, by channel.",
	}, []string{"channel"})
	notificationsSuppressed = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "faultline_notifier_suppressed_total",
		Help: "Alert candidates held back (already announced or within the cooldown), by channel.",
	}, []string{"channel"})
)

// Service is one notifier replica.
type Service struct {
	js        jetstream.JetStream
	log       zerolog.Logger
	router    *Router
	channels  map[string]Notifier
	cooldown  time.Duration
	kibanaURL string
	state     jetstream.KeyValue
	now       func() time.Time
	// flushEvery is how often held-back repeats are checked for a due digest.
	flushEvery time.Duration
}

// NewService builds the channels of the configuration.
func NewService(js jetstream.JetStream, log zerolog.Logger, f config.File) (*Service, error) {
	s := &Service{
		js:         js,
		log:        log.With().Str("service", "notifier").Logger(),
		router:     NewRouter(f),
		channels:   map[string]Notifier{},
		cooldown:   f.Notify.Cooldown.Duration,
		kibanaURL:  f.Notify.KibanaURL,
		now:        time.Now,
		flushEvery: 15 * time.Second,
	}
	if s.cooldown <= 0 {
		s.cooldown = 5 * time.Minute
	}
	client := &http.Client{Timeout: 10 * time.Second}
	for _, ch := range f.Channels {
		n, err := New(ch, client)
		if err != nil {
			return nil, err
		}
		s.channels[ch.Name] = n
	}
	return s, nil
}

// Run consumes alert candidates until ctx is cancelled.
func (s *Service) Run(ctx context.Context) error {
	kv, err := s.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:  StateBucket,
		History: 1,
		Storage: jetstream.FileStorage,
		// State older than this cannot suppress anything any more.
		TTL: 7 * 24 * time.Hour,
	})
	if err != nil {
		return fmt.Errorf("notifier state bucket: %w", err)
	}
	s.state = kv
	cons, err := s.js.CreateOrUpdateConsumer(ctx, broker.AlertsStream, jetstream.ConsumerConfig{
		Durable:       ConsumerName,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       5 * time.Minute,
		MaxDeliver:    20,
		FilterSubject: broker.AlertsSubject,
	})
	if err != nil {
		return fmt.Errorf("notifier consumer: %w", err)
	}
	iter, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("notifier consume: %w", err)
	}
	defer iter.Stop()
	flushDone := make(chan struct{})
	defer func() { <-flushDone }()
	go func() {
		defer close(flushDone)
		t := time.NewTicker(s.flushEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.flushDigests(context.WithoutCancel(ctx))
			}
		}
	}()
	s.log.Info().Int("channels", len(s.channels)).Msg("notifier consuming")
	for {
		m, err := iter.Next(jetstream.NextContext(ctx))
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return fmt.Errorf("notifier consume: %w", err)
			}
			s.log.Warn().Err(err).Msg("fetch alert candidates")
			continue
		}
		// A message in hand is finished even during shutdown.
		s.handle(context.WithoutCancel(ctx), m)
	}
}

func (s *Service) handle(ctx context.Context, m jetstream.Msg) {
	var c group.Candidate
	if err := json.Unmarshal(m.Data(), &c); err != nil {
		s.log.Error().Err(err).Msg("undecodable alert candidate dropped")
		_ = m.Term()
		return
	}
	failed := false
	for _, name := range s.router.Channels(c.Group) {
		n := s.channels[name]
		if n == nil {
			continue
		}
		if err := s.deliver(ctx, name, n, c); err != nil {
			failed = true
			notificationsFailed.WithLabelValues(name).Inc()
			s.log.Error().Err(err).Str("channel", name).Str("fingerprint", c.Group.Fingerprint).Msg("alert not delivered")
		}
	}
	if failed {
		// Channels that succeeded recorded it, so redelivery only retries the others.
		_ = m.NakWithDelay(30 * time.Second)
		return
	}
	_ = m.Ack()
}

// sentState is what a channel was last told about a group.
type sentState struct {
	LastSent time.Time `json:"last_sent"`
	// Pending counts occurrences held back since LastSent, for the next digest.
	Pending int `json:"pending"`
	// Group is the latest summary of a group with pending occurrences, so the
	// digest can be sent without waiting for another occurrence.
	Group *group.Group `json:"group,omitempty"`
}

// deliver decides, claims and sends. The claim is a compare-and-set on the KV
// entry, so of two replicas handling the same group only one sends.
func (s *Service) deliver(ctx context.Context, channel string, n Notifier, c group.Candidate) error {
	key := channel + "." + c.Group.Fingerprint
	entry, err := s.state.Get(ctx, key)
	if err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("read state: %w", err)
	}
	var st sentState
	var rev uint64
	if entry != nil {
		rev = entry.Revision()
		if err := json.Unmarshal(entry.Value(), &st); err != nil {
			return fmt.Errorf("decode state %s: %w", key, err)
		}
	}
	now := s.now().UTC()
	if g := c.Group; g.Status == group.StatusMuted && (g.MutedUntil == nil || now.Before(*g.MutedUntil)) {
		notificationsSuppressed.WithLabelValues(channel).Inc()
		return nil
	}
	a := Alert{Kind: c.Kind, Group: c.Group, Occurrences: c.Occurrences, Link: s.link(c.Group)}
	switch {
	case entry == nil:
		if a.Kind == group.KindRepeat {
			// Its announcement is lost or expired from state: announce it now.
			a.Kind = group.KindNew
		}
	case a.Kind == group.KindRegression:
	case a.Kind == group.KindNew:
		// The announcement was made: this is a redelivery or a second replica.
		notificationsSuppressed.WithLabelValues(channel).Inc()
		return nil
	case now.Sub(st.LastSent) < s.cooldown:
		// Announced already, or quiet time: remember the occurrences for the digest.
		st.Pending += c.Occurrences
		st.Group = &c.Group
		notificationsSuppressed.WithLabelValues(channel).Inc()
		return s.save(ctx, key, rev, st)
	default:
		a.Kind = group.KindRepeat
		a.Occurrences = st.Pending + c.Occurrences
	}
	claimed := sentState{LastSent: now}
	if err := s.save(ctx, key, rev, claimed); err != nil {
		return err
	}
	if err := send(ctx, n, a, 5); err != nil {
		// Give the claim back so a redelivery can try again.
		if e2 := s.state.Delete(ctx, key); e2 != nil {
			s.log.Warn().Err(e2).Str("key", key).Msg("could not release claim")
		}
		return err
	}
	notificationsSent.WithLabelValues(channel, string(a.Kind)).Inc()
	return nil
}

// flushDigests sends one "+N more" message for every group whose repeats
// were held back and whose cooldown has passed, so a burst that then stops
// is still reported.
func (s *Service) flushDigests(ctx context.Context) {
	lister, err := s.state.ListKeys(ctx)
	if err != nil {
		s.log.Warn().Err(err).Msg("list notifier state")
		return
	}
	for key := range lister.Keys() {
		i := strings.LastIndexByte(key, '.')
		if i < 0 {
			continue
		}
		channel := key[:i]
		n := s.channels[channel]
		if n == nil {
			continue
		}
		entry, err := s.state.Get(ctx, key)
		if err != nil {
			continue
		}
		var st sentState
		if json.Unmarshal(entry.Value(), &st) != nil || st.Pending == 0 || st.Group == nil || s.now().Sub(st.LastSent) < s.cooldown {
			continue
		}
		// Claim first: of two replicas flushing at once, one wins the update.
		if err := s.save(ctx, key, entry.Revision(), sentState{LastSent: s.now().UTC()}); err != nil {
			continue
		}
		a := Alert{Kind: group.KindRepeat, Group: *st.Group, Occurrences: st.Pending, Link: s.link(*st.Group)}
		if err := send(ctx, n, a, 5); err != nil {
			notificationsFailed.WithLabelValues(channel).Inc()
			s.log.Error().Err(err).Str("channel", channel).Str("fingerprint", st.Group.Fingerprint).Msg("digest not delivered")
			// Put the held-back count back for the next flush.
			if cur, err := s.state.Get(ctx, key); err == nil {
				_ = s.save(ctx, key, cur.Revision(), st)
			}
			continue
		}
		notificationsSent.WithLabelValues(channel, string(group.KindRepeat)).Inc()
	}
}

var errClaimed = errors.New("state changed by another notifier")

func (s *Service) save(ctx context.Context, key string, rev uint64, st sentState) error {
	data, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	if rev == 0 {
		_, err = s.state.Create(ctx, key, data)
	} else {
		_, err = s.state.Update(ctx, key, data, rev)
	}
	if err != nil {
		return fmt.Errorf("save state %s: %w: %w", key, errClaimed, err)
	}
	return nil
}

// link opens Kibana's Discover on the group's events.
func (s *Service) link(g group.Group) string {
	if s.kibanaURL == "" {
		return ""
	}
	q := url.QueryEscape(fmt.Sprintf(`faultline.fingerprint:"%s"`, g.Fingerprint))
	return s.kibanaURL + "/app/discover#/?_a=(query:(language:kuery,query:'" + q + "'))"
}
