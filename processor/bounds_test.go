package processor

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

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

// countStored is how many events of service the data stream holds (-1
// while the node cannot say).
func countStored(t *testing.T, service string) int {
	return testenv.ESCount(testenv.ElasticsearchURL(t), elastic.EventsDataStream, testenv.ESTermQuery("service.name", service))
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
	if !testenv.Within(3*time.Minute, func() bool { return countStored(t, service) == n }) {
		t.Fatalf("%d of %d large events stored", countStored(t, service), n)
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

// recordedStore is a store writing through x, with its bulk sizes recorded.
func recordedStore(t *testing.T, x *esInterceptor) (*EventWriter, *bulkRecorder) {
	t.Helper()
	rec := &bulkRecorder{}
	rec.record(x)
	es, err := elastic.NewClient([]string{x.URL})
	if err != nil {
		t.Fatal(err)
	}
	if err := elastic.Setup(context.Background(), es); err != nil {
		t.Fatal(err)
	}
	return NewEventWriter(es), rec
}

// CreateDocs splits what the caller hands it by the cap, and answers every
// document in the caller's order.
func TestCreateDocsSplitsByBytes(t *testing.T) {
	x := newESInterceptor(t)
	store, rec := recordedStore(t, x)
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
	_, _, js := testenv.JetStream(t)
	ctx := context.Background()
	// Taken by the existing stream, as at an upgrade.
	if err := broker.EnsureStreamsWith(ctx, js, 1, broker.Limits{DLQMaxBytes: 300 << 10}); err != nil {
		t.Fatal(err)
	}
	service := fmt.Sprintf("bounds-oversize-%d", time.Now().UnixNano())
	cfg := testConfig()
	cfg.MaxBulkBytes = 100 << 10
	p := runProcessorWith(t, js, testenv.ElasticsearchURL(t), cfg)
	publishEvents(t, js, bigEvent(service, 0, 200<<10), bigEvent(service, 1, 1<<10))
	var dls []DeadLetter
	testenv.Eventually(t, "the oversize event dead-lettered", 30*time.Second, func() bool {
		var err error
		dls, err = ListDLQ(ctx, js, 10)
		return err == nil && len(dls) == 1
	})
	if r := dls[0].Reason; !strings.Contains(r, "102400 byte bulk request cap") || !strings.Contains(r, "event document is 2") {
		t.Errorf("reason %q does not name both sizes", r)
	}
	testenv.Eventually(t, "the small event stored", 30*time.Second, func() bool { return countStored(t, service) == 1 })

	publishEvents(t, js, bigEvent(service, 2, 200<<10))
	testenv.Eventually(t, "readiness naming the full dead-letter stream", 30*time.Second, func() bool {
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

// writeIndexFields counts the mapped fields of the data stream's write
// index (its newest backing index), and names it.
func writeIndexFields(t *testing.T) (string, int) {
	t.Helper()
	res, err := http.Get(testenv.ElasticsearchURL(t) + "/" + elastic.EventsDataStream + "/_mapping")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]struct {
		Mappings map[string]any `json:"mappings"`
	}
	if err := json.NewDecoder(res.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	newest, gen := "", -1
	for name := range m {
		i := strings.LastIndexByte(name, '-')
		if n, err := strconv.Atoi(name[i+1:]); err == nil && n > gen {
			newest, gen = name, n
		}
	}
	var count func(v any) int
	count = func(v any) int {
		n := 0
		if o, ok := v.(map[string]any); ok {
			if _, ok := o["type"].(string); ok {
				n++
			}
			for _, c := range o {
				n += count(c)
			}
		}
		return n
	}
	return newest, count(m[newest].Mappings["properties"])
}

// Labels are flattened: 2 000 distinct label keys are all stored, none
// dead-lettered, and the write index maps not one field more.
func TestManyLabelKeysAddNoFields(t *testing.T) {
	js := startProcessor(t)
	service := fmt.Sprintf("bounds-labels-%d", time.Now().UnixNano())
	testenv.Eventually(t, "the processor's setup", 30*time.Second, func() bool {
		res, err := http.Get(testenv.ElasticsearchURL(t) + "/_index_template/faultline-events")
		if err != nil {
			return false
		}
		defer res.Body.Close()
		var b strings.Builder
		_, _ = io.Copy(&b, res.Body)
		return strings.Contains(b.String(), `"flattened"`)
	})
	publishEvents(t, js, &event.Event{Timestamp: time.Now().UTC(), Message: "warm-up", Service: event.Service{Name: service},
		Event: event.Meta{ID: service + "-warm"}, Labels: map[string]string{"tenant": "a"}})
	testenv.Eventually(t, "the warm-up event", 30*time.Second, func() bool { return countStored(t, service) == 1 })
	index, before := writeIndexFields(t)
	const n = 2000
	var evs []*event.Event
	for i := range n {
		evs = append(evs, &event.Event{Timestamp: time.Now().UTC(), Message: "labelled", Service: event.Service{Name: service},
			Event: event.Meta{ID: fmt.Sprintf("%s-%d", service, i)}, Labels: map[string]string{fmt.Sprintf("%s_key_%d", strings.ReplaceAll(service, "-", "_"), i): "v"}})
	}
	publishEvents(t, js, evs...)
	if !testenv.Within(time.Minute, func() bool { return countStored(t, service) == n+1 }) {
		dls, _ := ListDLQ(context.Background(), js, 3)
		t.Fatalf("%d of %d events stored; dead letters such as %+v", countStored(t, service), n+1, dls)
	}
	if dls, err := ListDLQ(context.Background(), js, 10); err != nil || len(dls) != 0 {
		t.Errorf("dead letters: %+v %v", dls, err)
	}
	after, fields := writeIndexFields(t)
	if after == index && fields != before {
		t.Errorf("write index %s: %d mapped fields before %d label keys, %d after", index, before, n, fields)
	}
	// A label is still searchable by its key.
	q := fmt.Sprintf(`{"query":{"query_string":{"query":%q}}}`, "labels."+strings.ReplaceAll(service, "-", "_")+"_key_7:v")
	if n := testenv.ESCount(testenv.ElasticsearchURL(t), elastic.EventsDataStream, q); n != 1 {
		t.Errorf("search by labels.<key>: %d hits, want 1", n)
	}
}

// A cluster whose http.max_content_length is below the cap answers 413: the
// request goes again in halves, and the one document too large alone is
// answered Oversize, never retried whole for ever.
func TestBulkRefusedAsTooLargeIsSplit(t *testing.T) {
	x := newESInterceptor(t)
	const clusterLimit = 700 << 10
	x.refuse = func(path string, body []byte) int {
		if strings.HasSuffix(path, "/_bulk") && len(body) > clusterLimit {
			return http.StatusRequestEntityTooLarge
		}
		return 0
	}
	store, rec := recordedStore(t, x)
	store.MaxBulkBytes = 4 << 20
	service := fmt.Sprintf("bounds-413-%d", time.Now().UnixNano())
	var docs []Doc
	for i := range 9 {
		size := 300 << 10
		if i == 4 {
			size = 900 << 10
		}
		b, err := event.Marshal(bigEvent(service, i, size))
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, Doc{ID: fmt.Sprintf("%s-%d", service, i), JSON: b})
	}
	res, err := store.CreateDocs(context.Background(), docs)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		want := Created
		if i == 4 {
			want = Oversize
		}
		if r.Outcome != want {
			t.Errorf("doc %d: %v (%s), want %v", i, r.Outcome, r.Reason, want)
		}
	}
	if r := res[4].Reason; !strings.Contains(r, "http.max_content_length") {
		t.Errorf("reason %q does not say why", r)
	}
	for _, s := range rec.all() {
		if s > clusterLimit {
			t.Errorf("a %d byte bulk reached Elasticsearch past the 413s", s)
		}
	}
}
