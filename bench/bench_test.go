//go:build bench

// Package bench measures the whole pipeline as separate processes on this
// machine and prints one line per figure: "name: value unit (ratio to
// baseline)". Run it with `make bench`.
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/faultline/faultline/grouping"
	"net/http"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/faultline/faultline/ingest"
	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/elastic"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/harness"
	"github.com/faultline/faultline/internal/testenv"
	"github.com/faultline/faultline/loadgen"
	"github.com/faultline/faultline/processor"
)

func TestMain(m *testing.M) { harness.Main(m) }

func figure(b *testing.B, name string, value float64, unit, ratio string) {
	line := fmt.Sprintf("%s: %.0f %s (%s)", name, value, unit, ratio)
	if value < 10 {
		line = fmt.Sprintf("%s: %.2f %s (%s)", name, value, unit, ratio)
	}
	fmt.Println(line)
	b.ReportMetric(value, strings.ReplaceAll(unit, " ", "_"))
}

func prefix(tag string) string { return fmt.Sprintf("bench%s%d-", tag, time.Now().UnixNano()%1e6) }

// canonical turns loadgen's events into canonical events as the processor
// indexes them (parsed, fingerprinted), encoded as encoding/json would, with
// fresh ids so that they never collide with what the pipeline wrote. The ids
// are made the way ingest makes them (ingest.DerivedID) because their shape
// moves Elasticsearch's cost (BenchmarkIDShapes): until 2026-11-25 these
// were "raw-<ns>-<i>", cheaper to look up than the pipeline's random ids of
// then, and the baseline was faster than the same documents would be.
func canonical(b *testing.B, g *loadgen.Generator, n, bugs int) [][]byte {
	out := make([][]byte, n)
	run := time.Now().UnixNano()
	for i := range out {
		ev, err := ingest.ParseEvent(g.Event(i%bugs, i/bugs))
		if err != nil {
			b.Fatal(err)
		}
		ev.Timestamp, ev.Event.Ingested = time.Now().UTC(), time.Now().UTC()
		ev.Event.ID = ingest.DerivedID(fmt.Appendf(nil, "raw-%d-%d", run, i), ev.Timestamp)
		ev.Faultline.Fingerprint = grouping.NewFingerprinter().Compute(&ev).Fingerprint
		// The processor's documents carry their write time too.
		stored := time.Now().UTC().Truncate(time.Millisecond)
		ev.Faultline.StoredAt = &stored
		out[i], _ = json.Marshal(ev)
	}
	return out
}

func countPrefix(b *testing.B, esURL, index, pfx string) int {
	return testenv.ESCount(esURL, index, fmt.Sprintf(`{"query":{"prefix":{"service.name":%q}}}`, pfx))
}

// BenchmarkIngest: events/s that ingest accepts (parsed, published, acked by
// JetStream) against the raw JetStream publish rate of the same events. The
// raw rate is measured before and after ingest and averaged, so a drift of
// the machine during the run (page cache, the node's merges) does not land on
// one side only.
func BenchmarkIngest(b *testing.B) {
	const n = 150000
	p := harness.New(b, 0, 0)
	// The request bodies and the raw documents are made before any clock
	// starts, so the figures are ingest's and JetStream's, not the generator's.
	pfx := prefix("ing")
	g := loadgen.NewGenerator(loadgen.Config{Services: 5, Bugs: 100, Seed: 1, Prefix: pfx})
	var bodies [][]byte
	for i := 0; i < n; i += 200 {
		var buf bytes.Buffer
		for j := i; j < i+200; j++ {
			buf.Write(g.Event(j%100, j/100))
			buf.WriteByte('\n')
		}
		bodies = append(bodies, buf.Bytes())
	}
	// Half as many per raw run, twice: the same events, and the raw rate is
	// steady well before 75 000.
	docs := canonical(b, loadgen.NewGenerator(loadgen.Config{Services: 5, Bugs: 100, Seed: 1, Prefix: pfx}), n/2, 100)
	ctx := context.Background()
	if _, err := p.JS.CreateOrUpdateStream(ctx, jetstream.StreamConfig{Name: "BENCH_RAW", Subjects: []string{"bench.raw.>"}, Storage: jetstream.FileStorage, Duplicates: time.Minute}); err != nil {
		b.Fatal(err)
	}
	rawRun := func(run int) float64 {
		start := time.Now()
		var futures []jetstream.PubAckFuture
		for i, d := range docs {
			f, err := p.JS.PublishAsync(fmt.Sprintf("bench.raw.%d", run), d, jetstream.WithMsgID(fmt.Sprintf("%d-%d", run, i)))
			if err != nil {
				b.Fatal(err)
			}
			futures = append(futures, f)
			if len(futures) == 4000 {
				for _, f := range futures {
					<-f.Ok()
				}
				futures = futures[:0]
			}
		}
		for _, f := range futures {
			<-f.Ok()
		}
		return float64(len(docs)) / time.Since(start).Seconds()
	}
	raw1 := rawRun(1)

	elapsed := sendBodies(b, p.IngestURL+"/v1/logs", bodies)
	accepted := float64(n) / elapsed.Seconds()
	raw2 := rawRun(2)
	raw := (raw1 + raw2) / 2
	figure(b, "ingest accepted", accepted, "events/s", fmt.Sprintf("%.2f of raw JetStream publish", accepted/raw))
	figure(b, "jetstream raw publish", raw, "events/s", fmt.Sprintf("baseline; %.0f before and %.0f after ingest", raw1, raw2))
}

// BenchmarkEndToEnd: events/s from the first request to the last event
// searchable, against a raw bulk of the same documents into Elasticsearch.
func BenchmarkEndToEnd(b *testing.B) {
	const n = 50000
	p := harness.New(b, 1, 0)
	pfx := prefix("e2e")
	start := time.Now()
	if _, err := loadgen.Run(context.Background(), loadgen.Config{URL: p.IngestURL, Services: 5, Bugs: 100, Events: n, Batch: 200, Workers: 4, Seed: 2, Prefix: pfx}); err != nil {
		b.Fatal(err)
	}
	testenv.Eventually(b, "all events searchable", 10*time.Minute, func() bool { return countPrefix(b, p.ESURL, "logs-faultline-default", pfx) >= n })
	e2e := float64(n) / time.Since(start).Seconds()

	es, err := elastic.NewClient([]string{p.ESURL})
	if err != nil {
		b.Fatal(err)
	}
	docs := canonical(b, loadgen.NewGenerator(loadgen.Config{Services: 5, Bugs: 100, Seed: 2, Prefix: pfx}), n, 100)
	raw := rawBulk(b, es, docs)
	figure(b, "end-to-end into elasticsearch", e2e, "events/s", fmt.Sprintf("%.2f of raw bulk", e2e/raw))
	figure(b, "elasticsearch raw bulk", raw, "events/s", "baseline")
}

// BenchmarkProcessor: the processor alone draining a backlog into
// Elasticsearch (events, groups, acks) against a raw bulk of the same
// documents in the same run. A node's merges move a single 10-second run by
// ±15 %, so there are three rounds, each a processor run between two raw
// bulks, and the figure is the median round.
func BenchmarkProcessor(b *testing.B) {
	const n, rounds = 150000, 3
	p := harness.New(b, 1, 0)
	es, err := elastic.NewClient([]string{p.ESURL})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	consumer := func() *jetstream.ConsumerInfo {
		c, err := p.JS.Consumer(ctx, broker.EventsStream, processor.ConsumerName)
		if err != nil {
			return nil
		}
		in, err := c.Info(ctx)
		if err != nil {
			return nil
		}
		return in
	}
	type round struct{ proc, raw, before, after float64 }
	var rs []round
	// Each raw bulk writes half as many documents as a processor run and
	// serves the rounds on both sides of it; the first one before any, so a
	// node's JIT warm-up does not land on one side only.
	pfx := prefix("proc")
	gen := loadgen.NewGenerator(loadgen.Config{Services: 5, Bugs: 100, Seed: 4, Prefix: pfx})
	raws := []float64{rawBulk(b, es, canonical(b, gen, n/2, 100))}
	for r := range rounds {
		// The backlog is made with the processor down, so the figure is the
		// processor's and Elasticsearch's, not the load generator's.
		p.Processors[0].Kill()
		rp := fmt.Sprintf("%sr%d-", pfx, r)
		if _, err := loadgen.Run(ctx, loadgen.Config{URL: p.IngestURL, Services: 5, Bugs: 100, Events: n, Batch: 200, Workers: 4, Seed: 4, Prefix: rp}); err != nil {
			b.Fatal(err)
		}
		// The processor starts on a flushed node too, as each raw bulk does:
		// otherwise its run pays for flushing and merging the raw bulk's.
		if err := elastic.Check(es.Indices.Flush(es.Indices.Flush.WithIndex(elastic.EventsDataStream))); err != nil {
			b.Fatal(err)
		}
		before := consumer()
		if before == nil {
			b.Fatal("no processor consumer")
		}
		p.Processors[0].Start()
		// The clock starts at the first delivery: the process starting,
		// connecting and putting its templates is not throughput.
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(5 * time.Millisecond) {
			if in := consumer(); in != nil && in.Delivered.Stream > before.Delivered.Stream {
				break
			}
			if time.Now().After(deadline) {
				b.Fatal("the processor delivered nothing within a minute")
			}
		}
		start := time.Now()
		// Done is when the processor acked the last event: it acks only what
		// Elasticsearch confirmed. Waiting for a search to see them would add
		// up to a refresh interval to the figure.
		testenv.Eventually(b, "backlog acked", 10*time.Minute, func() bool {
			in := consumer()
			return in != nil && in.NumPending == 0 && in.NumAckPending == 0 && in.AckFloor.Stream > before.AckFloor.Stream
		})
		proc := float64(n) / time.Since(start).Seconds()
		testenv.Eventually(b, "all events searchable", time.Minute, func() bool { return countPrefix(b, p.ESURL, "logs-faultline-default", rp) >= n })
		raws = append(raws, rawBulk(b, es, canonical(b, gen, n/2, 100)))
		rs = append(rs, round{proc: proc, before: raws[r], after: raws[r+1], raw: (raws[r] + raws[r+1]) / 2})
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].proc/rs[i].raw < rs[j].proc/rs[j].raw })
	var each []string
	for _, r := range rs {
		each = append(each, fmt.Sprintf("%.2f", r.proc/r.raw))
	}
	m := rs[len(rs)/2]
	figure(b, "processor into elasticsearch", m.proc, "events/s", fmt.Sprintf("%.2f of raw bulk, median of rounds %s", m.proc/m.raw, strings.Join(each, " ")))
	figure(b, "elasticsearch raw bulk (processor run)", m.raw, "events/s", fmt.Sprintf("baseline; %.0f before and %.0f after that round", m.before, m.after))
}

// rawBulk writes docs one 1000-document request at a time, as a single
// well-behaved client would, and returns documents per second. It writes into
// the events data stream, the processor's target: on a node holding millions
// of events, a fresh index takes writes several times cheaper and would not be
// the same work. The request bodies are built before the clock starts, and
// the node has flushed what came before, so the baseline is Elasticsearch's
// rate and not this function's.
func rawBulk(b *testing.B, es *elasticsearch.Client, docs [][]byte) float64 {
	var bodies [][]byte
	for i := 0; i < len(docs); i += 1000 {
		var buf bytes.Buffer
		for j := i; j < i+1000 && j < len(docs); j++ {
			var ev event.Event
			if err := json.Unmarshal(docs[j], &ev); err != nil {
				b.Fatal(err)
			}
			fmt.Fprintf(&buf, `{"create":{"_id":%q}}`+"\n", ev.Event.ID)
			buf.Write(docs[j])
			buf.WriteByte('\n')
		}
		bodies = append(bodies, buf.Bytes())
	}
	if err := elastic.Check(es.Indices.Flush(es.Indices.Flush.WithIndex(elastic.EventsDataStream))); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	for _, body := range bodies {
		if err := elastic.Check(es.Bulk(bytes.NewReader(body), es.Bulk.WithIndex(elastic.EventsDataStream))); err != nil {
			b.Fatal(err)
		}
	}
	return float64(len(docs)) / time.Since(start).Seconds()
}

// BenchmarkIDShapes: the raw bulk rate of the same documents with random
// 128-bit ids (what ingest derived for events without an id until
// 2026-11-25) and with ingest.DerivedID's timestamp-first ids, alternating.
// Elasticsearch looks up every _id it creates; on a node holding millions of
// events the random ones cost it far more.
func BenchmarkIDShapes(b *testing.B) {
	es, err := elastic.NewClient([]string{testenv.ElasticsearchURL(b)})
	if err != nil {
		b.Fatal(err)
	}
	if err := elastic.Setup(context.Background(), es); err != nil {
		b.Fatal(err)
	}
	rates := map[string][]float64{}
	for round := 0; round < 2; round++ {
		for _, shape := range []string{"random", "derived"} {
			docs := canonical(b, loadgen.NewGenerator(loadgen.Config{Services: 5, Bugs: 100, Seed: 5, Prefix: prefix("ids")}), 100000, 100)
			if shape == "random" {
				for i, d := range docs {
					var ev event.Event
					if err := json.Unmarshal(d, &ev); err != nil {
						b.Fatal(err)
					}
					ev.Event.ID = ingest.DerivedID([]byte(ev.Event.ID), time.Time{})
					docs[i], _ = json.Marshal(ev)
				}
			}
			rates[shape] = append(rates[shape], rawBulk(b, es, docs))
		}
	}
	mean := func(v []float64) float64 { return (v[0] + v[1]) / 2 }
	random, derived := mean(rates["random"]), mean(rates["derived"])
	figure(b, "elasticsearch raw bulk, random ids", random, "events/s", "baseline")
	figure(b, "elasticsearch raw bulk, derived ids", derived, "events/s", fmt.Sprintf("%.2f of random ids", derived/random))
}

func percentile(d []time.Duration, p float64) time.Duration {
	slices.Sort(d)
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

// BenchmarkLatency: one new error at a time, how long until it is
// searchable and until its group's first chat message arrives.
func BenchmarkLatency(b *testing.B) {
	const samples = 60
	p := harness.New(b, 1, 1)
	var mu sync.Mutex
	arrived := map[string]time.Time{}
	p.Chat.OnMessage = func(body []byte, at time.Time) {
		var m harness.WebhookBody
		if json.Unmarshal(body, &m) != nil {
			return
		}
		mu.Lock()
		arrived[m.Group.Service.Name] = at
		mu.Unlock()
	}
	pfx := prefix("lat")
	var toSearch, toChat []time.Duration
	for i := 0; i < samples; i++ {
		svc := fmt.Sprintf("%s%d", pfx, i)
		id := svc + "-evt"
		body := fmt.Sprintf(`{"@timestamp":%q,"log.level":"ERROR","message":"boom %d","service.name":%q,"event.id":%q,"error.type":"com.acme.Bug%dException","error.stack_trace":"com.acme.Bug%dException: boom\n\tat com.acme.M%d.run(M.java:1)"}`,
			time.Now().UTC().Format(time.RFC3339Nano), i, svc, id, i, i, i)
		start := time.Now()
		res, err := http.Post(p.IngestURL+"/v1/logs", "application/json", strings.NewReader(body))
		if err != nil || res.StatusCode != http.StatusAccepted {
			b.Fatalf("post: %v %v", err, res)
		}
		res.Body.Close()
		var searchable time.Time
		testenv.Eventually(b, "searchable", time.Minute, func() bool {
			if testenv.ESCount(p.ESURL, "logs-faultline-default", fmt.Sprintf(`{"query":{"ids":{"values":[%q]}}}`, id)) != 1 {
				return false
			}
			searchable = time.Now()
			return true
		})
		toSearch = append(toSearch, searchable.Sub(start))
		testenv.Eventually(b, "chat message", time.Minute, func() bool {
			mu.Lock()
			defer mu.Unlock()
			_, ok := arrived[svc]
			return ok
		})
		mu.Lock()
		toChat = append(toChat, arrived[svc].Sub(start))
		mu.Unlock()
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	figure(b, "ingest-to-searchable p50", ms(percentile(toSearch, 0.5)), "ms", "refresh_interval 1000 ms")
	figure(b, "ingest-to-searchable p99", ms(percentile(toSearch, 0.99)), "ms", "refresh_interval 1000 ms")
	figure(b, "ingest-to-chat new group p50", ms(percentile(toChat, 0.5)), "ms", fmt.Sprintf("%.2f of 1 s goal", ms(percentile(toChat, 0.5))/1000))
	figure(b, "ingest-to-chat new group p99", ms(percentile(toChat, 0.99)), "ms", fmt.Sprintf("%.2f of 1 s goal", ms(percentile(toChat, 0.99))/1000))
}

// BenchmarkMemory: peak resident memory of ingest and the processor after
// FAULTLINE_BENCH_EVENTS events (default 1 000 000) across 10 000 groups.
func BenchmarkMemory(b *testing.B) {
	const bugs = 10000
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("FAULTLINE_BENCH_EVENTS")); err == nil && v > 0 {
		n = v
	}
	p := harness.New(b, 1, 0)
	pfx := prefix("mem")
	start := time.Now()
	if _, err := loadgen.Run(context.Background(), loadgen.Config{URL: p.IngestURL, Services: 20, Bugs: bugs, Events: n, Batch: 500, Workers: 4, Seed: 3, Prefix: pfx}); err != nil {
		b.Fatal(err)
	}
	testenv.Eventually(b, "all events searchable", 60*time.Minute, func() bool { return countPrefix(b, p.ESURL, "logs-faultline-default", pfx) >= n })
	elapsed := time.Since(start)
	ing, err := p.Ingest.PeakRSS()
	if err != nil {
		b.Fatal(err)
	}
	proc, err := p.Processors[0].PeakRSS()
	if err != nil {
		b.Fatal(err)
	}
	mib := func(v int64) float64 { return float64(v) / (1 << 20) }
	figure(b, "ingest peak memory", mib(ing), "MiB", fmt.Sprintf("%d events, up to %d groups", n, min(n, bugs)))
	figure(b, "processor peak memory", mib(proc), "MiB", fmt.Sprintf("%d events, up to %d groups", n, min(n, bugs)))
	figure(b, "end-to-end at scale", float64(n)/elapsed.Seconds(), "events/s", fmt.Sprintf("%d events in %s", n, elapsed.Round(time.Second)))
}

// sendBodies posts load-generator bodies to ingest's /v1/logs as a shipper
// would.
func sendBodies(b *testing.B, url string, bodies [][]byte) time.Duration {
	return testenv.SendAll(b, url, map[string]string{"Content-Type": "application/x-ndjson"}, http.StatusAccepted, bodies)
}
