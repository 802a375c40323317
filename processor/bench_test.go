package processor

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/faultline/faultline/grouping"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/elastic"
	"github.com/faultline/faultline/internal/event"
)

func benchEvents(run, n, groups int) []*event.Event {
	f := grouping.NewFingerprinter()
	evs := make([]*event.Event, n)
	now := time.Now().UTC()
	for i := range evs {
		ev := &event.Event{
			Timestamp: now, Message: fmt.Sprintf("order %d failed", i),
			Log:     event.Log{Level: "ERROR", Logger: "com.acme.OrderService"},
			Service: event.Service{Name: "bench"},
			Error:   &event.Error{Type: "java.lang.IllegalStateException", Message: "boom", StackTrace: "java.lang.IllegalStateException: boom\n\tat com.acme.OrderService.place(OrderService.java:42)"},
			Event:   event.Meta{ID: fmt.Sprintf("bench-%d-%d-%d", time.Now().UnixNano(), run, i), Ingested: now},
			Faultline: event.Faultline{Exceptions: []event.Exception{{Type: "java.lang.IllegalStateException", Message: "boom", Frames: []event.Frame{
				{Class: fmt.Sprintf("com.acme.Service%d", i%groups), Method: "place", Line: 42},
				{Class: "org.springframework.web.servlet.FrameworkServlet", Method: "service", Line: 1},
			}}}},
		}
		ev.Faultline.Fingerprint = f.Compute(ev).Fingerprint
		evs[i] = ev
	}
	return evs
}

// BenchmarkWritePathVsRawBulk measures the processor's write path (event
// bulk create + group updates) against a plain bulk request of the same
// documents, in the same run against the same node, and reports the ratio.
func BenchmarkWritePathVsRawBulk(b *testing.B) {
	s := testStore(b)
	ctx := context.Background()
	const batch, groups = 1000, 20
	var procDur, rawDur time.Duration
	events := 0
	for i := 0; b.Loop(); i++ {
		evs := benchEvents(2*i, batch, groups)
		start := time.Now()
		res, err := s.CreateEvents(ctx, evs)
		if err != nil {
			b.Fatal(err)
		}
		deltas := map[string]*Delta{}
		for j, r := range res {
			if r.Outcome != Created {
				b.Fatalf("event %d: %+v", j, r)
			}
			fp := evs[j].Faultline.Fingerprint
			if deltas[fp] == nil {
				deltas[fp] = &Delta{Fingerprint: fp, First: evs[j].Timestamp, Last: evs[j].Timestamp, Sample: evs[j]}
			}
			deltas[fp].Count++
		}
		var list []Delta
		for _, d := range deltas {
			list = append(list, *d)
		}
		if _, err := s.UpdateGroups(ctx, list); err != nil {
			b.Fatal(err)
		}
		procDur += time.Since(start)

		raw := benchEvents(2*i+1, batch, groups)
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		for _, ev := range raw {
			enc.Encode(map[string]any{"create": map[string]string{"_id": ev.Event.ID}})
			enc.Encode(ev)
		}
		start = time.Now()
		r, err := s.es.Bulk(&buf, s.es.Bulk.WithIndex(elastic.EventsDataStream), s.es.Bulk.WithContext(ctx))
		if err := elastic.Check(r, err); err != nil {
			b.Fatal(err)
		}
		rawDur += time.Since(start)
		events += batch
	}
	proc := float64(events) / procDur.Seconds()
	raw := float64(events) / rawDur.Seconds()
	b.ReportMetric(proc, "processor_events/s")
	b.ReportMetric(raw, "raw_bulk_events/s")
	b.ReportMetric(proc/raw, "ratio")
}
