//go:build chaos

package chaos

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/harness"
)

func TestKillProcessorMidBatch(t *testing.T) {
	p := harness.New(t, 1, 1)
	l := newLoad(t, 20)
	lag := sampleLag(t, p, l)
	done := background(l, p.IngestURL, 3000, 200)
	time.Sleep(5 * time.Second)
	p.Processors[0].Kill()
	time.Sleep(3 * time.Second)
	lag.restarted(l, toStored)
	p.Processors[0].Start()
	wait(t, done)
	verify(p, t, l, "kill -9 processor", lag.finish())
}

func TestElasticsearchDownFor60s(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	scripts := filepath.Join(filepath.Dir(file), "..", "deployments", "elasticsearch")
	if _, err := os.Stat(filepath.Join(scripts, ".data", "elasticsearch.pid")); err != nil {
		t.Fatalf("the local Elasticsearch node was not started by start.sh (no pid file), so this test cannot stop it: %v", err)
	}
	p := harness.New(t, 1, 1)
	l := newLoad(t, 10)
	lag := sampleLag(t, p, l)
	done := background(l, p.IngestURL, 4000, 50)
	time.Sleep(5 * time.Second)
	if out, err := exec.Command("bash", filepath.Join(scripts, "stop.sh")).CombinedOutput(); err != nil {
		t.Fatalf("stop elasticsearch: %v\n%s", err, out)
	}
	time.Sleep(60 * time.Second)
	if out, err := exec.Command("bash", filepath.Join(scripts, "start.sh")).CombinedOutput(); err != nil {
		t.Fatalf("start elasticsearch: %v\n%s", err, out)
	}
	lag.restarted(l, toStored)
	wait(t, done)
	verify(p, t, l, "Elasticsearch down 60s", lag.finish())
}

func TestKillNATS(t *testing.T) {
	p := harness.New(t, 1, 1)
	l := newLoad(t, 10)
	lag := sampleLag(t, p, l)
	done := background(l, p.IngestURL, 2000, 100)
	time.Sleep(5 * time.Second)
	p.NATS.Kill()
	// While the stream is gone, ingest must refuse, never accept.
	eventually(t, "ingest to answer 503 while NATS is down", 20*time.Second, func() bool { return l.got503.Load() > 0 })
	// Ingest itself stays up: it must answer, and say it is not ready.
	res, err := http.Get(p.IngestURL + "/readyz")
	if err != nil {
		t.Errorf("readyz while NATS is down: %v", err)
	} else {
		res.Body.Close()
		if res.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("readyz while NATS is down: %d", res.StatusCode)
		}
	}
	time.Sleep(10 * time.Second)
	lag.restarted(l, toStored)
	p.NATS.Start()
	wait(t, done)
	verify(p, t, l, "kill -9 NATS", lag.finish())
}

func TestKillNotifierMidStorm(t *testing.T) {
	p := harness.New(t, 1, 1)
	l := newLoad(t, 60)
	lag := sampleLag(t, p, l)
	done := background(l, p.IngestURL, 3000, 300)
	time.Sleep(3 * time.Second)
	p.Notifiers[0].Kill()
	time.Sleep(3 * time.Second)
	lag.restarted(l, toAnnounced)
	p.Notifiers[0].Start()
	wait(t, done)
	verify(p, t, l, "kill -9 notifier mid-storm", lag.finish())
}

func TestTwoReplicasEach(t *testing.T) {
	p := harness.New(t, 2, 2)
	l := newLoad(t, 30)
	lag := sampleLag(t, p, l)
	wait(t, background(l, p.IngestURL, 4000, 300))
	verify(p, t, l, "2 processors + 2 notifiers", lag.finish())
}

func TestChatAnswers429And500(t *testing.T) {
	p := harness.New(t, 1, 1)
	l := newLoad(t, 15)
	lag := sampleLag(t, p, l)
	p.Chat.FailWith.Store(http.StatusTooManyRequests)
	done := background(l, p.IngestURL, 1500, 100)
	time.Sleep(5 * time.Second)
	p.Chat.FailWith.Store(http.StatusInternalServerError)
	time.Sleep(5 * time.Second)
	p.Chat.FailWith.Store(0)
	lag.restarted(l, toAnnounced)
	wait(t, done)
	if p.Chat.Failed.Load() == 0 {
		t.Error("the receiver never failed a request: the scenario tested nothing")
	}
	verify(p, t, l, "chat 429 then 500", lag.finish())
}

// A storm as on-call would live it: 20 000 events across 50 groups in two
// minutes, the chat answering 429 now and then, the notifier killed in the
// middle. Each group is announced once (alone or in a storm summary), repeats
// become at most one digest per group per cooldown, and the channel never
// sees more requests than its rate limit lets through.
func TestStormOf20000EventsIn50Groups(t *testing.T) {
	const cooldown = 20 * time.Second
	p := harness.NewWithNotify(t, 1, 1, "  cooldown: 20s\n  storm: {threshold: 10, window: 10s, top: 100}\n")
	p.Chat.FailEvery.Store(7)
	l := newLoad(t, 50)
	lag := sampleLag(t, p, l)
	start := time.Now()
	done := background(l, p.IngestURL, 20000, 20000.0/120)
	time.Sleep(40 * time.Second)
	p.Notifiers[0].Kill()
	time.Sleep(5 * time.Second)
	lag.restarted(l, toStored)
	p.Notifiers[0].Start()
	wait(t, done)
	verifyEvents(p, t, l, "storm 20000 events / 50 groups", lag.finish())

	// Announced once each: individually, or listed in a storm summary.
	titles := map[string]string{} // title -> fingerprint
	var groups struct {
		Hits struct {
			Hits []struct {
				Source struct {
					Fingerprint string `json:"fingerprint"`
					Title       string `json:"title"`
				} `json:"_source"`
			} `json:"hits"`
		} `json:"hits"`
	}
	esJSON(t, p.ESURL, "/faultline-groups/_search", fmt.Sprintf(`{"size":1000,"query":{"term":{"service.name":%q}}}`, l.service), &groups)
	for _, h := range groups.Hits.Hits {
		titles[h.Source.Title] = h.Source.Fingerprint
	}
	announced := map[string]int{}
	digests := map[string]int{}
	eventually(t, "every group announced", 2*time.Minute, func() bool {
		announced, digests = map[string]int{}, map[string]int{}
		for _, m := range p.Chat.Messages() {
			switch {
			case m.Kind == "new" && m.Group.Service.Name == l.service:
				announced[m.Group.Fingerprint]++
			case m.Kind == "storm":
				for _, line := range strings.Split(m.Group.Message, "\n") {
					if _, rest, ok := strings.Cut(line, "× "+l.service+": "); ok {
						announced[titles[rest]]++
					}
				}
			case m.Kind == "repeat" && m.Group.Service.Name == l.service:
				digests[m.Group.Fingerprint]++
			}
		}
		return len(announced) >= 50
	})
	for fp, n := range announced {
		if n != 1 || fp == "" {
			t.Errorf("group %q announced %d times", fp, n)
		}
	}
	maxDigests := int(time.Since(start)/cooldown) + 2
	for fp, n := range digests {
		if n > maxDigests {
			t.Errorf("group %s: %d digests in %s, more than one per %s cooldown", fp, n, time.Since(start).Round(time.Second), cooldown)
		}
	}
	// The webhook limiter lets through at most 20 + 10·T requests in any T.
	reqs := p.Chat.Requests()
	worst := 0
	for i := range reqs {
		n := 0
		for j := i; j < len(reqs) && reqs[j].At.Sub(reqs[i].At) < time.Second; j++ {
			n++
		}
		worst = max(worst, n)
	}
	if worst > 30 {
		t.Errorf("%d requests within one second, above the channel's limit", worst)
	}
	if p.Chat.Failed.Load() == 0 {
		t.Error("the receiver never answered 429: the scenario tested nothing")
	}
	line := fmt.Sprintf("chaos storm: %d groups announced once each, %d digests (at most %d per group), busiest second %d requests, %d answered 429",
		len(announced), sum(digests), maxDigests, worst, p.Chat.Failed.Load())
	t.Log(line)
	fmt.Println(line)
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
