//go:build chaos

// Package chaos runs the real pipeline as separate processes (NATS, ingest,
// processors, notifiers; the local Elasticsearch node), drives it with a
// steady load, breaks one part and checks that nothing accepted was lost,
// nothing was duplicated and each new group was announced once.
package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/testenv"
)

var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "faultline-chaos")
	if err != nil {
		panic(err)
	}
	binDir = dir
	for _, b := range [][]string{{"faultline", "github.com/faultline/faultline/cmd/faultline"}, {"nats-server", "github.com/nats-io/nats-server/v2"}} {
		out, err := exec.Command("go", "build", "-o", filepath.Join(dir, b[0]), b[1]).CombinedOutput()
		if err != nil {
			fmt.Fprintf(os.Stderr, "build %s: %v\n%s", b[0], err, out)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// proc is one child process that can be killed and started again.
type proc struct {
	t    *testing.T
	name string
	args []string
	env  []string
	log  *os.File
	cmd  *exec.Cmd
	done chan struct{}
}

func (p *proc) start() {
	p.t.Helper()
	p.cmd = exec.Command(p.args[0], p.args[1:]...)
	p.cmd.Env = append(os.Environ(), p.env...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		p.t.Fatalf("start %s: %v", p.name, err)
	}
	p.done = make(chan struct{})
	go func(c *exec.Cmd, done chan struct{}) { _ = c.Wait(); close(done) }(p.cmd, p.done)
}

// kill is kill -9: no shutdown, no draining.
func (p *proc) kill() {
	if p.cmd != nil && p.cmd.Process != nil {
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// stop is a SIGTERM with a wait, the way an orchestrator stops a service.
func (p *proc) stop() {
	if p.cmd != nil && p.cmd.Process != nil {
		_ = p.cmd.Process.Signal(os.Interrupt)
		select {
		case <-p.done:
		case <-time.After(40 * time.Second):
			p.kill()
		}
	}
}

// chatReceiver is the webhook channel: it records every announcement and
// can be told to answer 429 or 500.
type chatReceiver struct {
	mu       sync.Mutex
	bodies   []webhookBody
	failWith atomic.Int32
	failed   atomic.Int32
}

type webhookBody struct {
	Kind  string `json:"kind"`
	Group struct {
		Fingerprint string `json:"fingerprint"`
		Title       string `json:"title"`
		Service     struct {
			Name string `json:"name"`
		} `json:"service"`
	} `json:"group"`
}

func (c *chatReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if code := c.failWith.Load(); code != 0 {
		c.failed.Add(1)
		if code == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		w.WriteHeader(int(code))
		return
	}
	var b webhookBody
	if err := json.Unmarshal(body, &b); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	c.bodies = append(c.bodies, b)
	c.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// announcements counts "new" messages per fingerprint for a service.
func (c *chatReceiver) announcements(service string) map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for _, b := range c.bodies {
		if b.Kind == "new" && b.Group.Service.Name == service {
			out[b.Group.Fingerprint]++
		}
	}
	return out
}

// pipeline is one scenario's set of processes.
type pipeline struct {
	t          *testing.T
	dir        string
	esURL      string
	natsPort   int
	natsURL    string
	nats       *proc
	ingest     *proc
	ingestURL  string
	processors []*proc
	notifiers  []*proc
	chat       *chatReceiver
	nc         *nats.Conn
	js         jetstream.JetStream
}

func newPipeline(t *testing.T, processors, notifiers int) *pipeline {
	t.Helper()
	p := &pipeline{t: t, dir: t.TempDir(), esURL: testenv.ElasticsearchURL(t), chat: &chatReceiver{}}
	hook := httptest.NewServer(p.chat)
	t.Cleanup(hook.Close)
	cfg := filepath.Join(p.dir, "faultline.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`
channels:
  - {name: chat, type: webhook, url: %q}
notify:
  cooldown: 1h
  storm: {threshold: 100000}
`, hook.URL+"/hook")), 0o600)
	p.natsPort = freePort(t)
	p.natsURL = fmt.Sprintf("nats://127.0.0.1:%d", p.natsPort)
	p.nats = p.proc("nats", []string{filepath.Join(binDir, "nats-server"), "-js", "-a", "127.0.0.1", "-p", fmt.Sprint(p.natsPort), "-sd", filepath.Join(p.dir, "nats")}, nil)
	p.nats.start()
	waitTCP(t, fmt.Sprintf("127.0.0.1:%d", p.natsPort))
	env := []string{"FAULTLINE_NATS_URL=" + p.natsURL, "FAULTLINE_ES_URL=" + p.esURL, "FAULTLINE_CONFIG=" + cfg}
	bin := filepath.Join(binDir, "faultline")
	ingestPort := freePort(t)
	p.ingestURL = fmt.Sprintf("http://127.0.0.1:%d", ingestPort)
	p.ingest = p.proc("ingest", []string{bin, "ingest"}, append(env, fmt.Sprintf("FAULTLINE_HTTP_ADDR=127.0.0.1:%d", ingestPort)))
	for i := 0; i < processors; i++ {
		p.processors = append(p.processors, p.proc(fmt.Sprintf("processor-%d", i), []string{bin, "processor"}, append(env, fmt.Sprintf("FAULTLINE_HTTP_ADDR=127.0.0.1:%d", freePort(t)))))
	}
	for i := 0; i < notifiers; i++ {
		p.notifiers = append(p.notifiers, p.proc(fmt.Sprintf("notifier-%d", i), []string{bin, "notifier"}, append(env, fmt.Sprintf("FAULTLINE_HTTP_ADDR=127.0.0.1:%d", freePort(t)))))
	}
	for _, q := range append(append([]*proc{p.ingest}, p.processors...), p.notifiers...) {
		q.start()
	}
	nc, err := nats.Connect(p.natsURL, nats.MaxReconnects(-1), nats.ReconnectWait(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	p.nc = nc
	p.js, _ = jetstream.New(nc)
	t.Cleanup(func() {
		for _, q := range append(append([]*proc{p.ingest}, p.processors...), p.notifiers...) {
			q.stop()
		}
		nc.Close()
		p.nats.stop()
	})
	eventually(t, "ingest ready", 60*time.Second, func() bool { return httpOK(p.ingestURL + "/readyz") })
	return p
}

func (p *pipeline) proc(name string, args, env []string) *proc {
	f, err := os.Create(filepath.Join(p.dir, name+".log"))
	if err != nil {
		p.t.Fatal(err)
	}
	p.t.Cleanup(func() {
		f.Close()
		if p.t.Failed() {
			b, _ := os.ReadFile(f.Name())
			if len(b) > 6000 {
				b = b[len(b)-6000:]
			}
			p.t.Logf("--- %s log (tail) ---\n%s", name, b)
		}
	})
	return &proc{t: p.t, name: name, args: args, env: env, log: f}
}

func waitTCP(t *testing.T, addr string) {
	t.Helper()
	eventually(t, addr+" listening", 30*time.Second, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
}

func httpOK(url string) bool {
	c := http.Client{Timeout: 2 * time.Second}
	res, err := c.Get(url)
	if err != nil {
		return false
	}
	res.Body.Close()
	return res.StatusCode == http.StatusOK
}

func eventually(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s", timeout, what)
}

// load sends events at a steady rate as a real client would: a request that
// is not answered 202 is retried (same bytes, so the same event id) until it
// is, and only 202s count as accepted.
type load struct {
	service    string
	groups     int
	mu         sync.Mutex
	acceptedAt []time.Time
	ids        []string
	perGroup   map[int]int
	got503     atomic.Int32
	retries    atomic.Int32
}

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

// run sends n events at rate per second, in batches of 10, and returns when all were accepted.
func (l *load) run(t *testing.T, ingestURL string, n int, rate float64) {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	interval := time.Duration(float64(time.Second) * 10 / rate)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for start := 0; start < n; start += 10 {
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
			if err == nil {
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode == http.StatusAccepted {
					break
				}
				if res.StatusCode == http.StatusServiceUnavailable {
					l.got503.Add(1)
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("events %d.. never accepted: %v", start, err)
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
}

func (l *load) accepted() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.ids)
}

// es runs a query against the local node.
func esJSON(t *testing.T, esURL, path, body string, out any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, esURL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("elasticsearch %s: %v", path, err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		t.Fatalf("elasticsearch %s: %v", path, err)
	}
}

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
	peak time.Duration
	stop chan struct{}
	done chan struct{}
}

func sampleLag(t *testing.T, esURL string, l *load) *lagSampler {
	s := &lagSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for {
			select {
			case <-s.stop:
				return
			case <-time.After(500 * time.Millisecond):
			}
			stored := storedCountQuiet(esURL, l.service)
			l.mu.Lock()
			if stored >= 0 && stored < len(l.acceptedAt) {
				if lag := time.Since(l.acceptedAt[stored]); lag > s.peak {
					s.peak = lag
				}
			}
			l.mu.Unlock()
		}
	}()
	return s
}

func (s *lagSampler) finish() time.Duration {
	close(s.stop)
	<-s.done
	return s.peak
}

func storedCountQuiet(esURL, service string) int {
	body := fmt.Sprintf(`{"query":{"term":{"service.name":%q}}}`, service)
	res, err := http.Post(esURL+"/logs-faultline-default/_count", "application/json", strings.NewReader(body))
	if err != nil {
		return -1
	}
	defer res.Body.Close()
	var out struct {
		Count int `json:"count"`
	}
	if json.NewDecoder(res.Body).Decode(&out) != nil {
		return -1
	}
	return out.Count
}

// verify waits for the pipeline to drain and checks the guarantees. It
// returns when the backlog was drained, for the RTO.
func (p *pipeline) verify(l *load, name string, restartedAt time.Time, peak time.Duration) {
	t := p.t
	t.Helper()
	want := l.accepted()
	var drained time.Time
	eventually(t, "every accepted event searchable", 5*time.Minute, func() bool {
		if storedCountQuiet(p.esURL, l.service) >= want {
			drained = time.Now()
			return true
		}
		return false
	})
	// Let redeliveries that are still in flight land before counting twice-written events.
	time.Sleep(2 * time.Second)
	esJSON(t, p.esURL, "/logs-faultline-default/_refresh", "", &map[string]any{})
	stored := storedCount(t, p.esURL, l.service)
	var idHits struct {
		Count int `json:"count"`
	}
	l.mu.Lock()
	ids, _ := json.Marshal(l.ids)
	perGroup := map[int]int{}
	for k, v := range l.perGroup {
		perGroup[k] = v
	}
	l.mu.Unlock()
	esJSON(t, p.esURL, "/logs-faultline-default/_count", fmt.Sprintf(`{"query":{"ids":{"values":%s}}}`, ids), &idHits)
	lost := want - idHits.Count
	duplicates := stored - idHits.Count
	if lost != 0 || duplicates != 0 {
		t.Errorf("%d events lost, %d duplicated (accepted %d, stored %d)", lost, duplicates, want, stored)
	}

	// Group counts: each group's count equals the events sent for it.
	var groups struct {
		Hits struct {
			Hits []struct {
				Source struct {
					Count int    `json:"count"`
					Title string `json:"title"`
					Error struct {
						Type string `json:"type"`
					} `json:"error"`
				} `json:"_source"`
			} `json:"hits"`
		} `json:"hits"`
	}
	eventually(t, "group counts to match", 60*time.Second, func() bool {
		esJSON(t, p.esURL, "/faultline-groups/_search", fmt.Sprintf(`{"size":1000,"query":{"term":{"service.name":%q}}}`, l.service), &groups)
		if len(groups.Hits.Hits) != len(perGroup) {
			return false
		}
		for _, h := range groups.Hits.Hits {
			var g int
			fmt.Sscanf(h.Source.Error.Type, "com.acme.chaos.Bug%dException", &g)
			if h.Source.Count != perGroup[g] {
				return false
			}
		}
		return true
	})

	// Each new group announced exactly once.
	var ann map[string]int
	eventually(t, "each group announced", 90*time.Second, func() bool {
		ann = p.chat.announcements(l.service)
		return len(ann) >= len(perGroup)
	})
	time.Sleep(time.Second)
	ann = p.chat.announcements(l.service)
	twice := 0
	for _, n := range ann {
		if n != 1 {
			twice++
		}
	}
	if len(ann) != len(perGroup) || twice != 0 {
		t.Errorf("announcements: %d groups announced for %d, %d announced more than once", len(ann), len(perGroup), twice)
	}
	rto := time.Duration(0)
	if !restartedAt.IsZero() {
		rto = drained.Sub(restartedAt)
	}
	line := fmt.Sprintf("chaos %s: accepted %d, lost %d, duplicates %d, groups %d, announced %d, RTO %s, peak ingest-to-ES lag %s, 503s %d, client retries %d",
		name, want, lost, duplicates, len(perGroup), len(ann), rto.Round(100*time.Millisecond), peak.Round(100*time.Millisecond), l.got503.Load(), l.retries.Load())
	t.Log(line)
	fmt.Println(line)
}

func newLoad(t *testing.T, groups int) *load {
	return &load{service: fmt.Sprintf("chaos-%s-%d", strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")), time.Now().UnixNano()), groups: groups, perGroup: map[int]int{}}
}

func processorLag(p *pipeline) uint64 {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c, err := p.js.Consumer(ctx, broker.EventsStream, "processor")
	if err != nil {
		return 0
	}
	info, err := c.Info(ctx)
	if err != nil {
		return 0
	}
	return info.NumPending + uint64(info.NumAckPending)
}
