//go:build chaos

package chaos

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/harness"
)

// background runs the load and reports when it is done.
func background(t *testing.T, l *load, url string, n int, rate float64) chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.run(t, url, n, rate)
	}()
	return done
}

func TestKillProcessorMidBatch(t *testing.T) {
	p := harness.New(t, 1, 1)
	l := newLoad(t, 20)
	lag := sampleLag(t, p.ESURL, l)
	done := background(t, l, p.IngestURL, 3000, 200)
	time.Sleep(5 * time.Second)
	p.Processors[0].Kill()
	time.Sleep(3 * time.Second)
	restarted := time.Now()
	p.Processors[0].Start()
	<-done
	verify(p, t, l, "kill -9 processor", restarted, lag.finish())
}

func TestElasticsearchDownFor60s(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	scripts := filepath.Join(filepath.Dir(file), "..", "deployments", "elasticsearch")
	if _, err := os.Stat(filepath.Join(scripts, ".data", "elasticsearch.pid")); err != nil {
		t.Fatalf("the local Elasticsearch node was not started by start.sh (no pid file), so this test cannot stop it: %v", err)
	}
	p := harness.New(t, 1, 1)
	l := newLoad(t, 10)
	lag := sampleLag(t, p.ESURL, l)
	done := background(t, l, p.IngestURL, 4000, 50)
	time.Sleep(5 * time.Second)
	if out, err := exec.Command("bash", filepath.Join(scripts, "stop.sh")).CombinedOutput(); err != nil {
		t.Fatalf("stop elasticsearch: %v\n%s", err, out)
	}
	time.Sleep(60 * time.Second)
	if out, err := exec.Command("bash", filepath.Join(scripts, "start.sh")).CombinedOutput(); err != nil {
		t.Fatalf("start elasticsearch: %v\n%s", err, out)
	}
	restarted := time.Now()
	<-done
	verify(p, t, l, "Elasticsearch down 60s", restarted, lag.finish())
}

func TestKillNATS(t *testing.T) {
	p := harness.New(t, 1, 1)
	l := newLoad(t, 10)
	lag := sampleLag(t, p.ESURL, l)
	done := background(t, l, p.IngestURL, 2000, 100)
	time.Sleep(5 * time.Second)
	p.NATS.Kill()
	// While the stream is gone, ingest must refuse, never accept.
	eventually(t, "ingest to answer 503 while NATS is down", 20*time.Second, func() bool { return l.got503.Load() > 0 })
	res, err := http.Get(p.IngestURL + "/readyz")
	if err == nil {
		res.Body.Close()
		if res.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("readyz while NATS is down: %d", res.StatusCode)
		}
	}
	time.Sleep(10 * time.Second)
	restarted := time.Now()
	p.NATS.Start()
	<-done
	verify(p, t, l, "kill -9 NATS", restarted, lag.finish())
}

func TestKillNotifierMidStorm(t *testing.T) {
	p := harness.New(t, 1, 1)
	l := newLoad(t, 60)
	lag := sampleLag(t, p.ESURL, l)
	done := background(t, l, p.IngestURL, 3000, 300)
	time.Sleep(3 * time.Second)
	p.Notifiers[0].Kill()
	time.Sleep(3 * time.Second)
	restarted := time.Now()
	p.Notifiers[0].Start()
	<-done
	verify(p, t, l, "kill -9 notifier mid-storm", restarted, lag.finish())
}

func TestTwoReplicasEach(t *testing.T) {
	p := harness.New(t, 2, 2)
	l := newLoad(t, 30)
	lag := sampleLag(t, p.ESURL, l)
	<-background(t, l, p.IngestURL, 4000, 300)
	verify(p, t, l, "2 processors + 2 notifiers", time.Time{}, lag.finish())
}

func TestChatAnswers429And500(t *testing.T) {
	p := harness.New(t, 1, 1)
	l := newLoad(t, 15)
	lag := sampleLag(t, p.ESURL, l)
	p.Chat.FailWith.Store(http.StatusTooManyRequests)
	done := background(t, l, p.IngestURL, 1500, 100)
	time.Sleep(5 * time.Second)
	p.Chat.FailWith.Store(http.StatusInternalServerError)
	time.Sleep(5 * time.Second)
	p.Chat.FailWith.Store(0)
	restarted := time.Now()
	<-done
	if p.Chat.Failed.Load() == 0 {
		t.Error("the receiver never failed a request: the scenario tested nothing")
	}
	verify(p, t, l, "chat 429 then 500", restarted, lag.finish())
}
