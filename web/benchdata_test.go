//go:build bench

package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"golang.org/x/sync/errgroup"

	"github.com/faultline/faultline/internal/elastic"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/group"
	"github.com/faultline/faultline/schemas"
)

// The benchmark's data set: its own indices on the shared node (never the
// live groups index or events data stream), named so that no index
// template applies to them. They are kept between runs while their _meta
// says they hold this generation, so a second run measures at once;
// FAULTLINE_WEB_BENCH_KEEP=1 keeps them after the run too.
const (
	benchGroups   = "faultline-webbench-groups"
	benchEvents   = "faultline-webbench-events"
	benchGroupN   = 100_000
	benchEventN   = 1_000_000
	benchServices = 20
	// benchVersion changes with the documents' shape, so stale indices are
	// rebuilt rather than measured.
	benchVersion = "2"
	// benchSpan is how far back the events reach: the longest chart range.
	benchSpan = 14 * 24 * time.Hour
)

// benchData is the generated set as the benchmarks address it.
type benchData struct {
	es *elasticsearch.Client
	// generated is when the set was made; its events lie in the benchSpan
	// before it.
	generated time.Time
	// top, mid and tail are fingerprints of a group with the most events,
	// one with about a thousand, and one with a single event.
	top, mid, tail string
}

func benchFingerprint(i int) string { return fmt.Sprintf("webbench%06d", i) }
func benchService(i int) string     { return fmt.Sprintf("wb-svc-%02d", i%benchServices) }

// words make titles and messages varied enough for text search to mean
// something.
var benchWords = strings.Fields(`order payment invoice cart checkout user session token account ledger
	shipment warehouse price coupon refund tax address email report export import queue batch cache
	index lock retry timeout socket tenant quota plan catalog search`)

var benchTypes = []string{"java.lang.IllegalStateException", "java.lang.NullPointerException",
	"java.sql.SQLTransientConnectionException", "java.net.SocketTimeoutException",
	"org.springframework.dao.DataIntegrityViolationException", "java.lang.IllegalArgumentException",
	"com.fasterxml.jackson.databind.JsonMappingException", "java.util.concurrent.TimeoutException"}

// benchTitle is group i's message; the same for each of its events but the
// number, as a message template would have it.
func benchTitle(i int) (typ, msg string) {
	r := rand.New(rand.NewSource(int64(i)))
	w := func() string { return benchWords[r.Intn(len(benchWords))] }
	return benchTypes[r.Intn(len(benchTypes))], fmt.Sprintf("%s %s failed for %s %d: %s %s", w(), w(), w(), i, w(), w())
}

// benchStack is a Java stack of a dozen frames, half of them the app's.
func benchStack(i int) (string, []event.Frame) {
	typ, msg := benchTitle(i)
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n", typ, msg)
	var frames []event.Frame
	for f := range 12 {
		cls := fmt.Sprintf("com.example.svc%02d.%s.Handler%d", i%benchServices, benchWords[(i+f)%len(benchWords)], f)
		if f%2 == 1 {
			cls = fmt.Sprintf("org.springframework.web.servlet.Frame%d", f)
		}
		fr := event.Frame{Class: cls, Method: benchWords[(i*7+f)%len(benchWords)], File: fmt.Sprintf("Handler%d.java", f), Line: 40 + f*13}
		frames = append(frames, fr)
		fmt.Fprintf(&b, "\tat %s.%s(%s:%d)\n", fr.Class, fr.Method, fr.File, fr.Line)
	}
	return b.String(), frames
}

// benchAssignments gives each event its group: one event per group, then
// the rest drawn from a Zipf distribution, as real errors cluster on a few
// bugs; and each event its time, uniform over the span.
func benchAssignments() (groupOf []int32, ageOf []int32) {
	r := rand.New(rand.NewSource(42))
	z := rand.NewZipf(r, 1.07, 8, benchGroupN-1)
	groupOf = make([]int32, benchEventN)
	ageOf = make([]int32, benchEventN)
	for e := range groupOf {
		if e < benchGroupN {
			groupOf[e] = int32(e)
		} else {
			groupOf[e] = int32(z.Uint64())
		}
		ageOf[e] = int32(r.Int63n(int64(benchSpan / time.Second)))
	}
	return groupOf, ageOf
}

// loadBenchData returns the data set, generating it unless the node holds
// this generation already.
func loadBenchData(b *testing.B, esURL string) *benchData {
	b.Helper()
	es, err := elastic.NewClient([]string{esURL})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	d := &benchData{es: es}
	if gen, ok := benchPresent(ctx, esURL); ok {
		d.generated = gen
		b.Logf("reusing %s and %s (generated %s)", benchGroups, benchEvents, gen.Format(time.RFC3339))
	} else {
		start := time.Now()
		if err := generateBench(ctx, es, esURL, d); err != nil {
			b.Fatal(err)
		}
		b.Logf("generated %d groups and %d events in %s", benchGroupN, benchEventN, time.Since(start).Round(time.Second))
	}
	counts := make([]int, benchGroupN)
	groupOf, _ := benchAssignments()
	for _, g := range groupOf {
		counts[g]++
	}
	d.top, d.tail = benchFingerprint(0), benchFingerprint(benchGroupN-1)
	for i, c := range counts {
		if c >= 900 && c <= 1100 {
			d.mid = benchFingerprint(i)
			break
		}
	}
	if os.Getenv("FAULTLINE_WEB_BENCH_KEEP") == "" {
		b.Cleanup(func() { deleteBenchIndices(esURL) })
	}
	return d
}

// benchPresent says whether both indices hold this generation, complete.
func benchPresent(ctx context.Context, esURL string) (time.Time, bool) {
	var m map[string]struct {
		Mappings struct {
			Meta struct {
				Version   string    `json:"webbench_version"`
				Generated time.Time `json:"generated"`
				Complete  bool      `json:"complete"`
			} `json:"_meta"`
		} `json:"mappings"`
	}
	if benchGetJSON(ctx, esURL+"/"+benchGroups+"/_mapping", &m) != nil {
		return time.Time{}, false
	}
	meta := m[benchGroups].Mappings.Meta
	if meta.Version != benchVersion || !meta.Complete {
		return time.Time{}, false
	}
	for index, want := range map[string]int{benchGroups: benchGroupN, benchEvents: benchEventN} {
		var c struct {
			Count int `json:"count"`
		}
		if benchGetJSON(ctx, esURL+"/"+index+"/_count", &c) != nil || c.Count != want {
			return time.Time{}, false
		}
	}
	return meta.Generated, true
}

func benchGetJSON(ctx context.Context, url string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, res.Status)
	}
	return json.NewDecoder(res.Body).Decode(out)
}

func deleteBenchIndices(esURL string) {
	req, err := http.NewRequest(http.MethodDelete, esURL+"/"+benchGroups+","+benchEvents+"?ignore_unavailable=true", nil)
	if err != nil {
		return
	}
	if res, err := http.DefaultClient.Do(req); err == nil {
		res.Body.Close()
	}
}

// createBenchIndex makes index with the mappings of faultline's template
// (so the pages query what production holds), one shard, no replica, no
// refresh while loading.
func createBenchIndex(ctx context.Context, es *elasticsearch.Client, index string, template []byte, meta map[string]any) error {
	var t struct {
		Template struct {
			Mappings map[string]any `json:"mappings"`
		} `json:"template"`
	}
	if err := json.Unmarshal(template, &t); err != nil {
		return fmt.Errorf("template of %s: %w", index, err)
	}
	mappings := t.Template.Mappings
	if meta != nil {
		mappings["_meta"] = meta
	}
	body, err := json.Marshal(map[string]any{
		"settings": map[string]any{"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "-1",
			"mapping": map[string]any{"total_fields": map[string]any{"limit": 2000}}},
		"mappings": mappings,
	})
	if err != nil {
		return err
	}
	return elastic.Check(es.Indices.Create(index, es.Indices.Create.WithBody(bytes.NewReader(body)), es.Indices.Create.WithContext(ctx)))
}

// generateBench writes the set: groups whose counts, first and last seen
// agree with their events. Two bulk writers of 5000 small documents keep
// the node's 1 GiB heap comfortable.
func generateBench(ctx context.Context, es *elasticsearch.Client, esURL string, d *benchData) error {
	deleteBenchIndices(esURL)
	d.generated = time.Now().UTC().Truncate(time.Second)
	meta := map[string]any{"webbench_version": benchVersion, "generated": d.generated, "complete": false}
	if err := createBenchIndex(ctx, es, benchGroups, schemas.GroupsTemplate, meta); err != nil {
		return err
	}
	if err := createBenchIndex(ctx, es, benchEvents, schemas.EventsTemplate, nil); err != nil {
		return err
	}
	groupOf, ageOf := benchAssignments()
	type span struct {
		first, last time.Time
		count       int64
		lastEvent   int
	}
	spans := make([]span, benchGroupN)
	at := func(e int) time.Time { return d.generated.Add(-time.Duration(ageOf[e]) * time.Second) }
	for e, g := range groupOf {
		t, s := at(e), &spans[g]
		if s.count == 0 || t.Before(s.first) {
			s.first = t
		}
		if s.count == 0 || t.After(s.last) {
			s.last, s.lastEvent = t, e
		}
		s.count++
	}
	// The newest event of a group carries its exception chain, the rest
	// only their message: the group page shows the newest one's frames.
	docs := make(chan []byte, 64)
	eg, ectx := errgroup.WithContext(ctx)
	eg.Go(func() error {
		defer close(docs)
		for e, g := range groupOf {
			gi := int(g)
			typ, msg := benchTitle(gi)
			ev := event.Event{
				Timestamp: at(e),
				Message:   strings.Replace(msg, fmt.Sprint(gi), fmt.Sprint(e), 1),
				Log:       event.Log{Level: []string{"ERROR", "ERROR", "ERROR", "WARN", "FATAL"}[gi%5], Logger: "com.example.Handler"},
				Service:   event.Service{Name: benchService(gi), Environment: []string{"production", "staging"}[gi%3/2], Version: fmt.Sprintf("1.%d.0", e%7)},
				Error:     &event.Error{Type: typ},
				Event:     event.Meta{ID: fmt.Sprintf("wbe%07d", e), Ingested: at(e)},
				Labels:    map[string]string{"region": []string{"eu-west-1", "us-east-1", "ap-south-1"}[e%3], "tier": []string{"free", "pro"}[e%2]},
				Faultline: event.Faultline{Fingerprint: benchFingerprint(gi)},
			}
			if e%4 == 0 {
				ev.Trace = &event.Trace{ID: fmt.Sprintf("%032x", e)}
			}
			if spans[gi].lastEvent == e {
				_, frames := benchStack(gi)
				ev.Faultline.Exceptions = []event.Exception{{Type: typ, Message: msg, Frames: frames}}
			}
			line, err := json.Marshal(ev)
			if err != nil {
				return err
			}
			select {
			case docs <- fmt.Appendf(nil, "{\"create\":{\"_id\":%q}}\n%s\n", ev.Event.ID, line):
			case <-ectx.Done():
				return ectx.Err()
			}
		}
		return nil
	})
	writers := func(index string, docs <-chan []byte) {
		for range 2 {
			eg.Go(func() error { return bulkAll(ectx, es, index, docs) })
		}
	}
	writers(benchEvents, docs)
	if err := eg.Wait(); err != nil {
		return fmt.Errorf("events: %w", err)
	}

	gdocs := make(chan []byte, 64)
	eg, ectx = errgroup.WithContext(ctx)
	eg.Go(func() error {
		defer close(gdocs)
		for i := range benchGroupN {
			typ, msg := benchTitle(i)
			stack, _ := benchStack(i)
			s := spans[i]
			g := group.Group{Fingerprint: benchFingerprint(i), Title: typ + ": " + msg, Message: msg,
				Service: event.Service{Name: benchService(i), Environment: []string{"production", "staging"}[i%3/2], Version: "1.0.0"},
				Error:   group.ErrorInfo{Type: typ}, Log: event.Log{Level: []string{"ERROR", "ERROR", "ERROR", "WARN", "FATAL"}[i%5], Logger: "com.example.Handler"},
				Culprit: fmt.Sprintf("com.example.svc%02d.%s.Handler0.%s", i%benchServices, benchWords[i%len(benchWords)], benchWords[(i*7)%len(benchWords)]),
				Count:   s.count, FirstSeen: s.first, LastSeen: s.last, Status: group.StatusOpen,
				Sample: group.Sample{EventID: fmt.Sprintf("wbe%07d", s.lastEvent), Timestamp: s.last, Message: msg, StackTrace: stack}}
			switch i % 50 {
			case 7:
				g.Status = group.StatusMuted
			case 13:
				g.Status = group.StatusResolved
				r := s.last.Add(time.Hour)
				g.ResolvedAt = &r
			}
			line, err := json.Marshal(g)
			if err != nil {
				return err
			}
			select {
			case gdocs <- fmt.Appendf(nil, "{\"create\":{\"_id\":%q}}\n%s\n", g.Fingerprint, line):
			case <-ectx.Done():
				return ectx.Err()
			}
		}
		return nil
	})
	writers(benchGroups, gdocs)
	if err := eg.Wait(); err != nil {
		return fmt.Errorf("groups: %w", err)
	}
	// Searchable, merged (as a day-old index would be), then marked
	// complete, so an interrupted generation is never reused.
	for _, index := range []string{benchEvents, benchGroups} {
		body := strings.NewReader(`{"index":{"refresh_interval":"1s"}}`)
		if err := elastic.Check(es.Indices.PutSettings(body, es.Indices.PutSettings.WithIndex(index), es.Indices.PutSettings.WithContext(ctx))); err != nil {
			return err
		}
		if err := elastic.Check(es.Indices.Refresh(es.Indices.Refresh.WithIndex(index), es.Indices.Refresh.WithContext(ctx))); err != nil {
			return err
		}
		if err := elastic.Check(es.Indices.Forcemerge(es.Indices.Forcemerge.WithIndex(index), es.Indices.Forcemerge.WithMaxNumSegments(1), es.Indices.Forcemerge.WithContext(ctx))); err != nil {
			return err
		}
	}
	meta["complete"] = true
	body, err := json.Marshal(map[string]any{"_meta": meta})
	if err != nil {
		return err
	}
	return elastic.Check(es.Indices.PutMapping([]string{benchGroups}, bytes.NewReader(body), es.Indices.PutMapping.WithContext(ctx)))
}

// bulkAll sends docs in requests of 5000, failing on any item's error.
func bulkAll(ctx context.Context, es *elasticsearch.Client, index string, docs <-chan []byte) error {
	var buf bytes.Buffer
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		res, err := es.Bulk(bytes.NewReader(buf.Bytes()), es.Bulk.WithIndex(index), es.Bulk.WithContext(ctx), es.Bulk.WithFilterPath("errors,items.*.error"))
		if err != nil {
			return fmt.Errorf("bulk into %s: %w", index, err)
		}
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var r struct {
			Errors bool `json:"errors"`
		}
		if res.IsError() || json.Unmarshal(raw, &r) != nil || r.Errors {
			return fmt.Errorf("bulk into %s: %.500s", index, raw)
		}
		buf.Reset()
		n = 0
		return nil
	}
	for doc := range docs {
		buf.Write(doc)
		if n++; n == 5000 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}
