package notifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/config"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/group"
	"github.com/faultline/faultline/internal/testenv"
)

// running starts a notifier on a fresh JetStream with one Discord channel.
func running(t *testing.T, notify config.Notify, probes map[string]Probe) (jetstream.JetStream, *discordInbox, *Service) {
	t.Helper()
	inbox := newDiscordInbox()
	hook := httptest.NewServer(inbox)
	t.Cleanup(hook.Close)
	f := config.File{Channels: []config.Channel{{Name: "oncall", Type: "discord", URL: hook.URL}}, Notify: notify}
	js, s := runService(t, f, probes, nil)
	return js, inbox, s
}

// runService starts a notifier for f on a fresh JetStream; tune, when not
// nil, adjusts the service before it runs.
func runService(t *testing.T, f config.File, probes map[string]Probe, tune func(*Service)) (jetstream.JetStream, *Service) {
	t.Helper()
	ns := testenv.NATS(t)
	nc, err := broker.Connect(ns.ClientURL(), "notifier-test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)
	if err := broker.EnsureStreams(context.Background(), js, 1); err != nil {
		t.Fatal(err)
	}
	s, _ := startService(t, js, f, probes, tune)
	return js, s
}

// startService runs a notifier on js until stop, or until the test ends.
func startService(t *testing.T, js jetstream.JetStream, f config.File, probes map[string]Probe, tune func(*Service)) (s *Service, stop func()) {
	t.Helper()
	s, err := NewService(context.Background(), js, zerolog.Nop(), f, probes, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.flushEvery = 100 * time.Millisecond
	s.activityEvery = 0
	if tune != nil {
		tune(s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	stop = sync.OnceFunc(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("notifier: %v", err)
		}
	})
	t.Cleanup(stop)
	return s, stop
}

func publish(t *testing.T, js jetstream.JetStream, c group.Candidate) {
	t.Helper()
	data, _ := json.Marshal(c)
	if _, err := js.Publish(context.Background(), broker.AlertsSubject, data); err != nil {
		t.Fatal(err)
	}
}

func newCandidate(service string, i int, count int64) group.Candidate {
	now := time.Now().UTC()
	return group.Candidate{Kind: group.KindNew, Occurrences: 1, At: now, Group: group.Group{
		Fingerprint: fmt.Sprintf("%s-%d", service, i), Title: fmt.Sprintf("Bug%d: boom", i), Service: event.Service{Name: service},
		Log: event.Log{Level: "ERROR"}, Count: count, FirstSeen: now, LastSeen: now, Status: group.StatusOpen,
	}}
}

func waitMessages(t *testing.T, inbox *discordInbox, n int, within time.Duration) []discordMessage {
	t.Helper()
	testenv.Within(within, func() bool { return len(inbox.all()) >= n })
	msgs := inbox.all()
	if len(msgs) != n {
		t.Fatalf("%d messages, want %d", len(msgs), n)
	}
	return msgs
}

func TestStormCollapsesIntoOneSummary(t *testing.T) {
	notify := config.File{}.WithDefaults().Notify
	notify.Storm = config.Storm{Threshold: 3, Window: config.Duration{Duration: time.Second}, Top: 5}
	js, inbox, _ := running(t, notify, nil)
	for i := 0; i < 12; i++ {
		publish(t, js, newCandidate("storm", i, int64(i+1)))
	}
	msgs := waitMessages(t, inbox, 4, 5*time.Second)
	for i := 0; i < 3; i++ {
		if !strings.HasPrefix(msgs[i].Embeds[0].Title, "New error in storm") {
			t.Errorf("message %d = %q, want an announcement", i, msgs[i].Embeds[0].Title)
		}
	}
	summary := msgs[3].Embeds[0]
	want := "12× storm: Bug11: boom\n11× storm: Bug10: boom\n10× storm: Bug9: boom\n9× storm: Bug8: boom\n8× storm: Bug7: boom\n7× storm: Bug6: boom\n6× storm: Bug5: boom\n5× storm: Bug4: boom\n4× storm: Bug3: boom"
	if summary.Title != "Error storm: 9 new error groups within 1 s" || summary.Description != want {
		t.Errorf("storm summary = %q / %q", summary.Title, summary.Description)
	}
	// The summary counts as their announcement: a redelivery stays quiet.
	publish(t, js, newCandidate("storm", 7, 8))
	time.Sleep(500 * time.Millisecond)
	if n := len(inbox.all()); n != 4 {
		t.Errorf("%d messages after a storm group was redelivered", n)
	}
}

func TestFlatlineAndRecovery(t *testing.T) {
	notify := config.File{}.WithDefaults().Notify
	notify.FlatlineAfter = config.Duration{Duration: 700 * time.Millisecond}
	notify.CheckInterval = config.Duration{Duration: 100 * time.Millisecond}
	notify.MinLevel = "FATAL" // only the flatline alerts, not the events themselves
	js, inbox, _ := running(t, notify, nil)
	publish(t, js, newCandidate("payments", 1, 1))
	msgs := waitMessages(t, inbox, 1, 5*time.Second)
	if e := msgs[0].Embeds[0]; !strings.HasPrefix(e.Title, "Gone quiet in payments: payments has sent nothing") {
		t.Errorf("flatline = %q", e.Title)
	}
	time.Sleep(500 * time.Millisecond)
	if n := len(inbox.all()); n != 1 {
		t.Fatalf("flatline alerted %d times, want once", n)
	}
	publish(t, js, newCandidate("payments", 2, 1))
	msgs = waitMessages(t, inbox, 2, 5*time.Second)
	if e := msgs[1].Embeds[0]; !strings.HasPrefix(e.Title, "Recovered in payments") {
		t.Errorf("recovery = %q", e.Title)
	}
}

func TestPipelineProbeAlertsOnChange(t *testing.T) {
	var failing atomic.Bool
	failing.Store(true)
	probe := func(context.Context) error {
		if failing.Load() {
			// What go-elasticsearch reports for a node that is down.
			return errors.New(`elasticsearch unreachable: Get "http://elastic:pw-secret@es-1.internal:9200/_cluster/health": dial tcp 10.1.2.3:9200: connect: connection refused`)
		}
		return nil
	}
	notify := config.File{}.WithDefaults().Notify
	notify.CheckInterval = config.Duration{Duration: 100 * time.Millisecond}
	_, inbox, _ := running(t, notify, map[string]Probe{"elasticsearch": probe})
	msgs := waitMessages(t, inbox, 1, 5*time.Second)
	// The chat message says what failed, never where or with what password.
	if e := msgs[0].Embeds[0]; e.Title != `Pipeline trouble in faultline: elasticsearch: elasticsearch unreachable: Get "(url)": dial tcp (address): connect: connection refused` {
		t.Errorf("pipeline alert = %q", e.Title)
	}
	time.Sleep(400 * time.Millisecond)
	if n := len(inbox.all()); n != 1 {
		t.Fatalf("a lasting failure alerted %d times", n)
	}
	failing.Store(false)
	msgs = waitMessages(t, inbox, 2, 5*time.Second)
	if e := msgs[1].Embeds[0]; !strings.Contains(e.Title, "elasticsearch is healthy again") {
		t.Errorf("recovery = %q", e.Title)
	}
}

func config0() config.Notify { return config.File{}.WithDefaults().Notify }
