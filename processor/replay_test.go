package processor

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/elastic"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/testenv"
)

// Replay writes what the stream holds and Elasticsearch lacks, once however
// often it runs, counts it in its groups, and reports the events a purge
// took from the stream as beyond reach. (The whole restore drill, with
// Elasticsearch wiped, is recovery's.)
func TestReplayWritesWhatIsMissingOnce(t *testing.T) {
	_, _, js := testenv.JetStream(t)
	es, err := elastic.NewClient([]string{testenv.ElasticsearchURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := elastic.Setup(ctx, es); err != nil {
		t.Fatal(err)
	}
	service := fmt.Sprintf("replay-%d", time.Now().UnixNano())
	var evs []*event.Event
	for i := range 40 {
		evs = append(evs, &event.Event{Timestamp: time.Now().UTC(), Message: "order failed", Log: event.Log{Level: "ERROR"},
			Service: event.Service{Name: service}, Event: event.Meta{ID: fmt.Sprintf("%s-%d", service, i)},
			Error: &event.Error{Type: fmt.Sprintf("com.example.Replay%d", i%3), Message: "order failed"}})
	}
	publishEvents(t, js, evs...)
	stream, err := js.Stream(ctx, broker.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	// The stream's retention took the first 5.
	if err := stream.Purge(ctx, jetstream.WithPurgeSequence(6)); err != nil {
		t.Fatal(err)
	}
	p := New(js, es, zerolog.New(os.Stderr).Level(zerolog.WarnLevel), testConfig())
	rep, err := p.Replay(ctx, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Replayed != 35 || rep.Written != 35 || rep.Present != 0 || !rep.Gap || rep.FirstSeq != 6 || rep.Groups != 3 {
		t.Errorf("first replay: %+v; want 35 written, a gap from sequence 6, 3 groups", rep)
	}
	rep, err = New(js, es, zerolog.Nop(), testConfig()).Replay(ctx, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Replayed != 35 || rep.Written != 0 || rep.Present != 35 {
		t.Errorf("second replay: %+v; want all 35 present", rep)
	}
	if got := countStored(t, service); got != 35 {
		t.Errorf("%d events stored, want 35", got)
	}
	var sum int64
	for i := range 3 {
		fp := p.fp.Compute(evs[5+i]).Fingerprint
		n := groupCount(&stores{store: p.counter.store}, fp)
		sum += n
	}
	if sum != 35 {
		t.Errorf("group counts add up to %d, want 35", sum)
	}
}
