package processor

import (
	"context"
	"fmt"
	"github.com/faultline/faultline/grouping"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/config"
	"github.com/faultline/faultline/internal/elastic"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/group"
	"github.com/faultline/faultline/internal/testenv"
)

// alertEvents makes events of one new group of a service of its own.
func alertEvents(prefix string) (fp string, mk func(i int) *event.Event) {
	service := fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano())
	mk = func(i int) *event.Event {
		return &event.Event{Timestamp: time.Now().UTC(), Message: "Charge failed", Log: event.Log{Level: "ERROR", Logger: "com.acme.Billing"},
			Service: event.Service{Name: service}, Event: event.Meta{ID: fmt.Sprintf("%s-%d", service, i)},
			Faultline: event.Faultline{MessageTemplate: "Charge {} failed"}}
	}
	return grouping.NewFingerprinter().Compute(mk(0)).Fingerprint, mk
}

// unacked is how many events the processor holds without having acked them.
func unacked(t *testing.T, js jetstream.JetStream) uint64 {
	t.Helper()
	c, err := js.Consumer(context.Background(), broker.EventsStream, ConsumerName)
	if err != nil {
		return 0
	}
	info, err := c.Info(context.Background())
	if err != nil {
		return 0
	}
	return uint64(info.NumAckPending) + info.NumPending
}

// breakAlerts deletes the alerts stream, so every candidate publish fails
// (no stream answers on the subject) until fixAlerts creates it again.
func breakAlerts(t *testing.T, js jetstream.JetStream) {
	t.Helper()
	if err := js.DeleteStream(context.Background(), broker.AlertsStream); err != nil {
		t.Fatal(err)
	}
}

func fixAlerts(t *testing.T, js jetstream.JetStream) {
	t.Helper()
	if err := broker.EnsureStreams(context.Background(), js, 1); err != nil {
		t.Fatal(err)
	}
}

// count of kind among fp's candidates.
func countKind(t *testing.T, js jetstream.JetStream, fp string, kind group.Kind) int {
	t.Helper()
	n := 0
	for _, k := range candidateKinds(t, js, fp) {
		if k == kind {
			n++
		}
	}
	return n
}

// settle waits until the events are acked and the recounts their
// redeliveries asked for are done (testConfig's Settle plus a bucket).
func settle(t *testing.T, js jetstream.JetStream) {
	t.Helper()
	testenv.Eventually(t, "every event acked", 30*time.Second, func() bool { return unacked(t, js) == 0 })
	time.Sleep(testConfig().Tally.Settle + 2*time.Second)
}

// heldThenAnnouncedOnce checks that, while the alerts stream is missing, the
// events that raised an alert are held unacked; and that once it is back the
// alert arrives, once, and the redeliveries leave fp's count as it was.
func heldThenAnnouncedOnce(t *testing.T, js jetstream.JetStream, store *stores, fp string, kind group.Kind, held uint64, count int64) {
	t.Helper()
	// Redeliveries come and go while the stream is missing.
	time.Sleep(3 * time.Second)
	if n := unacked(t, js); n != held {
		t.Fatalf("%d events held unacked while their %s alert is unpublished, want %d", n, kind, held)
	}
	fixAlerts(t, js)
	testenv.Eventually(t, "the "+string(kind)+" alert", 30*time.Second, func() bool { return countKind(t, js, fp, kind) > 0 })
	settle(t, js)
	if n := countKind(t, js, fp, kind); n != 1 {
		t.Errorf("%s alert published %d times, want once", kind, n)
	}
	if n := groupCount(store, fp); n != count {
		t.Errorf("count = %d after the redeliveries, want %d", n, count)
	}
}

// While the alerts stream cannot take candidates, the events whose group
// update raised them are not acked; once it can, the new group and then a
// regression each arrive exactly once, and the counts are not doubled by
// the redeliveries.
func TestAlertsSurviveFailedCandidatePublishing(t *testing.T) {
	js := startProcessor(t)
	store := testStore(t)
	ctx := context.Background()
	fp, mk := alertEvents("alertfail")

	breakAlerts(t, js)
	publishEvents(t, js, mk(0), mk(1), mk(2))
	testenv.Eventually(t, "the group written with 3 events", 30*time.Second, func() bool { return groupCount(store, fp) == 3 })
	heldThenAnnouncedOnce(t, js, store, fp, group.KindNew, 3, 3)

	// A regression: the update that raised it happened, so its events come
	// back as duplicates, which add nothing to the group.
	if _, err := store.SetStatus(ctx, fp, group.StatusChange{Action: "resolve", By: "test", At: time.Now()}, nil); err != nil {
		t.Fatal(err)
	}
	breakAlerts(t, js)
	publishEvents(t, js, mk(3), mk(4))
	testenv.Eventually(t, "the group reopened with 5 events", 30*time.Second, func() bool {
		g, err := store.getGroups(ctx, []Delta{{Fingerprint: fp}})
		return err == nil && g[fp].Status == group.StatusOpen && g[fp].Count == 5
	})
	heldThenAnnouncedOnce(t, js, store, fp, group.KindRegression, 2, 5)
}

// A threshold crossing raised while the alerts stream is missing arrives
// once it is back, once.
func TestThresholdSurvivesFailedCandidatePublishing(t *testing.T) {
	_, _, js := testenv.JetStream(t)
	cfg := testConfig()
	cfg.Grouping.Threshold = config.Threshold{Count: 3, Window: config.Duration{Duration: time.Minute}}
	runProcessorWith(t, js, testenv.ElasticsearchURL(t), cfg)
	store := testStore(t)
	fp, mk := alertEvents("alertthreshold")
	publishEvents(t, js, mk(0))
	testenv.Eventually(t, "the group created", 30*time.Second, func() bool { return groupCount(store, fp) == 1 })
	// The first event's new-group candidate is published before its ack:
	// break the stream only after both, or that event is held as well.
	testenv.Eventually(t, "the first event acknowledged", 30*time.Second, func() bool { return unacked(t, js) == 0 })
	breakAlerts(t, js)
	publishEvents(t, js, mk(1), mk(2))
	testenv.Eventually(t, "the group written with 3 events", 30*time.Second, func() bool { return groupCount(store, fp) == 3 })
	heldThenAnnouncedOnce(t, js, store, fp, group.KindThreshold, 2, 3)
}

// A processor that stops with its candidates unpublished loses them from
// memory; the replica that gets the redelivered events, all duplicates,
// publishes the escalation their group recorded.
func TestAlertRaisedBeforeAStopIsPublishedByTheRedelivery(t *testing.T) {
	_, _, js := testenv.JetStream(t)
	esURL := testenv.ElasticsearchURL(t)
	store := testStore(t)
	fp, mk := alertEvents("alertstop")

	es, err := elastic.NewClient([]string{esURL})
	if err != nil {
		t.Fatal(err)
	}
	first := New(js, es, zerolog.Nop(), testConfig())
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- first.Run(ctx) }()

	breakAlerts(t, js)
	publishEvents(t, js, mk(0), mk(1))
	testenv.Eventually(t, "the group written with 2 events", 30*time.Second, func() bool { return groupCount(store, fp) == 2 })
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := unacked(t, js); n != 2 {
		t.Fatalf("%d events left unacked by the stopped processor, want 2", n)
	}

	fixAlerts(t, js)
	runProcessor(t, js, esURL)
	testenv.Eventually(t, "the new group announced", 30*time.Second, func() bool { return countKind(t, js, fp, group.KindNew) > 0 })
	settle(t, js)
	if kinds := candidateKinds(t, js, fp); !slices.Equal(kinds, []group.Kind{group.KindNew}) {
		t.Errorf("candidates = %v, want one new", kinds)
	}
	if n := groupCount(store, fp); n != 2 {
		t.Errorf("count = %d after the redelivery, want 2", n)
	}
}

// A regression whose group update failed: the events were stored, so their
// redelivery finds duplicates, and the group, still resolved although they
// were stored after it was resolved, is reopened then, and announced once.
func TestRegressionOfAFailedGroupUpdateIsRaisedByTheRedelivery(t *testing.T) {
	x := newESInterceptor(t)
	js, _ := startProcessorVia(t, x.URL)
	store := testStore(t)
	ctx := context.Background()
	fp, mk := alertEvents("missedregression")
	publishEvents(t, js, mk(0))
	testenv.Eventually(t, "the group created", 30*time.Second, func() bool { return groupCount(store, fp) == 1 })
	if _, err := store.SetStatus(ctx, fp, group.StatusChange{Action: "resolve", By: "test", At: time.Now()}, nil); err != nil {
		t.Fatal(err)
	}
	rejected := x.rejectGroupUpdates()
	publishEvents(t, js, mk(1), mk(2))
	testenv.Eventually(t, "a group update rejected", 30*time.Second, func() bool { return rejected.Load() > 0 })
	x.set(nil, nil)
	testenv.Eventually(t, "the regression announced", 30*time.Second, func() bool { return countKind(t, js, fp, group.KindRegression) > 0 })
	settle(t, js)
	if n := countKind(t, js, fp, group.KindRegression); n != 1 {
		t.Errorf("regression announced %d times, want once", n)
	}
	// The redelivery's recount runs once its events are settled, which a
	// busy node can delay past settle's margin.
	var got storedGroup
	if !testenv.Within(30*time.Second, func() bool {
		g, err := store.getGroups(ctx, []Delta{{Fingerprint: fp}})
		got = g[fp]
		return err == nil && got.Status == group.StatusOpen && got.Count == 3
	}) {
		t.Errorf("group status %s, count %d; want open, 3", got.Status, got.Count)
	}
}

// A candidate too large for a NATS message (a hostile event's megabyte of
// logger name) goes out with its fields cut, instead of failing for ever
// and holding every batch behind it.
func TestOversizedCandidateIsCutNotStuck(t *testing.T) {
	_, _, js := testenv.JetStream(t)
	p := &Processor{js: js, log: zerolog.Nop()}
	fp, mk := alertEvents("oversized")
	ev := mk(0)
	ev.Log.Logger = strings.Repeat("x", 2<<20)
	c := group.Candidate{Kind: group.KindNew, Occurrences: 1, Group: newGroup(Delta{Fingerprint: fp, Count: 1, Sample: ev}), At: time.Now().UTC()}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.publishCandidates(ctx, []group.Candidate{c}); err != nil {
		t.Fatalf("publish: %v", err)
	}
	if len(p.unsent.list) != 0 {
		t.Errorf("%d candidates left unsent", len(p.unsent.list))
	}
	if kinds := candidateKinds(t, js, fp); !slices.Equal(kinds, []group.Kind{group.KindNew}) {
		t.Errorf("published %v, want the new group", kinds)
	}
}
