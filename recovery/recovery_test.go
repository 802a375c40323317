package recovery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/elastic"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/testenv"
	"github.com/faultline/faultline/processor"
)

// drillEvents is the drill's size: FAULTLINE_DRILL_EVENTS (make drill), else
// a size CI affords.
func drillEvents(t *testing.T) int {
	if s := os.Getenv("FAULTLINE_DRILL_EVENTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 4 {
			t.Fatalf("FAULTLINE_DRILL_EVENTS=%q: want a number of at least 4", s)
		}
		return n
	}
	return 20000
}

// TestRestoreAndReplayAfterElasticsearchIsLost is the disaster recovery
// drill on a node of its own: events, a snapshot midway, more events (some
// of new groups), then Elasticsearch's data is wiped and `faultline
// restore` brings back the snapshot and replays the rest from JetStream.
// Every accepted event must be stored exactly once and every group count
// exact. Before the wipe, a restore without --force must refuse and delete
// nothing; after it, on the empty node (this distribution has no data stream
// API), it must restore without --force, since nothing is there to delete.
// Then, with the stream's oldest events gone past the snapshot, a forced
// restore over the live data replays what the stream has and reports how
// many are beyond reach.
func TestRestoreAndReplayAfterElasticsearchIsLost(t *testing.T) {
	n := drillEvents(t)
	node := testenv.StartPrivateElasticsearch(t)
	es, err := elastic.NewClient([]string{node.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	log := zerolog.New(os.Stderr).Level(zerolog.WarnLevel)
	_, _, js := testenv.JetStream(t)
	if err := elastic.EnsureRepository(ctx, es, "faultline", filepath.Join(node.State, "snapshots", "drill")); err != nil {
		t.Fatal(err)
	}
	service := fmt.Sprintf("drill-%d", time.Now().UnixNano())
	first, second := n/2, n-n/2

	stop := runProcessor(t, js, es, log)
	publish(t, js, service, 0, first, 5)
	waitStored(t, es, first)
	snap, err := elastic.Snapshot(ctx, es, "faultline", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// Three groups appear only after the snapshot.
	publish(t, js, service, first, second, 8)
	waitStored(t, es, n)
	stop()
	checkExactlyOnce(t, es, service, n)

	_, err = Run(ctx, es, Options{Repo: "faultline", JS: js}, log)
	if !errors.Is(err, elastic.ErrLiveData) || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("restore without --force over live data: %v, want a refusal naming --force", err)
	}
	if got := countEvents(t, es); got != n {
		t.Fatalf("after a refused restore: %d events, want %d untouched", got, n)
	}

	node.Wipe(t)
	es, err = elastic.NewClient([]string{node.URL})
	if err != nil {
		t.Fatal(err)
	}
	if err := elastic.EnsureRepository(ctx, es, "faultline", filepath.Join(node.State, "snapshots", "drill")); err != nil {
		t.Fatal(err)
	}
	rep, err := Run(ctx, es, Options{Repo: "faultline", JS: js}, log)
	var out bytes.Buffer
	rep.Print(&out)
	t.Logf("drill of %d events, snapshot after %d:\n%s", n, first, out.String())
	if err != nil {
		t.Fatalf("restore on the wiped node: %v", err)
	}
	if rep.Snapshot.Name != snap || len(rep.Restore.Deleted) != 0 {
		t.Errorf("restored %s deleting %v, want %s deleting nothing", rep.Snapshot.Name, rep.Restore.Deleted, snap)
	}
	if r := rep.Replay; r == nil || r.Written != second || r.Gap || r.Refused != 0 {
		t.Errorf("replay %+v: want the %d events after the snapshot written, nothing beyond reach", r, second)
	}
	checkExactlyOnce(t, es, service, n)
	checkGroupCounts(t, es, service, n, 8)
	if !t.Failed() {
		t.Logf("after restore and replay: %d events each stored exactly once, the 8 groups' counts exact", n)
	}

	// The stream loses its oldest events, up to k past the snapshot.
	const k = 7
	stream, err := js.Stream(ctx, broker.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Purge(ctx, jetstream.WithPurgeSequence(uint64(first+k+1))); err != nil {
		t.Fatal(err)
	}
	rep, err = Run(ctx, es, Options{Repo: "faultline", JS: js, Force: true}, log)
	out.Reset()
	rep.Print(&out)
	t.Logf("snapshot older than the stream:\n%s", out.String())
	if err != nil {
		t.Fatalf("forced restore over live data: %v", err)
	}
	if len(rep.Restore.Deleted) != 2 {
		t.Errorf("deleted %v, want the events data stream and the groups index", rep.Restore.Deleted)
	}
	if r := rep.Replay; r == nil || !r.Gap || r.BeyondReachAtMost != k || r.Written != second-k {
		t.Errorf("replay %+v: want %d beyond reach and %d written", r, k, second-k)
	}
	if !strings.Contains(out.String(), fmt.Sprintf("at most %d of them", k)) {
		t.Errorf("report does not say how many are beyond reach:\n%s", out.String())
	}
	checkExactlyOnce(t, es, service, n-k)
	checkGroupCounts(t, es, service, n-k, 8)
}

// runProcessor runs a processor until the returned stop is called.
func runProcessor(t *testing.T, js jetstream.JetStream, es *elasticsearch.Client, log zerolog.Logger) func() {
	p := processor.New(js, es, log, processor.Config{Linger: 10 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("processor: %v", err)
		}
	}
	t.Cleanup(stop)
	return stop
}

// publish puts events from..from+count on the stream as ingest does, spread
// over kinds groups.
func publish(t *testing.T, js jetstream.JetStream, service string, from, count, kinds int) {
	t.Helper()
	for i := from; i < from+count; i++ {
		ev := &event.Event{Timestamp: time.Now().UTC(), Message: fmt.Sprintf("order %d failed", i), Log: event.Log{Level: "ERROR"},
			Service: event.Service{Name: service}, Event: event.Meta{ID: fmt.Sprintf("%s-%d", service, i)},
			Error: &event.Error{Type: fmt.Sprintf("com.example.Kind%d", i%kinds), Message: "order failed"}}
		data, err := event.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := js.PublishAsync(broker.EventsSubject, data, jetstream.WithMsgID(ev.Event.ID)); err != nil {
			t.Fatal(err)
		}
		if (i+1-from)%1000 == 0 || i == from+count-1 {
			// In rounds, so the pending acks stay under the client's cap.
			select {
			case <-js.PublishAsyncComplete():
			case <-time.After(time.Minute):
				t.Fatal("publishes not acknowledged within a minute")
			}
		}
	}
}

// waitStored waits for want events stored, allowing 5 minutes plus 2 ms an
// event, so that the drill at scale on a busy machine is not cut short.
func waitStored(t *testing.T, es *elasticsearch.Client, want int) {
	t.Helper()
	limit := 5*time.Minute + time.Duration(want)*2*time.Millisecond
	testenv.Eventually(t, fmt.Sprintf("%d events stored", want), limit, func() bool { return countEvents(t, es) >= want })
}

func countEvents(t *testing.T, es *elasticsearch.Client) int {
	t.Helper()
	var out struct {
		Count int `json:"count"`
	}
	query(t, es, "logs-faultline-*", "_count", map[string]any{}, &out)
	return out.Count
}

// query runs a search API (_search, _count) on index and decodes its answer.
func query(t *testing.T, es *elasticsearch.Client, index, api string, q map[string]any, out any) {
	t.Helper()
	body, _ := json.Marshal(q)
	req, err := http.NewRequest(http.MethodPost, "/"+index+"/"+api, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := es.Perform(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%s/%s: %s", index, api, res.Status)
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}

func refresh(t *testing.T, es *elasticsearch.Client) {
	t.Helper()
	if err := elastic.Check(es.Indices.Refresh(es.Indices.Refresh.WithIndex("logs-faultline-*", elastic.GroupsIndex))); err != nil {
		t.Fatal(err)
	}
}

// checkExactlyOnce checks that everything the data view logs-faultline-*
// shows of service is events 0..want-1... of the drill, each exactly once:
// as many documents as distinct event ids, and want of them.
func checkExactlyOnce(t *testing.T, es *elasticsearch.Client, service string, want int) {
	t.Helper()
	refresh(t, es)
	seen := map[string]int{}
	docs := 0
	var after []any
	for {
		q := map[string]any{"size": 5000, "_source": false, "fields": []string{"event.id"},
			"query": map[string]any{"term": map[string]any{"service.name": service}},
			"sort":  []any{map[string]any{"event.id": "asc"}}}
		if after != nil {
			q["search_after"] = after
		}
		var sr struct {
			Hits struct {
				Hits []struct {
					Sort []any `json:"sort"`
				} `json:"hits"`
			} `json:"hits"`
		}
		query(t, es, "logs-faultline-*", "_search", q, &sr)
		if len(sr.Hits.Hits) == 0 {
			break
		}
		for _, h := range sr.Hits.Hits {
			seen[fmt.Sprint(h.Sort[0])]++
			docs++
		}
		after = sr.Hits.Hits[len(sr.Hits.Hits)-1].Sort
	}
	dups := 0
	for _, c := range seen {
		if c > 1 {
			dups++
		}
	}
	if docs != want || len(seen) != want || dups != 0 {
		t.Errorf("logs-faultline-* holds %d events of %d distinct ids (%d duplicated), want %d exactly once", docs, len(seen), dups, want)
	}
}

// checkGroupCounts checks that service has groups groups and each one's
// count is the number of its events stored, together total.
func checkGroupCounts(t *testing.T, es *elasticsearch.Client, service string, total, groups int) {
	t.Helper()
	refresh(t, es)
	var gr struct {
		Hits struct {
			Hits []struct {
				Source struct {
					Fingerprint string `json:"fingerprint"`
					Count       int    `json:"count"`
				} `json:"_source"`
			} `json:"hits"`
		} `json:"hits"`
	}
	query(t, es, elastic.GroupsIndex, "_search", map[string]any{"size": 100,
		"query": map[string]any{"term": map[string]any{"service.name": service}}}, &gr)
	if len(gr.Hits.Hits) != groups {
		t.Errorf("%d groups, want %d", len(gr.Hits.Hits), groups)
	}
	sum := 0
	for _, h := range gr.Hits.Hits {
		g := h.Source
		var c struct {
			Count int `json:"count"`
		}
		query(t, es, "logs-faultline-*", "_count", map[string]any{"query": map[string]any{"term": map[string]any{"faultline.fingerprint": g.Fingerprint}}}, &c)
		if g.Count != c.Count {
			t.Errorf("group %s counts %d, its events stored: %d", g.Fingerprint, g.Count, c.Count)
		}
		sum += g.Count
	}
	if sum != total {
		t.Errorf("group counts add up to %d, want %d", sum, total)
	}
}
