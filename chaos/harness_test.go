//go:build chaos || ha

// Package chaos breaks one part of the real pipeline at a time, under a
// steady load, and checks that nothing accepted was lost, nothing was
// duplicated and each new group was announced once.
package chaos

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/harness"
	"github.com/faultline/faultline/internal/testenv"
)

func TestMain(m *testing.M) { harness.Main(m) }

var eventually = testenv.Eventually

// load sends events at a steady rate as a real client would: a request that
// is not answered 202 is retried (same bytes, so the same event id) until it
// is, and only 202s count as accepted.
// refusal is an attempt that was not answered 202.
type refusal struct {
	at  time.Time
	why string // the status, or why there was none
}

type load struct {
	service    string
	groups     int
	mu         sync.Mutex
	acceptedAt []time.Time
	ids        []string
	perGroup   map[int]int
	got503     atomic.Int32
	refused    []refusal
	retries    atomic.Int32
	// halted ends the load before its n events, for a scenario that lasts
	// as long as its disruption does.
	halted atomic.Bool
}

// halt makes run return after the batch it is sending.
func (l *load) halt() { l.halted.Store(true) }

func (l *load) event(i int) (string, []byte) {
	g := i % l.groups
	id := fmt.Sprintf("%s-%06d", l.service, i)
	ev := map[string]any{
		"@timestamp":    time.Now().UTC().Format(time.RFC3339Nano),
		"log.level":     "ERROR",
		"log.logger":    "com.acme.chaos.Worker",
		"message":       fmt.Sprintf("Job %d failed", i),
		"service.name":  l.service,
		"event.id":      id,
		"ecs.version":   "8.11",
		"error.type":    fmt.Sprintf("com.acme.chaos.Bug%dException", g),
		"error.message": fmt.Sprintf("bug %d hit job %d", g, i),
		"error.stack_trace": fmt.Sprintf("com.acme.chaos.Bug%dException: bug %d hit job %d\n\tat com.acme.chaos.Module%d.run(Module%d.java:%d)\n\tat com.acme.chaos.Worker.loop(Worker.java:42)\n\tat java.base/java.lang.Thread.run(Thread.java:840)",
			g, g, i, g, g, 10+i%7),
	}
	b, _ := json.Marshal(ev)
	return id, b
}

// run sends n events at rate per second, in batches of 10, and returns when
// all were accepted (or those sent before a halt), or an error when a batch
// was refused for 3 minutes.
func (l *load) run(ingestURL string, n int, rate float64) error {
	client := &http.Client{Timeout: 5 * time.Second}
	interval := time.Duration(float64(time.Second) * 10 / rate)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for start := 0; start < n && !l.halted.Load(); start += 10 {
		<-tick.C
		var body bytes.Buffer
		var ids []string
		for i := start; i < start+10 && i < n; i++ {
			id, b := l.event(i)
			body.Write(b)
			body.WriteByte('\n')
			ids = append(ids, id)
		}
		deadline := time.Now().Add(3 * time.Minute)
		for {
			res, err := client.Post(ingestURL+"/v1/logs", "application/x-ndjson", bytes.NewReader(body.Bytes()))
			var why string
			var ne net.Error
			switch {
			case errors.As(err, &ne) && ne.Timeout():
				why = "no answer within 5s"
			case err != nil:
				why = "connection failed"
			default:
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusAccepted {
					why = res.Status
				}
				if res.StatusCode == http.StatusServiceUnavailable {
					l.got503.Add(1)
				}
			}
			if why == "" {
				break
			}
			l.mu.Lock()
			l.refused = append(l.refused, refusal{time.Now(), why})
			l.mu.Unlock()
			if time.Now().After(deadline) {
				return fmt.Errorf("events %d.. never accepted: %s", start, why)
			}
			l.retries.Add(1)
			time.Sleep(250 * time.Millisecond)
		}
		l.mu.Lock()
		now := time.Now()
		for i, id := range ids {
			l.ids = append(l.ids, id)
			l.acceptedAt = append(l.acceptedAt, now)
			l.perGroup[(start+i)%l.groups]++
		}
		l.mu.Unlock()
	}
	return nil
}

// background runs the load; wait reports how it ended.
func background(l *load, url string, n int, rate float64) chan error {
	done := make(chan error, 1)
	go func() { done <- l.run(url, n, rate) }()
	return done
}

// wait ends the test when the load could not be delivered: the checks after
// it would only count a partial load.
func wait(t *testing.T, done chan error) {
	t.Helper()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func (l *load) accepted() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.ids)
}

// esJSON runs a query against the local node.
var esJSON = testenv.ESQuery

func storedCount(t *testing.T, esURL, service string) int {
	var out struct {
		Count int `json:"count"`
	}
	esJSON(t, esURL, "/logs-faultline-default/_count", fmt.Sprintf(`{"query":{"term":{"service.name":%q}}}`, service), &out)
	return out.Count
}

// lagSampler records the ingest-to-Elasticsearch lag while a scenario runs:
// the age of the oldest accepted event not yet searchable.
type lagSampler struct {
	mu        sync.Mutex
	peak      time.Duration
	restartAt time.Time
	target    int      // events accepted when the component came back
	what      recovery // what counts as recovered
	caughtUp  time.Time
	stop      chan struct{}
	done      chan struct{}
}

// recovery names what a scenario's RTO runs to: from the restart until the
// backlog that built up meanwhile is stored, or until every group is
// announced (when the component restarted was the notifier or the chat).
type recovery int

const (
	toStored recovery = iota
	toAnnounced
)

// figures is what a sampler saw over a scenario.
type figures struct {
	peak                time.Duration
	restartAt, caughtUp time.Time
	what                recovery
}

// sampleLag follows the scenario while the load runs, so the RTO is measured
// when it happens and not after the load finished.
func sampleLag(t *testing.T, p *harness.Pipeline, l *load) *lagSampler {
	s := &lagSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for {
			select {
			case <-s.stop:
				return
			case <-time.After(500 * time.Millisecond):
			}
			stored := storedCountQuiet(p.ESURL, l.service)
			announced := len(p.Chat.Announcements(l.service))
			l.mu.Lock()
			if stored >= 0 && stored < len(l.acceptedAt) {
				if lag := time.Since(l.acceptedAt[stored]); lag > s.peak {
					s.peak = lag
				}
			}
			l.mu.Unlock()
			s.mu.Lock()
			if !s.restartAt.IsZero() && s.caughtUp.IsZero() &&
				(s.what == toStored && stored >= s.target || s.what == toAnnounced && announced >= l.groups) {
				s.caughtUp = time.Now()
			}
			s.mu.Unlock()
		}
	}()
	return s
}

// restarted marks the moment the disrupted component is back.
func (s *lagSampler) restarted(l *load, what recovery) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.restartAt, s.target, s.what = time.Now(), l.accepted(), what
}

// finish stops sampling, once the scenario recovered (or 5 minutes passed)
// when something was restarted.
func (s *lagSampler) finish() figures {
	testenv.Within(5*time.Minute, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.restartAt.IsZero() || !s.caughtUp.IsZero()
	})
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return figures{peak: s.peak, restartAt: s.restartAt, caughtUp: s.caughtUp, what: s.what}
}

// storedCountQuiet counts the service's events, -1 while the node cannot
// say.
func storedCountQuiet(esURL, service string) int {
	return testenv.ESCount(esURL, "logs-faultline-default", testenv.ESTermQuery("service.name", service))
}

// verify checks every guarantee of a scenario and prints its figures.
func verify(p *harness.Pipeline, t *testing.T, l *load, name string, f figures) {
	t.Helper()
	st := checkStored(p, t, l)
	announced := verifyAnnouncements(p, t, l, st.perGroup)
	printFigures(t, name, st, announced, f, l)
}

// verifyEvents checks events and group counts, not the announcements.
func verifyEvents(p *harness.Pipeline, t *testing.T, l *load, name string, f figures) {
	t.Helper()
	printFigures(t, name, checkStored(p, t, l), -1, f, l)
}

type stored struct {
	accepted, lost, duplicates int
	perGroup                   map[int]int
}

// checkStored waits for the pipeline to drain, then checks that every
// accepted event is in Elasticsearch exactly once and that each group counts
// the events sent for it.
func checkStored(p *harness.Pipeline, t *testing.T, l *load) stored {
	t.Helper()
	st := stored{accepted: l.accepted()}
	eventually(t, "every accepted event searchable", 5*time.Minute, func() bool {
		return storedCountQuiet(p.ESURL, l.service) >= st.accepted
	})
	// Let redeliveries still in flight land before counting twice-written events.
	time.Sleep(2 * time.Second)
	testenv.ESRefresh(t, p.ESURL, "logs-faultline-default")
	total := storedCount(t, p.ESURL, l.service)
	var idHits struct {
		Count int `json:"count"`
	}
	l.mu.Lock()
	ids, _ := json.Marshal(l.ids)
	st.perGroup = map[int]int{}
	for k, v := range l.perGroup {
		st.perGroup[k] = v
	}
	l.mu.Unlock()
	esJSON(t, p.ESURL, "/logs-faultline-default/_count", fmt.Sprintf(`{"query":{"ids":{"values":%s}}}`, ids), &idHits)
	st.lost = st.accepted - idHits.Count
	st.duplicates = total - idHits.Count
	if st.lost != 0 || st.duplicates != 0 {
		t.Errorf("%d events lost, %d duplicated (accepted %d, stored %d)", st.lost, st.duplicates, st.accepted, total)
	}
	var groups struct {
		Hits struct {
			Hits []struct {
				Source struct {
					Count int `json:"count"`
					Error struct {
						Type string `json:"type"`
					} `json:"error"`
				} `json:"_source"`
			} `json:"hits"`
		} `json:"hits"`
	}
	// A crash's missing counts are repaired once they are final: the
	// harness's count_settle (30s) and a bucket after the redelivery.
	eventually(t, "group counts to match the events sent", 150*time.Second, func() bool {
		esJSON(t, p.ESURL, "/faultline-groups/_search", fmt.Sprintf(`{"size":1000,"query":{"term":{"service.name":%q}}}`, l.service), &groups)
		if len(groups.Hits.Hits) != len(st.perGroup) {
			return false
		}
		for _, h := range groups.Hits.Hits {
			var g int
			fmt.Sscanf(h.Source.Error.Type, "com.acme.chaos.Bug%dException", &g)
			if h.Source.Count != st.perGroup[g] {
				return false
			}
		}
		return true
	})
	return st
}

// verifyAnnouncements checks each new group was announced exactly once.
func verifyAnnouncements(p *harness.Pipeline, t *testing.T, l *load, perGroup map[int]int) int {
	t.Helper()
	var ann map[string]int
	eventually(t, "each group announced", 90*time.Second, func() bool {
		ann = p.Chat.Announcements(l.service)
		return len(ann) >= len(perGroup)
	})
	time.Sleep(time.Second)
	ann = p.Chat.Announcements(l.service)
	twice := 0
	for _, n := range ann {
		if n != 1 {
			twice++
		}
	}
	if len(ann) != len(perGroup) || twice != 0 {
		t.Errorf("announcements: %d groups announced for %d, %d announced more than once", len(ann), len(perGroup), twice)
	}
	return len(ann)
}

func printFigures(t *testing.T, name string, st stored, announced int, f figures, l *load) {
	rto := ""
	switch {
	case f.restartAt.IsZero():
	case f.caughtUp.IsZero():
		t.Errorf("%s: not caught up 5 minutes after the restart", name)
	default:
		to := "stored"
		if f.what == toAnnounced {
			to = "announced"
		}
		rto = fmt.Sprintf(", RTO %s (restart to %s)", f.caughtUp.Sub(f.restartAt).Round(100*time.Millisecond), to)
	}
	ann := fmt.Sprint(announced)
	if announced < 0 {
		ann = "see below"
	}
	line := fmt.Sprintf("chaos %s: accepted %d, lost %d, duplicates %d, groups %d, announced %s%s, peak ingest-to-ES lag %s, 503s %d, client retries %d",
		name, st.accepted, st.lost, st.duplicates, len(st.perGroup), ann, rto, f.peak.Round(100*time.Millisecond), l.got503.Load(), l.retries.Load())
	t.Log(line)
	fmt.Println(line)
}

func newLoad(t *testing.T, groups int) *load {
	return &load{service: fmt.Sprintf("chaos-%s-%d", strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")), time.Now().UnixNano()), groups: groups, perGroup: map[int]int{}}
}
