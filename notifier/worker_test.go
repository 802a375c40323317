package notifier

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/config"
	"github.com/faultline/faultline/internal/group"
	"github.com/faultline/faultline/internal/testenv"
)

// channelConsumer is the durable consumer of a channel's worker, once Run
// has created it.
func channelConsumer(t *testing.T, js jetstream.JetStream, channel string) jetstream.Consumer {
	t.Helper()
	var c jetstream.Consumer
	testenv.Eventually(t, "the consumer of channel "+channel, 5*time.Second, func() bool {
		var err error
		c, err = js.Consumer(context.Background(), broker.AlertsStream, "notifier-channel-"+channel)
		return err == nil
	})
	return c
}

func consumerInfo(t *testing.T, c jetstream.Consumer) *jetstream.ConsumerInfo {
	t.Helper()
	info, err := c.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// An alert the provider refuses (Slack's 400) would be refused again: it is
// sent once and its message is terminated, not redelivered forever.
func TestRefusedAlertIsNotRedelivered(t *testing.T) {
	slack, slackURL := testenv.NewInbox(t)
	slack.Script(testenv.Answer{Status: http.StatusBadRequest, Body: "invalid_blocks\n"})
	// Only the one answer is scripted: a second request would be accepted,
	// and the count below would show it.
	received := func() []string {
		var titles []string
		for _, r := range slack.Requests() {
			var m slackMessage
			if err := json.Unmarshal(r.Body, &m); err != nil || len(m.Blocks) == 0 || m.Blocks[0].Text == nil {
				t.Errorf("slack body: %+v, %v", m, err)
				continue
			}
			titles = append(titles, m.Blocks[0].Text.Text)
		}
		return titles
	}
	f := config.File{Channels: []config.Channel{{Name: "team", Type: "slack", URL: slackURL + "/services/T0/B0/secret"}}, Notify: config0()}
	js, _ := runService(t, f, nil, nil)
	publish(t, js, newCandidate("billing", 1, 1))

	cons := channelConsumer(t, js, "team")
	var info *jetstream.ConsumerInfo
	if !testenv.Within(5*time.Second, func() bool {
		info = consumerInfo(t, cons)
		return len(received()) > 0 && info.NumAckPending == 0 && info.NumPending == 0
	}) {
		t.Fatalf("refused alert still pending: %d received, %d unacked, %d redelivered", len(received()), info.NumAckPending, info.NumRedelivered)
	}
	time.Sleep(300 * time.Millisecond)
	got := received()
	if len(got) != 1 || !strings.HasPrefix(got[0], "New error in billing: Bug1: boom") {
		t.Errorf("slack received %q, want the announcement once", got)
	}
	if info := consumerInfo(t, cons); info.NumAckPending != 0 || info.NumRedelivered != 0 {
		t.Errorf("after the refusal: %d unacked, %d redelivered", info.NumAckPending, info.NumRedelivered)
	}
}

// throttleOnce is a Discord webhook that answers the first message
// containing match with a 429 asking for retryAfter seconds, and delivers
// the rest to inbox. The flag tells whether the 429 was given.
func throttleOnce(t *testing.T, inbox *discordInbox, match string, retryAfter float64) (*httptest.Server, *atomic.Bool) {
	var throttled atomic.Bool
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if strings.Contains(string(body), match) && throttled.CompareAndSwap(false, true) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprintf(w, `{"message": "You are being rate limited.", "retry_after": %g, "global": false}`, retryAfter)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		inbox.ServeHTTP(w, r)
	}))
	t.Cleanup(hook.Close)
	return hook, &throttled
}

// Messages held for a storm summary stay with this replica while the
// summary's send waits out a Retry-After longer than AckWait: redelivered,
// another replica could announce them on their own on top of the summary.
func TestHeldStormMessagesOutlastAckWait(t *testing.T) {
	const ackWait = time.Second
	inbox := newDiscordInbox()
	hook, summaryRefused := throttleOnce(t, inbox, "new error groups within", 2.5)
	notify := config0()
	notify.Storm = config.Storm{Threshold: 3, Window: config.Duration{Duration: time.Second}, Top: 5}
	f := config.File{Channels: []config.Channel{{Name: "oncall", Type: "discord", URL: hook.URL}}, Notify: notify}
	js, _ := runService(t, f, nil, func(s *Service) { s.ackWait = ackWait })
	for i := 0; i < 6; i++ {
		publish(t, js, newCandidate("storm", i, int64(i+1)))
	}

	cons := channelConsumer(t, js, "oncall")
	testenv.Within(10*time.Second, func() bool {
		if info := consumerInfo(t, cons); info.NumRedelivered != 0 {
			t.Fatalf("%d held messages redelivered while the summary waited", info.NumRedelivered)
		}
		return len(inbox.all()) >= 4
	})
	if !summaryRefused.Load() {
		t.Fatal("the summary was never rate limited")
	}
	msgs := waitMessages(t, inbox, 4, time.Second)
	if summary := msgs[3].Embeds[0]; !strings.Contains(summary.Title, "3 new error groups") {
		t.Errorf("message 4 = %q, want the storm summary", summary.Title)
	}
	testenv.Eventually(t, "held messages acked after the summary", 2*time.Second, func() bool { return consumerInfo(t, cons).NumAckPending == 0 })
	time.Sleep(2 * ackWait)
	if n := len(inbox.all()); n != 4 {
		t.Errorf("%d messages, want 3 announcements and the summary", n)
	}
}

// A notifier shutting down does not wait out a provider's Retry-After: the
// rate-limited announcement goes back to the stream at once, and the next
// replica sends it.
func TestShutdownDoesNotWaitForARetry(t *testing.T) {
	var requests atomic.Int32
	var limited atomic.Bool
	limited.Store(true)
	inbox := newDiscordInbox()
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if limited.Load() {
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		inbox.ServeHTTP(w, r)
	}))
	t.Cleanup(hook.Close)
	_, _, js := testenv.JetStream(t)
	f := config.File{Channels: []config.Channel{{Name: "oncall", Type: "discord", URL: hook.URL}}, Notify: config0()}
	_, stop := startService(t, js, f, nil, nil)
	publish(t, js, newCandidate("billing", 1, 1))
	testenv.Eventually(t, "the announcement to reach the provider", 5*time.Second, func() bool { return requests.Load() != 0 })
	stop()
	if n := requests.Load(); n != 1 {
		t.Errorf("%d requests by the time the notifier stopped, want the one made before", n)
	}

	limited.Store(false)
	startService(t, js, f, nil, nil)
	// Within the 30 s a failed send is put back for: the stopping replica
	// handed it back for now.
	msgs := waitMessages(t, inbox, 1, 10*time.Second)
	if len(msgs) != 1 || len(msgs[0].Embeds) == 0 || !strings.Contains(msgs[0].Embeds[0].Title, "billing") {
		t.Errorf("the next replica sent %+v, want the announcement", msgs)
	}
}

// blockingNotifier holds its first attempt until released and answers 429.
type blockingNotifier struct {
	entered, release chan struct{}
	calls            atomic.Int32
	cut              atomic.Bool
}

func (b *blockingNotifier) Notify(ctx context.Context, _ Alert) (bool, error) {
	if b.calls.Add(1) == 1 {
		close(b.entered)
	}
	select {
	case <-ctx.Done():
		b.cut.Store(true)
		return true, ctx.Err()
	case <-b.release:
	}
	return true, &RetryAfterError{After: time.Hour, Err: errors.New("rate limited (429)")}
}

// Stopping ends the retries but not the request on the wire: cut off, a
// message the provider was taking would count as failed and go out twice.
func TestStoppingLetsTheAttemptFinish(t *testing.T) {
	s := &Service{stopping: make(chan struct{})}
	n := &blockingNotifier{entered: make(chan struct{}), release: make(chan struct{})}
	done := make(chan error, 1)
	go func() { done <- s.send(context.Background(), n, Alert{}, 5) }()
	<-n.entered
	close(s.stopping)
	// Room for a cancellation, if stopping caused one, to reach the attempt.
	time.Sleep(100 * time.Millisecond)
	close(n.release)
	err := <-done
	if n.cut.Load() {
		t.Error("stopping cancelled the attempt under way")
	}
	if c := n.calls.Load(); c != 1 || !errors.Is(err, errStopping) {
		t.Errorf("%d attempts, error %v: want one attempt and no wait for the retry", c, err)
	}
}

// While a send waits on a provider's Retry-After, the candidates behind it
// must not outstay AckWait in a prefetch buffer: redelivered, each repeat
// would be counted twice and the digest would overstate the occurrences.
func TestSlowSendDoesNotCountRepeatsTwice(t *testing.T) {
	const ackWait = time.Second
	inbox := newDiscordInbox()
	hook, throttled := throttleOnce(t, inbox, "slow", 3)
	notify := config0()
	notify.Cooldown = config.Duration{Duration: 6 * time.Second}
	f := config.File{Channels: []config.Channel{{Name: "oncall", Type: "discord", URL: hook.URL}}, Notify: notify}
	js, _ := runService(t, f, nil, func(s *Service) { s.ackWait = ackWait })

	publish(t, js, newCandidate("billing", 1, 1))
	waitMessages(t, inbox, 1, 5*time.Second)
	publish(t, js, newCandidate("slow", 2, 1))
	const repeats = 10
	for i := 0; i < repeats; i++ {
		rep := newCandidate("billing", 1, int64(2+i))
		rep.Kind = group.KindRepeat
		publish(t, js, rep)
	}
	// The announcement of "slow" after its Retry-After, then the digest of
	// the repeats once the cooldown has passed.
	msgs := waitMessages(t, inbox, 3, 20*time.Second)
	digest := regexp.MustCompile(`\+(\d+) occurrences`)
	total := 0
	for _, m := range msgs {
		for _, e := range m.Embeds {
			if d := digest.FindStringSubmatch(e.Description); d != nil {
				n, _ := strconv.Atoi(d[1])
				total += n
			}
		}
	}
	if !throttled.Load() || total != repeats {
		t.Errorf("digests count %d occurrences, want %d (throttled: %v); messages %+v", total, repeats, throttled.Load(), msgs)
	}
}

// A storm holds its groups' claims for its whole window, longer than the
// claim timeout. They are renewed meanwhile, so another replica does not
// take them for a dead notifier's and send an escalation of the group
// before the summary has announced it.
func TestStormClaimsOutlastTheClaimTimeout(t *testing.T) {
	start := time.Now()
	var elapsed atomic.Int64
	now := func() time.Time { return start.Add(time.Duration(elapsed.Load())) }
	inbox := newDiscordInbox()
	hook := httptest.NewServer(inbox)
	t.Cleanup(hook.Close)
	notify := config0()
	notify.Storm = config.Storm{Threshold: 1, Window: config.Duration{Duration: 10 * time.Minute}, Top: 5}
	f := config.File{Channels: []config.Channel{{Name: "oncall", Type: "discord", URL: hook.URL}}, Notify: notify}
	js, s := runService(t, f, nil, func(s *Service) { s.now = now })
	ctx := context.Background()

	publish(t, js, newCandidate("storm", 1, 1))
	waitMessages(t, inbox, 1, 5*time.Second)
	held := newCandidate("storm", 2, 2)
	publish(t, js, held)
	key := stateKey("oncall", held.Group.Fingerprint)
	claimAt := func() time.Time {
		st, rev, err := s.claims().read(ctx, key)
		if err != nil || rev == 0 {
			return time.Time{}
		}
		return st.LastSent
	}
	testenv.Eventually(t, "the storm to claim the second group", 5*time.Second, func() bool { return !claimAt().IsZero() })
	elapsed.Store(int64(claimTimeout + time.Second))
	if !testenv.Within(5*time.Second, func() bool { return !claimAt().Before(now().Add(-time.Second)) }) {
		t.Fatalf("claim made at %v not renewed by %v", claimAt(), now())
	}
	clock := now()
	other := replica(t, js, hook.URL, &clock)
	escalation := group.Candidate{Kind: group.KindThreshold, Occurrences: 1, Group: held.Group}
	if err := other.deliver(ctx, "oncall", other.channels["oncall"], escalation); !errors.Is(err, errInFlight) {
		t.Errorf("another replica's escalation during the storm: %v, want errInFlight", err)
	}
	if n := len(inbox.all()); n != 1 {
		t.Errorf("%d messages during the storm, want the first announcement alone", n)
	}
}

// An acknowledgement that cannot reach NATS is logged, not dropped: the
// message will come back, and the log says why an alert may repeat.
func TestLostAcknowledgementIsLogged(t *testing.T) {
	ns := testenv.NATS(t)
	nc, err := broker.Connect(ns.ClientURL(), "ack-test")
	if err != nil {
		t.Fatal(err)
	}
	js, _ := jetstream.New(nc)
	ctx := context.Background()
	if err := broker.EnsureStreams(ctx, js, 1); err != nil {
		t.Fatal(err)
	}
	// A route that sends this service nowhere: the worker acks at once.
	f := config.File{Channels: []config.Channel{{Name: "oncall", Type: "discord", URL: "http://127.0.0.1:1"}},
		Routes: []config.Route{{Match: map[string]string{"service": "elsewhere"}, Channels: []string{"oncall"}}}}
	var logs testenv.Buffer
	s, err := Prepare(js, zerolog.New(&logs), f, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	publish(t, js, newCandidate("unrouted", 1, 1))
	cons, err := js.CreateOrUpdateConsumer(ctx, broker.AlertsStream, jetstream.ConsumerConfig{Durable: "ack-test", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	m, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	nc.Close()
	w := &worker{s: s, name: "oncall", n: s.channels["oncall"]}
	w.handle(ctx, m)
	out := logs.String()
	if !strings.Contains(out, `"reply":"ack"`) || !strings.Contains(out, `"fingerprint":"unrouted-1"`) || !strings.Contains(out, "will be redelivered") {
		t.Errorf("log = %s, want the lost ack named", out)
	}
}
