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

type discordInbox struct {
	mu   sync.Mutex
	msgs []discordMessage
}

func (d *discordInbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var m discordMessage
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &m); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	d.mu.Lock()
	d.msgs = append(d.msgs, m)
	d.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (d *discordInbox) all() []discordMessage {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]discordMessage(nil), d.msgs...)
}

// replica builds a notifier sharing the KV state of js, as a second replica
// or a restarted process would.
func replica(t *testing.T, js jetstream.JetStream, hook string, clock *time.Time) *Service {
	t.Helper()
	f := config.File{Channels: []config.Channel{{Name: "oncall", Type: "discord", URL: hook}}, Notify: config.Notify{Cooldown: config.Duration{Duration: 5 * time.Minute}}}
	s, err := NewService(context.Background(), js, zerolog.Nop(), f, nil)
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
	inbox := &discordInbox{}
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
