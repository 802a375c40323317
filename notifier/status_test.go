package notifier

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/faultline/faultline/internal/config"
	"github.com/faultline/faultline/internal/group"
	"github.com/faultline/faultline/internal/testenv"
)

// The status says per channel what the real sends did: the provider that
// took the message, the one that answered 429 first (a rate-limit wait,
// then the send), the one that fails with its answer and no webhook token;
// and the state bucket's claims and mutes as KV holds them.
func TestStatusReportsSendsFailuresWaitsAndState(t *testing.T) {
	_, _, js := testenv.JetStream(t)
	ok := httptest.NewServer(&discordInbox{})
	t.Cleanup(ok.Close)
	var calls atomic.Int32
	limitedOnce := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "0.05")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(limitedOnce.Close)
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "unknown webhook", http.StatusNotFound)
	}))
	t.Cleanup(broken.Close)
	const token = "secret-webhook-token-1234"
	f := config.File{Channels: []config.Channel{
		{Name: "oncall", Type: "discord", URL: ok.URL + "/api/webhooks/1/" + token},
		{Name: "busy", Type: "slack", URL: limitedOnce.URL + "/services/T0/B0/" + token},
		{Name: "gone", Type: "webhook", URL: broken.URL + "/hook/" + token},
	}}
	s, err := NewService(context.Background(), js, zerolog.Nop(), f, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	before := s.Status(ctx)
	if len(before.Channels) != 3 || !before.State.Reachable || before.State.Entries != 0 {
		t.Fatalf("status before any send: %+v", before)
	}
	for _, c := range before.Channels {
		if !c.LastSend.IsZero() || c.Sent+c.Failures+c.RateLimitWaits != 0 {
			t.Errorf("channel %s before any send: %+v", c.Name, c)
		}
	}
	start := time.Now().UTC()
	g := sampleGroup()
	for _, ch := range []string{"oncall", "busy", "gone"} {
		// The real path of an announcement: claim, send, confirm or release.
		_ = s.deliver(ctx, ch, s.channels[ch], group.Candidate{Kind: group.KindNew, Occurrences: 1, Group: g})
	}
	if err := (&Mutes{kv: s.state}).SetMute(ctx, "muted-fp", true, nil); err != nil {
		t.Fatal(err)
	}
	// A claim left unconfirmed, as by a send in flight.
	if err := s.save(ctx, stateKey("oncall", "in-flight"), 0, sentState{LastSent: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	st := s.Status(ctx)
	byName := map[string]ChannelStatus{}
	for _, c := range st.Channels {
		byName[c.Name] = c
	}
	if c := byName["oncall"]; c.Type != "discord" || c.Sent != 1 || c.LastKind != group.KindNew || c.LastSend.Before(start) || c.Failures != 0 {
		t.Errorf("oncall: %+v, want one new-group send", c)
	}
	if c := byName["busy"]; c.Type != "slack" || c.Sent != 1 || c.Failures != 1 || c.RateLimitWaits != 2 || c.LastWait <= 0 || c.LastWaitAt.Before(start) || !strings.Contains(c.LastError, "429") {
		t.Errorf("busy: %+v, want a 429 (a failed attempt, a wait) then a send after Slack's own limit (a second wait)", c)
	}
	c := byName["gone"]
	if c.Type != "webhook" || c.Sent != 0 || c.Failures != 1 || !strings.Contains(c.LastError, "404") || c.LastFailure.Before(start) {
		t.Errorf("gone: %+v, want one refused attempt with its status", c)
	}
	for _, c := range st.Channels {
		if strings.Contains(c.LastError, token) {
			t.Errorf("channel %s: error %q shows the webhook token", c.Name, c.LastError)
		}
	}
	// oncall's and busy's confirmed sends, the released claim of gone
	// (deleted), the in-flight claim and the mute.
	if s := st.State; !s.Reachable || s.Claims != 1 || s.Muted != 1 || s.Entries != 4 {
		t.Errorf("state: %+v, want reachable, 4 entries, 1 claim, 1 mute", s)
	}
}

// A notifier whose bucket never opened says why instead of blocking.
func TestStatusWithoutState(t *testing.T) {
	_, _, js := testenv.JetStream(t)
	s, err := Prepare(js, zerolog.Nop(), config.File{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	st := s.Status(context.Background())
	if st.State.Reachable || st.State.Error == "" || len(st.Channels) != 0 {
		t.Errorf("status before Run: %+v", st)
	}
}
