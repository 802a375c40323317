package processor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/faultline/faultline/grouping"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/elastic"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/group"
	"github.com/faultline/faultline/internal/testenv"
)

func startProcessor(t *testing.T) jetstream.JetStream {
	js, _ := startProcessorVia(t, testenv.ElasticsearchURL(t))
	return js
}

func startProcessorVia(t *testing.T, esURL string) (jetstream.JetStream, *Processor) {
	t.Helper()
	_, _, js := testenv.JetStream(t)
	return js, runProcessor(t, js, esURL)
}

// testConfig has the time scales of exact counting shrunk to seconds, so
// recounts happen within a test, and still in the order they have in
// production: a batch's counts are final before Settle. The regular recount
// of active groups is left out (an hour), so that only a redelivery can
// repair a count, which is what the tests check.
func testConfig() Config {
	return Config{
		Linger:       10 * time.Millisecond,
		BatchTimeout: 4 * time.Second,
		Tally:        TallyConfig{Bucket: time.Second, Settle: 6 * time.Second, Recount: time.Hour},
		AuditEvery:   200 * time.Millisecond,
	}
}

// runProcessor runs a processor replica on js until the test ends.
func runProcessor(t *testing.T, js jetstream.JetStream, esURL string) *Processor {
	t.Helper()
	return runProcessorWith(t, js, esURL, testConfig())
}

// runProcessorWith is runProcessor with a configuration of the test's own.
func runProcessorWith(t *testing.T, js jetstream.JetStream, esURL string, cfg Config) *Processor {
	t.Helper()
	es, err := elastic.NewClient([]string{esURL})
	if err != nil {
		t.Fatal(err)
	}
	p := New(js, es, zerolog.New(os.Stderr).Level(zerolog.WarnLevel), cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("processor: %v", err)
		}
	})
	return p
}

// A message that can never be written goes to the DLQ with its bytes and the
// reason, is acked (not redelivered forever), and replays after a fix.
func TestDeadLetterAndReplay(t *testing.T) {
	// Labels are flattened and take any key, and every document is what
	// the processor encodes, so the test makes the one document unmappable
	// on its way: labels as a string, which Elasticsearch refuses.
	x := newESInterceptor(t)
	x.rewrite = func(_ string, body []byte) []byte {
		return bytes.ReplaceAll(body, []byte(`"labels":{"unmappable":"yes"}`), []byte(`"labels":"unmappable"`))
	}
	js, _ := startProcessorVia(t, x.URL)
	ctx := context.Background()
	if _, err := js.Publish(ctx, broker.EventsSubject, []byte(`{"message": not json`)); err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("dlq-test-%d", time.Now().UnixNano())
	bad := event.Event{Timestamp: time.Now().UTC(), Message: "unmappable", Service: event.Service{Name: "dlq-test"}, Event: event.Meta{ID: id}, Labels: map[string]string{"unmappable": "yes"}}
	data, _ := json.Marshal(bad)
	if _, err := js.Publish(ctx, broker.EventsSubject, data); err != nil {
		t.Fatal(err)
	}
	var dls []DeadLetter
	testenv.Eventually(t, "two dead letters", 30*time.Second, func() bool {
		var err error
		dls, err = ListDLQ(ctx, js, 10)
		return err == nil && len(dls) == 2
	})
	if !strings.Contains(dls[0].Reason, "decode event") || string(dls[0].Data) != `{"message": not json` {
		t.Errorf("first dead letter = %+v %q", dls[0], dls[0].Data)
	}
	if !strings.Contains(dls[1].Reason, "elasticsearch rejected") || dls[1].EventID != id {
		t.Errorf("second dead letter = %+v", dls[1])
	}
	testenv.Eventually(t, "both events acked", 30*time.Second, func() bool {
		c, err := js.Consumer(ctx, broker.EventsStream, ConsumerName)
		if err != nil {
			return false
		}
		info, err := c.Info(ctx)
		return err == nil && info.NumAckPending == 0 && info.NumPending == 0
	})

	// "After a fix": replaying puts the messages back; they fail again, so
	// the DLQ holds them again under new sequence numbers.
	n, err := ReplayDLQ(ctx, js, nil)
	if err != nil || n != 2 {
		t.Fatalf("replay: %d, %v", n, err)
	}
	testenv.Eventually(t, "replayed messages dead-lettered again", 30*time.Second, func() bool {
		again, err := ListDLQ(ctx, js, 10)
		return err == nil && len(again) == 2 && again[0].Seq > dls[1].Seq
	})
}

// A processor that crashed after writing events but before counting them:
// the redelivered events are duplicates, and the group count is repaired
// from the data stream instead of staying low, once their counts are final.
func TestCountsSurviveACrashBetweenWriteAndCount(t *testing.T) {
	js := startProcessor(t)
	ctx := context.Background()
	store := testStore(t)
	service := fmt.Sprintf("crash-%d", time.Now().UnixNano())
	// The crashed delivery stamped its events as a processor does.
	stored := time.Now().UTC().Truncate(time.Millisecond)
	mk := func(i int) *event.Event {
		return &event.Event{Timestamp: time.Now().UTC(), Message: "Job failed", Log: event.Log{Level: "ERROR", Logger: "com.acme.Jobs"},
			Service: event.Service{Name: service}, Event: event.Meta{ID: fmt.Sprintf("%s-%d", service, i)},
			Faultline: event.Faultline{MessageTemplate: "Job {} failed", StoredAt: &stored}}
	}
	var evs []*event.Event
	for i := 0; i < 4; i++ {
		ev := mk(i)
		ev.Faultline.Fingerprint = grouping.NewFingerprinter().Compute(ev).Fingerprint
		evs = append(evs, ev)
	}
	// The "crashed" delivery wrote three events and never counted them.
	if _, err := store.CreateEvents(ctx, evs[:3]); err != nil {
		t.Fatal(err)
	}
	publishEvents(t, js, evs...)
	// Another group's events were all written by the crashed delivery,
	// which died before creating the group: every event comes back as a
	// duplicate, and the group must still be created, and announced.
	var unborn []*event.Event
	for i := 0; i < 2; i++ {
		ev := mk(10 + i)
		ev.Message, ev.Faultline.MessageTemplate = "Export failed", "Export {} failed"
		ev.Faultline.Fingerprint = grouping.NewFingerprinter().Compute(ev).Fingerprint
		unborn = append(unborn, ev)
	}
	if _, err := store.CreateEvents(ctx, unborn); err != nil {
		t.Fatal(err)
	}
	publishEvents(t, js, unborn...)
	fp, unbornFP := evs[0].Faultline.Fingerprint, unborn[0].Faultline.Fingerprint
	if fp == unbornFP {
		t.Fatal("the two groups share a fingerprint")
	}
	testenv.Eventually(t, "group counts 4 and 2", 30*time.Second, func() bool {
		g, err := store.getGroups(ctx, []Delta{{Fingerprint: fp}, {Fingerprint: unbornFP}})
		return err == nil && g[fp].Count == 4 && g[unbornFP].Count == 2
	})
	// And they stay so: nothing is counted twice.
	time.Sleep(300 * time.Millisecond)
	g, err := store.getGroups(ctx, []Delta{{Fingerprint: fp}, {Fingerprint: unbornFP}})
	if err != nil {
		t.Fatal(err)
	}
	if g[fp].Count != 4 || g[unbornFP].Count != 2 {
		t.Errorf("counts = %d and %d, want 4 and 2", g[fp].Count, g[unbornFP].Count)
	}
	if u := g[unbornFP]; u.Title != "Export {} failed" || u.Service.Name != service || u.Sample.EventID == "" || u.FirstSeen.IsZero() {
		t.Errorf("group created by reconciling = %+v", u.Group)
	}
	testenv.Eventually(t, "the new group announced", 30*time.Second, func() bool {
		return slices.Contains(candidateKinds(t, js, unbornFP), group.KindNew)
	})
}

// candidateKinds lists the kinds of the alert candidates published for fp.
func candidateKinds(t *testing.T, js jetstream.JetStream, fp string) []group.Kind {
	t.Helper()
	ctx := context.Background()
	s, err := js.Stream(ctx, broker.AlertsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []group.Kind
	for seq := info.State.FirstSeq; info.State.Msgs > 0 && seq <= info.State.LastSeq; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		var c group.Candidate
		if err := json.Unmarshal(m.Data, &c); err != nil {
			t.Fatal(err)
		}
		if c.Group.Fingerprint == fp {
			kinds = append(kinds, c.Kind)
		}
	}
	return kinds
}

// esInterceptor sits between a processor and Elasticsearch so a test can
// make Elasticsearch refuse, or answer late, the requests it picks.
type esInterceptor struct {
	URL    string
	target string
	mu     sync.Mutex
	// before may answer a request itself (200 with the body it returns)
	// instead of passing it on.
	before func(path string, body []byte) []byte
	// rewrite may change the request passed on.
	rewrite func(path string, body []byte) []byte
	// fail may answer a request with an error status of its choosing.
	fail func(path string) int
	// refuse is fail knowing the body.
	refuse func(path string, body []byte) int
	// after runs once Elasticsearch answered, before the answer goes back:
	// the write happened, and the processor does not know yet.
	after func(path string, body []byte)
}

func newESInterceptor(t *testing.T) *esInterceptor {
	x := &esInterceptor{target: testenv.ElasticsearchURL(t)}
	srv := httptest.NewServer(http.HandlerFunc(x.serve))
	t.Cleanup(srv.Close)
	x.URL = srv.URL
	return x
}

func (x *esInterceptor) set(before func(string, []byte) []byte, after func(string, []byte)) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.before, x.after = before, after
}

func (x *esInterceptor) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	x.mu.Lock()
	before, after, rewrite, fail, refuse := x.before, x.after, x.rewrite, x.fail, x.refuse
	x.mu.Unlock()
	if refuse != nil {
		fail = func(path string) int { return refuse(path, body) }
	}
	if fail != nil {
		if status := fail(r.URL.Path); status != 0 {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Elastic-Product", "Elasticsearch")
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"error":{"type":"test_exception","reason":"refused by the test"},"status":%d}`, status)
			return
		}
	}
	if rewrite != nil {
		body = rewrite(r.URL.Path, body)
	}
	if before != nil {
		if answer := before(r.URL.Path, body); answer != nil {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Elastic-Product", "Elasticsearch")
			_, _ = w.Write(answer)
			return
		}
	}
	req, err := http.NewRequestWithContext(r.Context(), r.Method, x.target+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	req.Header = r.Header.Clone()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer res.Body.Close()
	answer, err := io.ReadAll(res.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	if after != nil {
		after(r.URL.Path, body)
	}
	for k, v := range res.Header {
		if k != "Content-Length" {
			w.Header()[k] = v
		}
	}
	w.WriteHeader(res.StatusCode)
	_, _ = w.Write(answer)
}

// rejectAll answers a bulk request the way an overloaded node does: every
// item rejected, the request itself a success.
func rejectAll(body []byte) []byte {
	items := make([]string, bytes.Count(body, []byte("\n"))/2)
	for i := range items {
		items[i] = `{"index":{"status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected execution (test)"}}}`
	}
	return []byte(`{"took":1,"errors":true,"items":[` + strings.Join(items, ",") + `]}`)
}

// rejectGroupUpdates has every group update refused (429 per item) until
// the next set, and counts them.
func (x *esInterceptor) rejectGroupUpdates() *atomic.Int32 {
	var rejected atomic.Int32
	x.set(func(path string, body []byte) []byte {
		if path != "/"+elastic.GroupsIndex+"/_bulk" {
			return nil
		}
		rejected.Add(1)
		return rejectAll(body)
	}, nil)
	return &rejected
}

// A group update that fails after its events were written: the batch is
// redelivered rather than acked, and the redelivered duplicates repair the
// count from the data stream.
func TestFailedGroupUpdateIsRepairedByRedelivery(t *testing.T) {
	x := newESInterceptor(t)
	js, _ := startProcessorVia(t, x.URL)
	store := testStore(t)
	service := fmt.Sprintf("groupfail-%d", time.Now().UnixNano())
	mk := func(i int) *event.Event {
		return &event.Event{Timestamp: time.Now().UTC(), Message: "Sync failed", Log: event.Log{Level: "ERROR", Logger: "com.acme.Sync"},
			Service: event.Service{Name: service}, Event: event.Meta{ID: fmt.Sprintf("%s-%d", service, i)},
			Faultline: event.Faultline{MessageTemplate: "Sync {} failed"}}
	}
	publish := func(ev *event.Event) { publishEvents(t, js, ev) }
	fp := grouping.NewFingerprinter().Compute(mk(0)).Fingerprint
	count := func() int64 { return groupCount(store, fp) }
	publish(mk(0))
	testenv.Eventually(t, "the first event counted", 30*time.Second, func() bool { return count() == 1 })

	rejected := x.rejectGroupUpdates()
	for i := 1; i < 5; i++ {
		publish(mk(i))
	}
	testenv.Eventually(t, "a group update rejected", 30*time.Second, func() bool { return rejected.Load() > 0 })
	x.set(nil, nil)
	testenv.Eventually(t, "all 5 events counted", 30*time.Second, func() bool { return count() == 5 })
	time.Sleep(300 * time.Millisecond)
	if n := count(); n != 5 {
		t.Errorf("count = %d, want 5", n)
	}
}

// Two replicas on one consumer, one of them with slow group updates so that
// its counts are often in flight while the other reconciles; events whose
// first delivery stopped before counting them; events delivered twice. Each
// group ends counting exactly its distinct events, and stays so through the
// recounts that follow.
func TestCountsExactAcrossReplicas(t *testing.T) {
	_, _, js := testenv.JetStream(t)
	x := newESInterceptor(t)
	x.set(func(path string, body []byte) []byte {
		if path == "/"+elastic.GroupsIndex+"/_bulk" {
			time.Sleep(700 * time.Millisecond)
		}
		return nil
	}, nil)
	runProcessor(t, js, x.URL)
	runProcessor(t, js, testenv.ElasticsearchURL(t))
	store := testStore(t)
	ctx := context.Background()
	service := fmt.Sprintf("replicas-%d", time.Now().UnixNano())
	templates := []string{"Refund {} failed", "Invoice {} rejected", "Ledger {} locked"}
	want := map[string]int64{}
	var evs, crashed []*event.Event
	stored := time.Now().UTC().Truncate(time.Millisecond)
	for i := 0; i < 60; i++ {
		tpl := templates[i%len(templates)]
		ev := &event.Event{Timestamp: time.Now().UTC(), Message: tpl, Log: event.Log{Level: "ERROR", Logger: "com.acme.Billing"},
			Service: event.Service{Name: service}, Event: event.Meta{ID: fmt.Sprintf("%s-%d", service, i)},
			Faultline: event.Faultline{MessageTemplate: tpl}}
		fp := grouping.NewFingerprinter().Compute(ev).Fingerprint
		want[fp]++
		evs = append(evs, ev)
		if i%5 == 0 {
			c := *ev
			c.Faultline.Fingerprint, c.Faultline.StoredAt = fp, &stored
			crashed = append(crashed, &c)
		}
	}
	if len(want) != len(templates) {
		t.Fatalf("%d fingerprints for %d templates", len(want), len(templates))
	}
	if _, err := store.CreateEvents(ctx, crashed); err != nil {
		t.Fatal(err)
	}
	for i, ev := range evs {
		publishEvents(t, js, ev)
		if i%7 == 0 {
			publishEvents(t, js, ev)
		}
		if i%10 == 9 {
			time.Sleep(100 * time.Millisecond)
		}
	}
	counts := func() map[string]int64 {
		got := map[string]int64{}
		for fp := range want {
			got[fp] = groupCount(store, fp)
		}
		return got
	}
	testenv.Eventually(t, "every group counting its events", 30*time.Second, func() bool { return maps.Equal(counts(), want) })
	// Past the settling time every count is final, and recounts have run.
	time.Sleep(testConfig().Tally.Settle + 2*time.Second)
	if got := counts(); !maps.Equal(got, want) {
		t.Errorf("counts = %v, want %v", got, want)
	}
}

// A redelivered duplicate whose group could not be reconciled (the node
// refused the search) is not acked: it comes back, and the repair happens.
func TestFailedReconcileIsRetried(t *testing.T) {
	x := newESInterceptor(t)
	js, _ := startProcessorVia(t, x.URL)
	store := testStore(t)
	ctx := context.Background()
	service := fmt.Sprintf("reconcilefail-%d", time.Now().UnixNano())
	stored := time.Now().UTC().Truncate(time.Millisecond)
	mk := func(i int) *event.Event {
		ev := &event.Event{Timestamp: time.Now().UTC(), Message: "Sync failed", Log: event.Log{Level: "ERROR", Logger: "com.acme.Sync"},
			Service: event.Service{Name: service}, Event: event.Meta{ID: fmt.Sprintf("%s-%d", service, i)},
			Faultline: event.Faultline{MessageTemplate: "Sync {} failed"}}
		ev.Faultline.Fingerprint = grouping.NewFingerprinter().Compute(ev).Fingerprint
		return ev
	}
	fp := mk(0).Faultline.Fingerprint
	publishEvents(t, js, mk(0))
	testenv.Eventually(t, "the first event counted", 30*time.Second, func() bool { return groupCount(store, fp) == 1 })

	// Written by a delivery that stopped before counting it.
	crashed := mk(1)
	crashed.Faultline.StoredAt = &stored
	if _, err := store.CreateEvents(ctx, []*event.Event{crashed}); err != nil {
		t.Fatal(err)
	}
	var refused atomic.Int32
	x.mu.Lock()
	x.fail = func(path string) int {
		if path == "/"+elastic.EventsDataStream+"/_search" && refused.Add(1) == 1 {
			return http.StatusInternalServerError
		}
		return 0
	}
	x.mu.Unlock()
	publishEvents(t, js, crashed)
	testenv.Eventually(t, "the reconcile refused", 30*time.Second, func() bool { return refused.Load() > 0 })
	testenv.Eventually(t, "the crashed delivery's event counted", 30*time.Second, func() bool { return groupCount(store, fp) == 2 })
}

// Once its consumer is deleted, the processor can consume nothing more: Run
// must say so rather than spin on a closed iterator while reporting ready.
func TestRunEndsWhenTheConsumerIsDeleted(t *testing.T) {
	_, _, js := testenv.JetStream(t)
	es, err := elastic.NewClient([]string{testenv.ElasticsearchURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	p := New(js, es, zerolog.Nop(), testConfig())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	testenv.Eventually(t, "the processor consuming", 30*time.Second, func() bool {
		_, err := js.Consumer(ctx, broker.EventsStream, ConsumerName)
		return err == nil && p.Ready()
	})
	if err := js.DeleteConsumer(ctx, broker.EventsStream, ConsumerName); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err == nil {
			t.Error("Run returned nil after its consumer was deleted")
		}
		if p.Ready() {
			t.Error("still ready after Run ended")
		}
	case <-time.After(15 * time.Second):
		cancel()
		<-done
		t.Fatal("Run kept going after its consumer was deleted")
	}
}

// The deletion a pull request can miss: the consumer's info says it is gone,
// and Run stops its iterator on that answer.
func TestWatchLagEndsOnADeletedConsumer(t *testing.T) {
	_, _, js := testenv.JetStream(t)
	ctx := t.Context()
	cons, err := js.CreateOrUpdateConsumer(ctx, broker.EventsStream, jetstream.ConsumerConfig{Durable: ConsumerName, AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	p := New(js, nil, zerolog.Nop(), testConfig())
	if err := js.DeleteConsumer(ctx, broker.EventsStream, ConsumerName); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.watchLag(ctx, cons) }()
	select {
	case err := <-done:
		if !errors.Is(err, jetstream.ErrConsumerNotFound) || !strings.Contains(err.Error(), ConsumerName) {
			t.Errorf("watchLag: %v, want the consumer named as not found", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("watchLag kept watching a deleted consumer")
	}
}

// Elasticsearch gone for a while: events wait in JetStream, the processor
// says it is not ready, and when Elasticsearch is back every event is
// written once and counted once.
func TestElasticsearchOutage(t *testing.T) {
	esURL := testenv.ElasticsearchURL(t)
	proxy := testenv.NewProxy(t, strings.TrimPrefix(esURL, "http://"))
	js, p := startProcessorVia(t, "http://"+proxy.Addr())
	ctx := context.Background()
	store := testStore(t)
	service := fmt.Sprintf("outage-%d", time.Now().UnixNano())
	publishN := func(from, to int) {
		for i := from; i < to; i++ {
			ev := event.Event{Timestamp: time.Now().UTC(), Message: "Payment failed", Log: event.Log{Level: "ERROR", Logger: "com.acme.Pay"},
				Service: event.Service{Name: service}, Event: event.Meta{ID: fmt.Sprintf("%s-%d", service, i)},
				Faultline: event.Faultline{MessageTemplate: "Payment {} failed"}}
			publishEvents(t, js, &ev)
		}
	}
	fp := grouping.NewFingerprinter().Compute(&event.Event{Service: event.Service{Name: service}, Log: event.Log{Logger: "com.acme.Pay"}, Faultline: event.Faultline{MessageTemplate: "Payment {} failed"}}).Fingerprint
	count := func() int64 { return groupCount(store, fp) }
	publishN(0, 10)
	testenv.Eventually(t, "the first 10 events counted", 30*time.Second, func() bool { return count() == 10 })

	proxy.Down()
	publishN(10, 60)
	testenv.Eventually(t, "the processor to report not ready", 30*time.Second, func() bool { return !p.Ready() })
	cons, err := js.Consumer(ctx, broker.EventsStream, ConsumerName)
	if err != nil {
		t.Fatal(err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if backlog := info.NumPending + uint64(info.NumAckPending); backlog == 0 {
		t.Error("no backlog while Elasticsearch is down: events were acked without being written")
	}

	proxy.Up()
	testenv.Eventually(t, "all 60 events counted after the outage", 30*time.Second, func() bool { return count() == 60 })
	testenv.Eventually(t, "readiness back", 30*time.Second, p.Ready)
	if err := elastic.Check(store.es.Indices.Refresh(store.es.Indices.Refresh.WithIndex(elastic.EventsDataStream))); err != nil {
		t.Fatal(err)
	}
	res, err := store.es.Count(store.es.Count.WithIndex(elastic.EventsDataStream), store.es.Count.WithBody(strings.NewReader(fmt.Sprintf(`{"query":{"term":{"service.name":%q}}}`, service))))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var c struct {
		Count int `json:"count"`
	}
	json.NewDecoder(res.Body).Decode(&c)
	if c.Count != 60 {
		t.Errorf("%d events stored, want exactly 60", c.Count)
	}
}

// The stored document is the event with its fingerprint, whether the
// processor added the fingerprint to the message's bytes (as ingest wrote
// them) or had to encode the event again (a message in another layout).
func TestStoredDocumentIsTheEventWithItsFingerprint(t *testing.T) {
	js := startProcessor(t)
	ctx := context.Background()
	run := time.Now().UnixNano()
	ev := event.Event{
		Timestamp: time.Now().UTC(), Message: "stored <as> sent", Service: event.Service{Name: fmt.Sprintf("doc-test-%d", run)},
		Log:    event.Log{Level: "ERROR", Logger: "com.acme.A"},
		Labels: map[string]string{"faultline": "a label, not the field"},
		Error:  &event.Error{Type: "java.lang.IllegalStateException", Message: "boom", StackTrace: "java.lang.IllegalStateException: boom\n\tat com.acme.A.run(A.java:7)"},
		Host:   &event.Host{Name: "web-1"}, Trace: &event.Trace{ID: "4bf92f3577b34da6a3ce929d0e0e4736"},
		Faultline: event.Faultline{MessageTemplate: "stored {} sent", Exceptions: []event.Exception{{Type: "java.lang.IllegalStateException", Message: "boom",
			Frames: []event.Frame{{Class: "com.acme.A", Method: "run", File: "A.java", Line: 7}}}}},
	}
	wire := func(id string) []byte {
		e := ev
		e.Event.ID = id
		b, _ := event.Marshal(&e)
		return b
	}
	asIngest, otherID := fmt.Sprintf("doc-%d-ingest", run), fmt.Sprintf("doc-%d-other", run)
	// Indented and with a key the event does not know: no slot, encoded again.
	w := wire(otherID)
	var other bytes.Buffer
	if err := json.Indent(&other, append(w[:len(w)-1:len(w)-1], `,"extra":{"faultline":{}}}`...), "", "  "); err != nil {
		t.Fatal(err)
	}
	published := time.Now()
	for _, data := range [][]byte{wire(asIngest), other.Bytes()} {
		if _, err := js.Publish(ctx, broker.EventsSubject, data); err != nil {
			t.Fatal(err)
		}
	}
	want := ev
	res := grouping.NewFingerprinter().Compute(&ev)
	want.Faultline.Fingerprint, want.Faultline.GroupingStrategy = res.Fingerprint, res.Strategy
	for _, id := range []string{asIngest, otherID} {
		var got struct {
			Source json.RawMessage
		}
		testenv.Eventually(t, "document "+id, 30*time.Second, func() bool {
			docs := storedEvents(t, id)
			if len(docs) != 1 {
				return false
			}
			got.Source = docs[0]
			return true
		})
		var stored event.Event
		if err := json.Unmarshal(got.Source, &stored); err != nil {
			t.Fatal(err)
		}
		want.Event.ID = id
		// The write time is the processor's: taken after publishing, and
		// kept to the millisecond, as Elasticsearch keeps dates.
		at := stored.Faultline.StoredAt
		if at == nil || at.Before(published.Truncate(time.Millisecond)) || at.After(time.Now()) || !at.Equal(at.Truncate(time.Millisecond)) {
			t.Errorf("stored %s: stored_at %v, want a millisecond time after %v", id, at, published)
		}
		want.Faultline.StoredAt = at
		if !reflect.DeepEqual(stored, want) {
			t.Errorf("stored %s:\n%s\nwant %+v", id, got.Source, want)
		}
		if id == asIngest {
			b, _ := event.Marshal(&want)
			if !bytes.Equal(got.Source, b) {
				t.Errorf("stored %s is not what Marshal writes:\n got %s\nwant %s", id, got.Source, b)
			}
		}
	}
	// The processor keeps only the messages of a batch, and the new group's
	// sample is read from one of them again.
	var g group.Group
	testenv.Eventually(t, "the group", 30*time.Second, func() bool {
		stored, err := testStore(t).getGroups(ctx, []Delta{{Fingerprint: res.Fingerprint}})
		g = stored[res.Fingerprint].Group
		return err == nil && g.Count == 2
	})
	s := g.Sample
	if g.Title != "IllegalStateException: boom" || g.Message != ev.Message || g.Service.Name != ev.Service.Name || g.Error.Type != ev.Error.Type ||
		(s.EventID != asIngest && s.EventID != otherID) || !s.Timestamp.Equal(ev.Timestamp) || s.Message != ev.Message ||
		s.StackTrace != ev.Error.StackTrace || s.Host != "web-1" || s.TraceID != ev.Trace.ID {
		t.Errorf("group = %+v", g)
	}
}

// Values longer than a keyword can hold (hostile or broken input) are kept
// in the documents but not indexed as terms, so the event is stored and its
// group made and announced instead of the event going to the dead letters
// or the group being refused on every try.
func TestOverlongKeywordsAreStored(t *testing.T) {
	js := startProcessor(t)
	ctx := context.Background()
	id := fmt.Sprintf("overlong-%d", time.Now().UnixNano())
	long := "com.acme." + strings.Repeat("X", 40000)
	ev := event.Event{Timestamp: time.Now().UTC(), Message: "boom", Service: event.Service{Name: id}, Event: event.Meta{ID: id},
		Log:       event.Log{Level: "ERROR", Logger: long},
		Error:     &event.Error{Type: long, Message: "boom"},
		Faultline: event.Faultline{Exceptions: []event.Exception{{Type: long, Frames: []event.Frame{{Class: long, Method: "run"}}}}}}
	publishEvents(t, js, &ev)
	fp := grouping.NewFingerprinter().Compute(&ev).Fingerprint
	testenv.Eventually(t, "the group announced", 30*time.Second, func() bool {
		kinds := candidateKinds(t, js, fp)
		return len(kinds) == 1 && kinds[0] == group.KindNew
	})
	if n := groupCount(testStore(t), fp); n != 1 {
		t.Fatalf("group count = %d, want 1", n)
	}
	testenv.Eventually(t, "the event searchable", 30*time.Second, func() bool { return len(storedEvents(t, id)) == 1 })
	if dls, err := ListDLQ(ctx, js, 10); err != nil || len(dls) != 0 {
		t.Errorf("dead letters: %+v %v", dls, err)
	}
}

// storedEvents is the _source of every searchable event with this id.
func storedEvents(t *testing.T, id string) []json.RawMessage {
	res, err := http.Get(testenv.ElasticsearchURL(t) + "/" + elastic.EventsDataStream + "/_search?q=event.id:" + id)
	if err != nil {
		return nil
	}
	defer res.Body.Close()
	var sr struct {
		Hits struct {
			Hits []struct {
				Source json.RawMessage `json:"_source"`
			} `json:"hits"`
		} `json:"hits"`
	}
	if json.NewDecoder(res.Body).Decode(&sr) != nil {
		return nil
	}
	out := make([]json.RawMessage, len(sr.Hits.Hits))
	for i, h := range sr.Hits.Hits {
		out[i] = h.Source
	}
	return out
}

// publishEvents puts events on the stream as ingest writes them.
func publishEvents(t *testing.T, js jetstream.JetStream, evs ...*event.Event) {
	t.Helper()
	for _, ev := range evs {
		data, err := event.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := js.Publish(context.Background(), broker.EventsSubject, data); err != nil {
			t.Fatal(err)
		}
	}
}

// groupCount is the stored count of fp's group; -1 when it cannot be read.
func groupCount(store *stores, fp string) int64 {
	g, err := store.getGroups(context.Background(), []Delta{{Fingerprint: fp}})
	if err != nil {
		return -1
	}
	return g[fp].Count
}

// The soft memory limit leaves room for everything a processor may hold in
// flight, so raising the bulk cap never makes it collect without end.
func TestMemoryLimitFollowsTheBulkCap(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want int64
	}{
		{Config{}, 196 << 20},
		{Config{MaxBulkBytes: 90 << 20}, 96<<20 + 10*90<<20},
		{Config{MaxBulkBytes: 1 << 20, Workers: 2}, 100 << 20},
	} {
		if got := c.cfg.MemoryLimit(); got != c.want {
			t.Errorf("%+v: memory limit %d MiB, want %d MiB", c.cfg, got>>20, c.want>>20)
		}
	}
}
