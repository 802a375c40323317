package notifier

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/faultline/faultline/internal/config"
	"github.com/faultline/faultline/internal/group"
	"github.com/faultline/faultline/internal/testenv"
)

// discordInbox is the kit's inbox refusing what is not a Discord message,
// read as Discord messages.
type discordInbox struct {
	testenv.Inbox
}

func newDiscordInbox() *discordInbox {
	d := &discordInbox{}
	d.Check = testenv.JSONBody[discordMessage](false)
	return d
}

func (d *discordInbox) all() []discordMessage {
	return testenv.Messages[discordMessage](&d.Inbox)
}

// replica builds a notifier sharing the KV state of js, as a second replica
// or a restarted process would.
func replica(t *testing.T, js jetstream.JetStream, hook string, clock *time.Time) *Service {
	t.Helper()
	f := config.File{Channels: []config.Channel{{Name: "oncall", Type: "discord", URL: hook}}, Notify: config.Notify{Cooldown: config.Duration{Duration: 5 * time.Minute}}}
	s, err := NewService(context.Background(), js, zerolog.Nop(), f, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.now = func() time.Time { return *clock }
	return s
}

// stateAndInbox gives a test JetStream for the notifier's state and a
// Discord receiver.
func stateAndInbox(t *testing.T) (jetstream.JetStream, *discordInbox, *httptest.Server) {
	t.Helper()
	_, _, js := testenv.JetStream(t)
	inbox := newDiscordInbox()
	hook := httptest.NewServer(inbox)
	t.Cleanup(hook.Close)
	return js, inbox, hook
}

func TestNotifyOnceThenDigest(t *testing.T) {
	js, inbox, hook := stateAndInbox(t)
	clock := time.Now()
	a := replica(t, js, hook.URL, &clock)
	b := replica(t, js, hook.URL, &clock)
	ctx := context.Background()
	g := sampleGroup()
	deliver := func(s *Service, kind group.Kind, n int) {
		t.Helper()
		if err := s.deliver(ctx, "oncall", s.channels["oncall"], group.Candidate{Kind: kind, Occurrences: n, Group: g}); err != nil {
			t.Fatalf("deliver %s: %v", kind, err)
		}
	}
	deliver(a, group.KindNew, 1)
	deliver(b, group.KindNew, 1) // a redelivery, seen by the other replica
	deliver(a, group.KindRepeat, 2)
	deliver(b, group.KindRepeat, 2)
	deliver(a, group.KindRepeat, 2)
	if n := len(inbox.all()); n != 1 {
		t.Fatalf("%d messages for one new group and its repeats within the cooldown, want 1", n)
	}
	a.flushDigests(ctx)
	if n := len(inbox.all()); n != 1 {
		t.Fatalf("digest sent before the cooldown ended")
	}
	clock = clock.Add(6 * time.Minute)
	a.flushDigests(ctx)
	b.flushDigests(ctx)
	msgs := inbox.all()
	if len(msgs) != 2 {
		t.Fatalf("%d messages after the cooldown, want the announcement and one digest", len(msgs))
	}
	if d := msgs[1].Embeds[0].Description; !strings.HasPrefix(d, "+6 occurrences in the last 6 min") {
		t.Errorf("digest = %q, want +6 occurrences in the last 6 min (3×2 repeats; the redelivered announcement does not count)", d)
	}
	// A resolved group that comes back is announced at once, cooldown or not.
	deliver(b, group.KindRegression, 1)
	if msgs := inbox.all(); len(msgs) != 3 || !strings.HasPrefix(msgs[2].Embeds[0].Title, "Regression in checkout") {
		t.Errorf("regression not announced: %d messages", len(msgs))
	}

	// A muted group never alerts while the mute lasts.
	muted := sampleGroup()
	muted.Fingerprint, muted.Status = "muted-one", group.StatusMuted
	until := clock.Add(time.Hour)
	muted.MutedUntil = &until
	if err := a.deliver(ctx, "oncall", a.channels["oncall"], group.Candidate{Kind: group.KindNew, Occurrences: 1, Group: muted}); err != nil {
		t.Fatal(err)
	}
	if n := len(inbox.all()); n != 3 {
		t.Errorf("a muted group alerted: %d messages", n)
	}
}

// A notifier killed between its claim and the send must not leave the group
// unannounced: after the claim timeout another replica takes over.
func TestDeadClaimIsTakenOver(t *testing.T) {
	js, inbox, hook := stateAndInbox(t)
	clock := time.Now()
	s := replica(t, js, hook.URL, &clock)
	ctx := context.Background()
	g := sampleGroup()
	// The dead replica's claim.
	if err := s.save(ctx, stateKey("oncall", g.Fingerprint), 0, sentState{LastSent: clock.UTC()}); err != nil {
		t.Fatal(err)
	}
	c := group.Candidate{Kind: group.KindNew, Occurrences: 1, Group: g}
	if err := s.deliver(ctx, "oncall", s.channels["oncall"], c); !errors.Is(err, errInFlight) {
		t.Fatalf("fresh claim: %v, want errInFlight (its owner may still be sending)", err)
	}
	clock = clock.Add(claimTimeout + time.Second)
	if err := s.deliver(ctx, "oncall", s.channels["oncall"], c); err != nil {
		t.Fatal(err)
	}
	if n := len(inbox.all()); n != 1 {
		t.Fatalf("%d messages after taking over a dead claim, want 1", n)
	}
	if err := s.deliver(ctx, "oncall", s.channels["oncall"], c); err != nil || len(inbox.all()) != 1 {
		t.Errorf("confirmed announcement sent again: %v, %d messages", err, len(inbox.all()))
	}
}

// discordDigests answers every post with fail, after running during (once)
// as though another replica worked while the post was in flight; it records
// the digest lines it was sent.
type discordDigests struct {
	mu     sync.Mutex
	lines  []string
	fail   func(w http.ResponseWriter)
	during func()
	once   sync.Once
}

func (d *discordDigests) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var m discordMessage
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil || len(m.Embeds) != 1 {
		http.Error(w, "bad body", http.StatusInternalServerError)
		return
	}
	line, _, _ := strings.Cut(m.Embeds[0].Description, "\n")
	d.mu.Lock()
	d.lines = append(d.lines, line)
	d.mu.Unlock()
	if d.during != nil {
		d.once.Do(d.during)
	}
	d.fail(w)
}

func (d *discordDigests) all() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.lines...)
}

// Repeats counted by another replica while a digest was failing go out with
// the next digest, not only the ones the failed digest carried.
func TestFailedDigestKeepsRepeatsCountedMeanwhile(t *testing.T) {
	js, inbox, hook := stateAndInbox(t)
	clock := time.Now()
	a := replica(t, js, hook.URL, &clock)
	b := replica(t, js, hook.URL, &clock)
	ctx := context.Background()
	g := sampleGroup()
	deliver := func(s *Service, kind group.Kind, n int) error {
		return s.deliver(ctx, "oncall", s.channels["oncall"], group.Candidate{Kind: kind, Occurrences: n, Group: g})
	}
	for _, err := range []error{deliver(a, group.KindNew, 1), deliver(a, group.KindRepeat, 2), deliver(a, group.KindRepeat, 3)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	clock = clock.Add(6 * time.Minute)

	down := &discordDigests{
		fail: func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"retry_after": 0.01}`)
		},
		during: func() {
			if err := deliver(b, group.KindRepeat, 4); err != nil {
				t.Errorf("repeat during the digest: %v", err)
			}
		},
	}
	srv := httptest.NewServer(down)
	t.Cleanup(srv.Close)
	// Unlimited, so the retries do not wait for Discord's rate.
	a.channels["oncall"] = &Discord{URL: srv.URL, Client: srv.Client()}
	a.flushDigests(ctx)
	if got := down.all(); len(got) != 5 || got[0] != "+5 occurrences in the last 6 min" {
		t.Fatalf("failing digest attempts = %q, want 5 of +5", got)
	}

	b.flushDigests(ctx)
	msgs := inbox.all()
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want the announcement and one digest", len(msgs))
	}
	if d := msgs[1].Embeds[0].Description; !strings.HasPrefix(d, "+9 occurrences in the last 6 min") {
		t.Errorf("digest = %q, want +9 (5 from the failed digest, 4 counted during it)", d)
	}
}

// A digest the provider refuses would be refused at every flush: it is sent
// once and dropped.
func TestRefusedDigestIsDropped(t *testing.T) {
	js, _, _ := stateAndInbox(t)
	refusing := &discordDigests{fail: func(w http.ResponseWriter) {
		http.Error(w, `{"message": "Unknown Webhook", "code": 10015}`, http.StatusNotFound)
	}}
	srv := httptest.NewServer(refusing)
	t.Cleanup(srv.Close)
	clock := time.Now()
	s := replica(t, js, srv.URL, &clock)
	ctx := context.Background()
	g := sampleGroup()
	key := stateKey("oncall", g.Fingerprint)
	if err := s.save(ctx, key, 0, sentState{LastSent: clock.UTC(), Confirmed: true, Pending: 3, Group: &g}); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(6 * time.Minute)
	s.flushDigests(ctx)
	clock = clock.Add(6 * time.Minute)
	s.flushDigests(ctx)
	if got := refusing.all(); len(got) != 1 || got[0] != "+3 occurrences in the last 6 min" {
		t.Errorf("refused digest sent %q, want +3 once", got)
	}
}

// deadlineProbe records the deadline its send was given.
type deadlineProbe struct {
	deadline time.Time
	ok       bool
}

func (p *deadlineProbe) Notify(ctx context.Context, _ Alert) (bool, error) {
	p.deadline, p.ok = ctx.Deadline()
	return false, nil
}

// A live notifier must be done with its claim before another may take it
// over, however long a provider asks it to wait.
func TestDeliverSendEndsBeforeClaimTimeout(t *testing.T) {
	js, _, hook := stateAndInbox(t)
	clock := time.Now()
	s := replica(t, js, hook.URL, &clock)
	probe := &deadlineProbe{}
	if err := s.deliver(context.Background(), "oncall", probe, group.Candidate{Kind: group.KindNew, Occurrences: 1, Group: sampleGroup()}); err != nil {
		t.Fatal(err)
	}
	if left := time.Until(probe.deadline); !probe.ok || left > deliverBudget || deliverBudget >= claimTimeout {
		t.Errorf("send deadline in %v (set: %v), budget %v, claim timeout %v", left, probe.ok, deliverBudget, claimTimeout)
	}
}

// The groups CLI (replicas 0) takes the state bucket as the notifiers made
// it; a notifier (replicas set) brings it to its configuration.
func TestStateBucketKeptByTheCLI(t *testing.T) {
	_, _, js := testenv.JetStream(t)
	ctx := context.Background()
	if _, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: StateBucket, History: 1, Description: "made by the notifiers"}); err != nil {
		t.Fatal(err)
	}
	description := func() string {
		kv, err := js.KeyValue(ctx, StateBucket)
		if err != nil {
			t.Fatal(err)
		}
		st, err := kv.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return st.(*jetstream.KeyValueBucketStatus).StreamInfo().Config.Description
	}
	if _, err := NewService(ctx, js, zerolog.Nop(), config.File{}, nil, nil); err != nil {
		t.Fatal(err)
	}
	if d := description(); d != "made by the notifiers" {
		t.Errorf("the CLI's service changed the bucket (description now %q)", d)
	}
	if _, err := NewService(ctx, js, zerolog.Nop(), config.File{Notify: config.Notify{Replicas: 1}}, nil, nil); err != nil {
		t.Fatal(err)
	}
	if d := description(); d != "" {
		t.Errorf("a notifier with replicas set did not bring the bucket to its configuration (description %q)", d)
	}
}
