package web_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/elastic"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/testenv"
	"github.com/faultline/faultline/processor"
	"github.com/faultline/faultline/web"
)

// TestTrendPages: the list sorted by trend, with a level filter and a key
// scoped to two of three services, ranks the groups by their events of
// the last hour (most first, ties by fingerprint as Elasticsearch's terms
// aggregation breaks them), ignoring older events, and its pages follow
// each other without a gap or an overlap, each row its group's whole
// document.
func TestTrendPages(t *testing.T) {
	ctx := context.Background()
	es, err := elastic.NewClient([]string{testenv.ElasticsearchURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := elastic.Setup(ctx, es); err != nil {
		t.Fatal(err)
	}
	data := web.NewData(es)
	now := time.Now().UTC()
	prefix := fmt.Sprintf("wtrend%d", now.UnixNano())
	services := []string{prefix + "-pay", prefix + "-cart", prefix + "-other"}
	levels := []string{"ERROR", "ERROR", "ERROR", "WARN"}

	type seeded struct {
		fp, title, service, level string
		hour                      int
	}
	var groups []seeded
	var deltas []processor.Delta
	var events []*event.Event
	for i := range 120 {
		// Many ties in the hour, and older events that would turn the
		// order round if they were counted.
		g := seeded{fp: fmt.Sprintf("%s-%03d", prefix, i), service: services[i%3], level: levels[i%4], hour: 1 + (i*7)%11}
		older := 12 - g.hour
		if i == 119 {
			g.hour, older = 0, 30 // busy, but not in the last hour
		}
		sample := &event.Event{Message: fmt.Sprintf("trend boom %d", i), Service: event.Service{Name: g.service, Environment: "production"}, Log: event.Log{Level: g.level}}
		g.title = processor.Title(sample)
		groups = append(groups, g)
		for j := range g.hour + older {
			at := now.Add(-time.Duration(j+1) * time.Minute)
			if j >= g.hour {
				at = now.Add(-2*time.Hour - time.Duration(j)*time.Minute)
			}
			ev := *sample
			ev.Timestamp = at
			ev.Event = event.Meta{ID: fmt.Sprintf("%s-%d", g.fp, j), Ingested: now}
			ev.Faultline = event.Faultline{Fingerprint: g.fp}
			events = append(events, &ev)
		}
		deltas = append(deltas, processor.Delta{Fingerprint: g.fp, Count: g.hour + older,
			First: now.Add(-3 * time.Hour), Last: now.Add(-time.Minute), Sample: sample})
	}
	results, err := processor.NewEventWriter(es).CreateEvents(ctx, events)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range results {
		if r.Outcome != processor.Created {
			t.Fatalf("event %s: %v %s", events[i].Event.ID, r.Outcome, r.Reason)
		}
	}
	if _, err := processor.NewCounter(es).UpdateGroups(ctx, deltas); err != nil {
		t.Fatal(err)
	}
	for _, index := range []string{elastic.GroupsIndex, web.EventsIndex} {
		if err := elastic.Check(es.Indices.Refresh(es.Indices.Refresh.WithIndex(index))); err != nil {
			t.Fatal(err)
		}
	}

	// What the page must show: the key's services' ERROR groups with
	// events in the last hour, most first.
	var want []seeded
	for _, g := range groups {
		if g.service != services[2] && g.level == "ERROR" && g.hour > 0 {
			want = append(want, g)
		}
	}
	slices.SortFunc(want, func(a, b seeded) int { return cmp.Or(b.hour-a.hour, cmp.Compare(a.fp, b.fp)) })

	q := web.ListQuery{Level: "ERROR", Sort: "trend", Size: 20, Scope: []string{prefix + "-pay", prefix + "-c*"}}
	var got []seeded
	for pages := 0; ; pages++ {
		if pages > len(want)/q.Size+1 {
			t.Fatalf("more than %d pages", pages)
		}
		page, err := data.ListGroups(ctx, q, now)
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != int64(len(want)) || page.TotalCapped {
			t.Errorf("page %d: total %d (capped %v), want %d", pages, page.Total, page.TotalCapped, len(want))
		}
		if page.Next != "" && len(page.Groups) != q.Size {
			t.Errorf("page %d: %d rows and a next page", pages, len(page.Groups))
		}
		for _, g := range page.Groups {
			got = append(got, seeded{fp: g.Fingerprint, title: g.Title, service: g.Service.Name, level: g.Log.Level})
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	if len(got) != len(want) {
		t.Fatalf("%d groups over the pages, want %d", len(got), len(want))
	}
	for i, g := range got {
		w := want[i]
		w.hour = 0
		if g != w {
			t.Fatalf("row %d is %+v, want %+v", i, g, w)
		}
	}

	// A filter on one service keeps its share of the same order; a cursor
	// past the end is an empty last page.
	q = web.ListQuery{Service: services[0], Level: "ERROR", Sort: "trend", Scope: q.Scope}
	page, err := data.ListGroups(ctx, q, now)
	if err != nil {
		t.Fatal(err)
	}
	var wantPay []string
	for _, g := range want {
		if g.service == services[0] {
			wantPay = append(wantPay, g.fp)
		}
	}
	var gotPay []string
	for _, g := range page.Groups {
		gotPay = append(gotPay, g.Fingerprint)
	}
	if !slices.Equal(gotPay, wantPay) || page.Next != "" {
		t.Errorf("one service: %v (next %q), want %v", gotPay, page.Next, wantPay)
	}
	q.After = fmt.Sprintf("t%d", len(wantPay)+50)
	if page, err = data.ListGroups(ctx, q, now); err != nil || len(page.Groups) != 0 || page.Next != "" {
		t.Errorf("past the end: %d rows, next %q, err %v", len(page.Groups), page.Next, err)
	}
}
