package testenv

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/event"
)

// NATS starts an embedded JetStream server on a free port, stopped when the
// test ends.
func NATS(t testing.TB) *server.Server {
	t.Helper()
	s, err := broker.StartEmbedded(t.TempDir(), "127.0.0.1:-1")
	if err != nil {
		t.Fatalf("embedded nats: %v", err)
	}
	t.Cleanup(s.Shutdown)
	return s
}

var (
	esOnce sync.Once
	esErr  string
)

// ElasticsearchURL returns the URL of a running Elasticsearch, starting the
// local node with deployments/elasticsearch/start.sh when none answers.
// Without one the test is skipped, except under CI=true where it fails:
// CI must never pass by skipping the real thing.
func ElasticsearchURL(t testing.TB) string {
	t.Helper()
	url := os.Getenv("FAULTLINE_TEST_ES_URL")
	if url == "" {
		url = "http://127.0.0.1:9200"
	}
	esOnce.Do(func() {
		if answers(url) {
			return
		}
		_, file, _, _ := runtime.Caller(0)
		script := filepath.Join(filepath.Dir(file), "..", "..", "deployments", "elasticsearch", "start.sh")
		out, err := exec.Command("bash", script).CombinedOutput()
		if err != nil || !answers(url) {
			esErr = "elasticsearch not reachable at " + url + " and start.sh failed: " + string(out)
		}
	})
	if esErr != "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(esErr)
		}
		t.Skip(esErr)
	}
	return url
}

func answers(url string) bool {
	c := &http.Client{Timeout: 2 * time.Second}
	res, err := c.Get(url + "/_cluster/health")
	if err != nil {
		return false
	}
	res.Body.Close()
	return res.StatusCode == http.StatusOK
}

// JetStream starts an embedded server, connects, and creates faultline's
// streams; the server is returned too, so a test can take it down.
func JetStream(t testing.TB) (*server.Server, *nats.Conn, jetstream.JetStream) {
	t.Helper()
	ns := NATS(t)
	nc, err := broker.Connect(ns.ClientURL(), t.Name())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if err := broker.EnsureStreams(context.Background(), js, 1); err != nil {
		t.Fatal(err)
	}
	return ns, nc, js
}

// StreamEvents reads every event on the events stream, in order.
func StreamEvents(t testing.TB, js jetstream.JetStream) []event.Event {
	t.Helper()
	ctx := context.Background()
	s, err := js.Stream(ctx, broker.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []event.Event
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		var ev event.Event
		if err := json.Unmarshal(m.Data, &ev); err != nil {
			t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}
