//go:build bench

package bench

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/faultline/faultline/ingest"
	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/loadgen"
)

// BenchmarkJetStreamSync: what --jetstream-sync costs. The embedded server
// then syncs every write to disk before it acknowledges it (SyncAlways),
// rather than every two minutes, so a power loss loses no acknowledged
// event. Ingest's accepted rate and the raw publish rate of the same events,
// with sync off and on, each on a fresh store, alternating (off, on, off, on)
// so a drift of the machine lands on both sides; each figure is the mean of
// its two runs. Ingest runs in this process, so the figures compare with
// each other, not with BenchmarkIngest's.
func BenchmarkJetStreamSync(b *testing.B) {
	const n, perRequest = 20000, 200
	g := loadgen.NewGenerator(loadgen.Config{Services: 5, Bugs: 100, Seed: 6, Prefix: prefix("sync")})
	var bodies [][]byte
	for i := 0; i < n; i += perRequest {
		var buf bytes.Buffer
		for j := i; j < i+perRequest; j++ {
			buf.Write(g.Event(j%100, j/100))
			buf.WriteByte('\n')
		}
		bodies = append(bodies, buf.Bytes())
	}
	docs := canonical(b, g, n, 100)
	rates := map[bool]map[string][]float64{false: {}, true: {}}
	for round := 0; round < 2; round++ {
		for _, sync := range []bool{false, true} {
			// Synced, a fifth of the events is as steady a rate and keeps
			// the bench short.
			k := len(bodies)
			if sync {
				k /= 5
			}
			ing, raw := syncRun(b, sync, bodies[:k], docs[:k*perRequest])
			rates[sync]["ingest"] = append(rates[sync]["ingest"], ing)
			rates[sync]["raw"] = append(rates[sync]["raw"], raw)
		}
	}
	mean := func(v []float64) float64 { return (v[0] + v[1]) / 2 }
	off, on := rates[false], rates[true]
	figure(b, "ingest accepted, jetstream sync off", mean(off["ingest"]), "events/s", "baseline")
	figure(b, "ingest accepted, jetstream sync on", mean(on["ingest"]), "events/s", fmt.Sprintf("%.2f of sync off", mean(on["ingest"])/mean(off["ingest"])))
	figure(b, "jetstream raw publish, sync off", mean(off["raw"]), "events/s", "baseline")
	figure(b, "jetstream raw publish, sync on", mean(on["raw"]), "events/s", fmt.Sprintf("%.2f of sync off", mean(on["raw"])/mean(off["raw"])))
}

// syncRun starts a JetStream server on a fresh store, sends the bodies
// through an ingest server (8 concurrent senders), then publishes the
// documents raw, and returns both rates in events/s.
func syncRun(b *testing.B, syncAlways bool, bodies, docs [][]byte) (ingestRate, rawRate float64) {
	ns, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: filepath.Join(b.TempDir(), "jetstream"),
		SyncAlways: syncAlways, NoSigs: true, NoLog: true,
	})
	if err != nil {
		b.Fatal(err)
	}
	go ns.Start()
	defer ns.Shutdown()
	if !ns.ReadyForConnections(30 * time.Second) {
		b.Fatal("nats not ready")
	}
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4000))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := broker.EnsureStreams(ctx, js, 1); err != nil {
		b.Fatal(err)
	}
	srv, err := ingest.New(nc, js, zerolog.Nop(), ingest.Config{})
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	srv.Register(mux)
	hs := httptest.NewServer(mux)
	defer hs.Close()

	elapsed := sendBodies(b, hs.URL+"/v1/logs", bodies)
	// The bodies hold the documents' events.
	ingestRate = float64(len(docs)) / elapsed.Seconds()

	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{Name: "BENCH_RAW", Subjects: []string{"bench.raw"}, Storage: jetstream.FileStorage}); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	var futures []jetstream.PubAckFuture
	for i, d := range docs {
		f, err := js.PublishAsync("bench.raw", d, jetstream.WithMsgID(fmt.Sprint(i)))
		if err != nil {
			b.Fatal(err)
		}
		futures = append(futures, f)
		if len(futures) == 4000 || i == len(docs)-1 {
			for _, f := range futures {
				select {
				case <-f.Ok():
				case err := <-f.Err():
					b.Fatal(err)
				}
			}
			futures = futures[:0]
		}
	}
	rawRate = float64(len(docs)) / time.Since(start).Seconds()
	return ingestRate, rawRate
}
