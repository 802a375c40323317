package notifier

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/config"
	"github.com/faultline/faultline/internal/group"
	"github.com/faultline/faultline/internal/retry"
)

// StateBucket is the KV bucket of what was sent, per channel and group, and
// of the watchdog's state.
const StateBucket = "faultline_notify"

// Probe reports nil while a part of the pipeline is healthy.
type Probe func(ctx context.Context) error

// Service is one notifier replica.
type Service struct {
	js        jetstream.JetStream
	log       zerolog.Logger
	router    *Router
	channels  map[string]Notifier
	cfg       config.Notify
	kibanaURL string
	state     jetstream.KeyValue
	// stateOpen is closed once state is set; setup opens it (when Prepare
	// did not) and creates the consumers, retried while NATS is down.
	stateOpen chan struct{}
	setup     *retry.Dependency
	now       func() time.Time
	// flushEvery is how often held-back repeats are checked for a due digest.
	flushEvery time.Duration
	// ackWait is the channel consumers' AckWait; workers report progress on
	// slow sends and held storm messages well within it.
	ackWait time.Duration
	probes  map[string]Probe
	metrics *Metrics
	// stopping is closed when Run's context ends. Work in progress goes on
	// without that context (a claim half written, a message half sent would
	// be worse than finishing them), but nothing waits for a retry any more.
	stopping chan struct{}

	// groups, when set, gives each alert its group's state at send time.
	groups Groups

	mu       sync.Mutex
	activity map[string]time.Time // service → last time its activity was written to KV
	// activityEvery bounds the KV writes a busy service causes.
	activityEvery time.Duration
}

// NewService builds the channels of the configuration and opens the state
// bucket at once, for callers that need it before Run. probes are the
// pipeline checks the watchdog alerts on (Elasticsearch, lag, dead
// letters). It counts into m as Prepare does.
func NewService(ctx context.Context, js jetstream.JetStream, log zerolog.Logger, f config.File, probes map[string]Probe, m *Metrics) (*Service, error) {
	s, err := Prepare(js, log, f, probes, m)
	if err != nil {
		return nil, err
	}
	kv, err := openState(ctx, js, s.cfg.Replicas)
	if err != nil {
		return nil, fmt.Errorf("notifier state bucket: %w", err)
	}
	s.opened(kv)
	return s, nil
}

// Prepare builds the channels without touching NATS: Run opens the state
// bucket, retrying while NATS is unreachable, and until then the group API
// answers 503 and Readiness says why. A service starts this way so that its
// listener never waits for NATS. It counts what it sends into m; nil:
// counted, served by nobody (NewMetrics(nil)).
func Prepare(js jetstream.JetStream, log zerolog.Logger, f config.File, probes map[string]Probe, m *Metrics) (*Service, error) {
	f = f.WithDefaults()
	if m == nil {
		m = NewMetrics(nil)
	}
	natsURL := ""
	if nc := js.Conn(); nc != nil {
		natsURL = nc.Opts.Url
	}
	s := &Service{
		js:         js,
		log:        log.With().Str("service", "notifier").Logger(),
		router:     NewRouter(f),
		channels:   map[string]Notifier{},
		cfg:        f.Notify,
		kibanaURL:  f.Notify.KibanaURL,
		now:        time.Now,
		stopping:   make(chan struct{}),
		flushEvery: 15 * time.Second,
		// Short, so a dead notifier's messages come back within seconds.
		ackWait:   20 * time.Second,
		probes:    probes,
		metrics:   m,
		setup:     retry.New("nats", "notifier state bucket and consumers", natsURL),
		stateOpen: make(chan struct{}),
		activity:  map[string]time.Time{},
		// A flatline is minutes; knowing a service's last event within 10 s
		// is plenty and keeps a busy service from writing KV per batch.
		activityEvery: 10 * time.Second,
	}
	client := withoutRedirects(&http.Client{Timeout: 10 * time.Second})
	for _, ch := range f.Channels {
		n, err := New(ch, client)
		if err != nil {
			return nil, err
		}
		s.channels[ch.Name] = &limited{Notifier: n, name: ch.Name, typ: ch.Type, limiter: channelLimit(ch.Type), metrics: m}
	}
	return s, nil
}

// opened keeps the state bucket; whoever saw stateOpen closed may use it.
func (s *Service) opened(kv jetstream.KeyValue) {
	s.state = kv
	close(s.stateOpen)
}

// hasState tells whether the state bucket is open.
func (s *Service) hasState() bool {
	select {
	case <-s.stateOpen:
		return true
	default:
		return false
	}
}

// Readiness is nil once the state bucket is open and the consumers exist,
// else why not: NATS's redacted URL and the last error.
func (s *Service) Readiness() error { return s.setup.Err() }

// openState opens the KV bucket every replica shares, creating it or
// bringing it to this configuration. replicas 0 takes the bucket as it is:
// the groups CLI uses that, since an operator's one-off command run with its
// default flags would otherwise shrink a bucket on a NATS cluster to one
// replica.
func openState(ctx context.Context, js jetstream.JetStream, replicas int) (jetstream.KeyValue, error) {
	if replicas == 0 {
		kv, err := js.KeyValue(ctx, StateBucket)
		if !errors.Is(err, jetstream.ErrBucketNotFound) {
			return kv, err
		}
	}
	return js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:   StateBucket,
		History:  1,
		Storage:  jetstream.FileStorage,
		Replicas: max(replicas, 1),
		// State older than this cannot suppress anything any more.
		TTL: 7 * 24 * time.Hour,
	})
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_-]`)

// Run consumes alert candidates until ctx is cancelled. Each channel has a
// durable consumer of its own, so a channel that keeps failing holds back
// only its own messages and never the others'.
func (s *Service) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	errc := make(chan error, len(s.channels)+3)
	type consumer struct {
		cons jetstream.Consumer
		f    func(context.Context, jetstream.Consumer) error
	}
	var consumers []consumer
	runners := map[string]func(context.Context, jetstream.Consumer) error{"activity": s.trackActivity}
	for name, n := range s.channels {
		w := &worker{s: s, name: name, n: n}
		runners["channel-"+name] = w.run
	}
	// The streams may still be being set up by another part of the
	// service: until they and the bucket exist, everything is tried again.
	err := s.setup.Run(ctx, s.log, func(ctx context.Context) error {
		if nc := s.js.Conn(); nc != nil {
			if err := broker.Connected(nc); err != nil {
				return err
			}
		}
		if !s.hasState() {
			kv, err := openState(ctx, s.js, s.cfg.Replicas)
			if err != nil {
				return fmt.Errorf("notifier state bucket: %w", err)
			}
			s.opened(kv)
		}
		consumers = consumers[:0]
		for name, f := range runners {
			cc := jetstream.ConsumerConfig{
				Durable:   "notifier-" + unsafeName.ReplaceAllString(name, "_"),
				AckPolicy: jetstream.AckExplicitPolicy,
				// Workers keep slow sends and held storm messages alive.
				AckWait:       s.ackWait,
				MaxAckPending: 10000,
				FilterSubject: broker.AlertsSubject,
			}
			if s.isConsole(strings.TrimPrefix(name, "channel-")) {
				// The terminal channel of a trial run goes away when a
				// config adds real channels: left behind, its consumer
				// would hold every alert unacknowledged and keep the
				// alerts stream from being trimmed.
				cc.InactiveThreshold = consoleInactive
			}
			cons, err := s.js.CreateOrUpdateConsumer(ctx, broker.AlertsStream, cc)
			if err != nil {
				return fmt.Errorf("notifier consumer %s: %w", name, err)
			}
			consumers = append(consumers, consumer{cons, f})
		}
		return nil
	})
	if err != nil {
		close(s.stopping)
		if ctx.Err() != nil {
			// Stopped before the set-up finished: a normal shutdown.
			return nil
		}
		return err
	}
	for _, c := range consumers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.f(ctx, c.cons); err != nil {
				errc <- err
			}
		}()
	}
	every := func(d time.Duration, f func(context.Context)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(d)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					f(context.WithoutCancel(ctx))
				}
			}
		}()
	}
	every(s.flushEvery, s.flushDigests)
	every(s.cfg.CheckInterval.Duration, s.watch)
	s.log.Info().Int("channels", len(s.channels)).Msg("notifier consuming")
	<-ctx.Done()
	close(s.stopping)
	wg.Wait()
	close(errc)
	return errors.Join(func() []error {
		var errs []error
		for err := range errc {
			errs = append(errs, err)
		}
		return errs
	}()...)
}

// wants says whether a channel takes alerts about g: the routes decide, and
// levels below min_level never alert.
func (s *Service) wants(channel string, g group.Group) bool {
	if lvl, ok := config.Levels[g.Log.Level]; ok && lvl < config.Levels[s.cfg.MinLevel] {
		return false
	}
	for _, c := range s.router.Channels(g) {
		if c == channel {
			return true
		}
	}
	return false
}

// deliverBudget bounds every send, so a live notifier confirms or releases
// a claim before it can pass for abandoned, and no send holds up shutdown:
// retries that honour a provider's Retry-After could otherwise take hours. A
// send cut short fails like any other and its message is redelivered later.
const deliverBudget = 30 * time.Second

// claimTimeout outlasts deliverBudget, with room for the KV writes around the
// send and for clock skew between replicas (the claim carries the claimer's
// clock): a claim older than that, still unconfirmed, was left by a notifier
// that died. AckWait does not enter into it, since a worker keeps its message
// alive for as long as it sends.
const claimTimeout = 45 * time.Second

// deliver decides, claims, sends and confirms. The claim is a
// compare-and-set on the KV entry, so of two replicas handling the same
// group only one sends; the confirmation lets a replica take over the claim
// of one that died before sending.
func (s *Service) deliver(ctx context.Context, channel string, n Notifier, c group.Candidate) error {
	key := stateKey(channel, c.Group.Fingerprint)
	st, rev, err := s.claims().read(ctx, key)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	if s.mutedAt(ctx, c.Group, now) {
		s.metrics.suppressed.WithLabelValues(channel).Inc()
		return nil
	}
	d := decide(st, rev != 0, c, now, s.cfg.Cooldown.Duration)
	switch d.verdict {
	case busy:
		return errInFlight
	case quiet:
		s.metrics.suppressed.WithLabelValues(channel).Inc()
		return nil
	case hold:
		st.Pending += c.Occurrences
		st.Group = &c.Group
		s.metrics.suppressed.WithLabelValues(channel).Inc()
		return s.claims().write(ctx, key, rev, st)
	}
	a := Alert{Kind: d.kind, Group: c.Group, Occurrences: d.occurrences, Since: d.since, Link: s.link(c.Group), Page: s.groupPage(c.Group)}
	if err := s.claims().write(ctx, key, rev, sentState{LastSent: now}); err != nil {
		return err
	}
	// Claimed: read the group as it stands now. Muted meanwhile (the
	// processor's status; the KV mute was checked above), it stays quiet
	// and the claim is kept, like a sent announcement.
	if a.Group = s.current(ctx, a.Group); s.mutedAt(ctx, a.Group, now) {
		s.claims().confirm(ctx, key)
		s.metrics.suppressed.WithLabelValues(channel).Inc()
		return nil
	}
	if err := s.send(ctx, n, a, 5); err != nil {
		s.claims().release(ctx, key, st, rev == 0)
		return err
	}
	s.claims().confirm(ctx, key)
	s.metrics.sent.WithLabelValues(channel, string(a.Kind)).Inc()
	return nil
}

// flushDigests sends one "+N more" message for every group whose repeats
// were held back and whose cooldown has passed, so a burst that then stops
// is still reported.
func (s *Service) flushDigests(ctx context.Context) {
	for channel, n := range s.channels {
		lister, err := s.claims().ofChannel(ctx, channel)
		if err != nil {
			if !errors.Is(err, jetstream.ErrNoKeysFound) {
				s.log.Warn().Err(err).Msg("list notifier state")
			}
			continue
		}
		for key := range lister.Keys() {
			if s.shuttingDown() {
				// The claims are untouched: the next replica's flush sends
				// these digests.
				return
			}
			st, rev, err := s.claims().read(ctx, key)
			if err != nil || rev == 0 || st.Pending == 0 || st.Group == nil || s.now().Sub(st.LastSent) < s.cfg.Cooldown.Duration {
				continue
			}
			// Claim first: of two replicas flushing at once, one wins the update.
			if err := s.claims().write(ctx, key, rev, sentState{LastSent: s.now().UTC(), Confirmed: true}); err != nil {
				continue
			}
			a := Alert{Kind: group.KindRepeat, Group: s.current(ctx, *st.Group), Occurrences: st.Pending, Link: s.link(*st.Group), Page: s.groupPage(*st.Group), Since: s.now().Sub(st.LastSent)}
			if s.mutedAt(ctx, a.Group, s.now()) {
				// Muted since: the held-back count is dropped with the claim.
				s.metrics.suppressed.WithLabelValues(channel).Inc()
				continue
			}
			if err := s.send(ctx, n, a, 5); err != nil {
				s.metrics.failed.WithLabelValues(channel).Inc()
				if errors.Is(err, errPermanent) {
					// Trying the same digest at every flush would be refused
					// every time; the claim stays, so the next digest counts
					// from now.
					s.log.Error().Err(err).Str("channel", channel).Str("fingerprint", st.Group.Fingerprint).Msg("digest refused by the channel; dropped")
					continue
				}
				s.log.Error().Err(err).Str("channel", channel).Str("fingerprint", st.Group.Fingerprint).Msg("digest not delivered; will retry")
				// Put the held-back count back for the next flush, with the
				// repeats counted during the send.
				s.claims().release(ctx, key, st, false)
				continue
			}
			s.metrics.sent.WithLabelValues(channel, string(group.KindRepeat)).Inc()
		}
	}
}

// groupPage is the group's page in faultline's web UI.
func (s *Service) groupPage(g group.Group) string {
	if s.cfg.PublicURL == "" || g.Fingerprint == "" {
		return ""
	}
	return s.cfg.PublicURL + "/groups/" + url.PathEscape(g.Fingerprint)
}

// stormLink is the storm's page in faultline's web UI.
func (s *Service) stormLink(id string) string {
	if s.cfg.PublicURL == "" {
		return ""
	}
	return s.cfg.PublicURL + "/storms/" + id
}

// link opens Kibana's Discover on the group's events.
func (s *Service) link(g group.Group) string {
	if s.kibanaURL == "" || g.Fingerprint == "" {
		return ""
	}
	q := url.QueryEscape(fmt.Sprintf(`faultline.fingerprint:"%s"`, g.Fingerprint))
	return s.kibanaURL + "/app/discover#/?_a=(query:(language:kuery,query:'" + q + "'))"
}
