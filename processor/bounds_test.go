package processor

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/elastic"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/testenv"
)

// bulkRecorder notes the body size of every bulk request of events that
// passes the interceptor.
type bulkRecorder struct {
	mu    sync.Mutex
	sizes []int
}

func (b *bulkRecorder) record(x *esInterceptor) {
	x.set(nil, func(path string, body []byte) {
		if strings.HasSuffix(path, "/_bulk") && strings.Contains(path, elastic.EventsDataStream) {
			b.mu.Lock()
			b.sizes = append(b.sizes, len(body))
			b.mu.Unlock()
		}
	})
}

func (b *bulkRecorder) all() []int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]int(nil), b.sizes...)
}

// bigEvent is an event of about size bytes, most of it its message.
func bigEvent(service string, i, size int) *event.Event {
	msg := fmt.Sprintf("payload %d ", i) + strings.Repeat("lorem ipsum dolor ", size/18)
	return &event.Event{Timestamp: time.Now().UTC(), Message: msg, Log: event.Log{Level: "INFO"},
		Service: event.Service{Name: service}, Event: event.Meta{ID: fmt.Sprintf("%s-%d", service, i)}}
}

// countStored is how many events of service the data stream holds.
func countStored(t *testing.T, service string) int {
	res, err := http.Get(testenv.ElasticsearchURL(t) + "/" + elastic.EventsDataStream + "/_count?q=service.name:" + service)
	if err != nil {
		return -1
	}
	defer res.Body.Close()
	var c struct {
		Count int `json:"count"`
	}
	if json.NewDecoder(res.Body).Decode(&c) != nil {
		return -1
	}
	return c.Count
}

// A burst of ~800 KB events, which as one batch would make a bulk request
// over Elasticsearch's 100 MB limit, is stored whole in requests none of
// which exceeds the cap.
func TestLargeEventsStayUnderTheBulkCap(t *testing.T) {
	x := newESInterceptor(t)
	var rec bulkRecorder
	rec.record(x)
	_, _, js := testenv.JetStream(t)
	service := fmt.Sprintf("bounds-bulk-%d", time.Now().UnixNano())
	const n, size = 160, 800 << 10
	for i := range n {
		publishEvents(t, js, bigEvent(service, i, size))
	}
	cfg := testConfig()
	// 10 MB bulks of text take the shared node seconds each.
	cfg.Workers, cfg.BatchTimeout, cfg.Tally.Settle = 2, time.Minute, 2*time.Minute
	runProcessorWith(t, js, x.URL, cfg)
	for deadline := time.Now().Add(3 * time.Minute); countStored(t, service) != n; time.Sleep(time.Second) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d large events stored", countStored(t, service), n)
		}
	}
	sizes := rec.all()
	total := 0
	for _, s := range sizes {
		total += s
		if s > DefaultMaxBulkBytes {
			t.Errorf("a bulk request of %d bytes, over the %d byte cap", s, DefaultMaxBulkBytes)
		}
	}
	if total < n*size {
		t.Errorf("bulk requests carried %d bytes for %d events of %d", total, n, size)
	}
	if dls, err := ListDLQ(context.Background(), js, 10); err != nil || len(dls) != 0 {
		t.Errorf("dead letters: %d %v", len(dls), err)
	}
}

// CreateDocs splits what the caller hands it by the cap, and answers every
// document in the caller's order.
func TestCreateDocsSplitsByBytes(t *testing.T) {
	x := newESInterceptor(t)
	var rec bulkRecorder
	rec.record(x)
	es, err := elastic.NewClient([]string{x.URL})
	if err != nil {
		t.Fatal(err)
	}
	if err := elastic.Setup(context.Background(), es); err != nil {
		t.Fatal(err)
	}
	store := NewStore(es)
	store.MaxBulkBytes = 1 << 20
	service := fmt.Sprintf("bounds-split-%d", time.Now().UnixNano())
	var docs []Doc
	for i := range 12 {
		ev := bigEvent(service, i, 300<<10)
		if i == 5 {
			ev = bigEvent(service, i, 2<<20) // over the cap alone
		}
		b, err := event.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, Doc{ID: ev.Event.ID, JSON: b})
	}
	res, err := store.CreateDocs(context.Background(), docs)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		want := Created
		if i == 5 {
			want = Oversize
		}
		if r.Outcome != want {
			t.Errorf("doc %d: outcome %v (%s), want %v", i, r.Outcome, r.Reason, want)
		}
	}
	if r := res[5].Reason; !strings.Contains(r, strconv.Itoa(1<<20)) || !strings.Contains(r, "max_bulk_bytes") {
		t.Errorf("oversize reason %q names neither the cap nor the setting", r)
	}
	sizes := rec.all()
	if len(sizes) < 4 {
		t.Errorf("%d bulk requests for 11 documents of 300 KB under a 1 MiB cap: %v", len(sizes), sizes)
	}
	for _, s := range sizes {
		if s > store.MaxBulkBytes {
			t.Errorf("bulk of %d bytes over the %d cap", s, store.MaxBulkBytes)
		}
	}
}

// An event whose document alone exceeds the cap is dead-lettered with both
// sizes, not retried; and while the dead-letter stream is full, the next
// such event stays in the events stream (nacked) and readiness says why.
func TestOversizeEventIsDeadLetteredAndAFullDLQKeepsIt(t *testing.T) {
	ns := testenv.NATS(t)
	nc, err := broker.Connect(ns.ClientURL(), t.Name())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := broker.EnsureStreamsWith(ctx, js, 1, broker.Limits{DLQMaxBytes: 300 << 10}); err != nil {
		t.Fatal(err)
	}
	service := fmt.Sprintf("bounds-oversize-%d", time.Now().UnixNano())
	cfg := testConfig()
	cfg.MaxBulkBytes = 100 << 10
	p := runProcessorWith(t, js, testenv.ElasticsearchURL(t), cfg)
	publishEvents(t, js, bigEvent(service, 0, 200<<10), bigEvent(service, 1, 1<<10))
	var dls []DeadLetter
	waitFor(t, "the oversize event dead-lettered", func() bool {
		dls, err = ListDLQ(ctx, js, 10)
		return err == nil && len(dls) == 1
	})
	if r := dls[0].Reason; !strings.Contains(r, "102400 byte bulk request cap") || !strings.Contains(r, "event document is 2") {
		t.Errorf("reason %q does not name both sizes", r)
	}
	waitFor(t, "the small event stored", func() bool { return countStored(t, service) == 1 })

	publishEvents(t, js, bigEvent(service, 2, 200<<10))
	waitFor(t, "readiness naming the full dead-letter stream", func() bool {
		err := p.DeadLetters()
		return err != nil && strings.Contains(err.Error(), "dead-letter stream full")
	})
	c, err := js.Consumer(ctx, broker.EventsStream, ConsumerName)
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.NumAckPending+int(info.NumPending) != 1 {
		t.Errorf("the refused dead letter's event: %d pending and %d awaiting ack, want it kept", info.NumPending, info.NumAckPending)
	}
	if dls, _ := ListDLQ(ctx, js, 10); len(dls) != 1 {
		t.Errorf("%d dead letters, want the first only", len(dls))
	}
}
