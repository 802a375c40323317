package harness

import (
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/faultline/faultline/internal/testenv"
)

var binDir string

// Main builds the faultline and nats-server binaries once for a test
// binary's run; call it from TestMain.
func Main(m *testing.M) {
	dir, err := os.MkdirTemp("", "faultline-harness")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
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

func FreePort(t testing.TB) int {
	t.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()
	for {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		// The kernel may offer a port it just offered again, before the
		// child given the first one has bound it: two services on one
		// port, and one of them dead at start (seen in CI).
		if !portsGiven[port] {
			portsGiven[port] = true
			return port
		}
	}
}

var (
	portsMu    sync.Mutex
	portsGiven = map[int]bool{}
)

// Proc is one child process that can be killed and started again.
type Proc struct {
	t    testing.TB
	name string
	args []string
	env  []string
	log  *os.File
	cmd  *exec.Cmd
	done chan struct{}
}

func (p *Proc) Start() {
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

// Running tells whether the process started last is still alive.
func (p *Proc) Running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// Kill is kill -9: no shutdown, no draining.
func (p *Proc) Kill() {
	if p.cmd != nil && p.cmd.Process != nil {
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// Stop interrupts the process (SIGINT, which it handles like SIGTERM) and
// waits, the way an orchestrator stops a service.
func (p *Proc) Stop() {
	if p.cmd != nil && p.cmd.Process != nil {
		_ = p.cmd.Process.Signal(os.Interrupt)
		select {
		case <-p.done:
		case <-time.After(40 * time.Second):
			p.Kill()
		}
	}
}

// ChatReceiver is the pipeline's webhook channel: the kit's Inbox, which
// refuses what is not faultline's webhook payload, read as that payload.
type ChatReceiver struct {
	testenv.Inbox
}

// NewChatReceiver is a receiver that refuses a body that is not JSON.
func NewChatReceiver() *ChatReceiver {
	c := &ChatReceiver{}
	c.Check = testenv.JSONBody[WebhookBody](false)
	return c
}

type WebhookBody struct {
	Kind        string `json:"kind"`
	Occurrences int    `json:"occurrences"`
	Group       struct {
		Fingerprint string `json:"fingerprint"`
		Title       string `json:"title"`
		Message     string `json:"message"`
		Service     struct {
			Name string `json:"name"`
		} `json:"service"`
	} `json:"group"`
}

// Messages returns the accepted messages.
func (c *ChatReceiver) Messages() []WebhookBody {
	return testenv.Messages[WebhookBody](&c.Inbox)
}

// Announcements counts "new" messages per fingerprint for a service.
func (c *ChatReceiver) Announcements(service string) map[string]int {
	out := map[string]int{}
	for _, b := range c.Messages() {
		if b.Kind == "new" && b.Group.Service.Name == service {
			out[b.Group.Fingerprint]++
		}
	}
	return out
}

// Pipeline is one scenario's set of processes.
type Pipeline struct {
	t         testing.TB
	Dir       string
	ESURL     string
	NATSURL   string
	NATS      *Proc
	Ingest    *Proc
	IngestURL string
	// Ingests are every ingest replica (Ingest is the first), behind
	// Balancer when there are more than one; IngestURL is then the
	// balancer's.
	Ingests    []*Proc
	Balancer   *Balancer
	Processors []*Proc
	Notifiers  []*Proc
	Chat       *ChatReceiver
	NC         *nats.Conn
	JS         jetstream.JetStream
}

func New(t testing.TB, processors, notifiers int) *Pipeline {
	t.Helper()
	return Start(t, Options{Processors: processors, Notifiers: notifiers})
}

// NewWithNotify takes the notify section of the configuration, indented
// under "notify:".
func NewWithNotify(t testing.TB, processors, notifiers int, notify string) *Pipeline {
	t.Helper()
	return Start(t, Options{Processors: processors, Notifiers: notifiers, Notify: notify})
}

// Options is what a pipeline is made of.
type Options struct {
	Processors, Notifiers int
	// Ingests is the number of ingest replicas (0 is one); more than one
	// are reached through a Balancer.
	Ingests int
	// Notify is the notify section of the configuration, indented under
	// "notify:"; empty is an hour's cooldown and no storm summaries, so
	// that every new group is announced on its own.
	Notify string
	// Cluster, when set, is the NATS the services use (every node's URL,
	// streams and KV at three replicas) instead of a server of the
	// pipeline's own.
	Cluster *Cluster
	// Elasticsearch, when set, is what the services write to (every node's
	// URL) instead of the local node; the pipeline's ESURL is its first
	// node's.
	Elasticsearch *testenv.PrivateNode
}

// Start runs a pipeline, stopped when the test ends.
func Start(t testing.TB, o Options) *Pipeline {
	t.Helper()
	p := &Pipeline{t: t, Dir: t.TempDir(), Chat: NewChatReceiver()}
	esURLs := ""
	if o.Elasticsearch != nil {
		p.ESURL, esURLs = o.Elasticsearch.URL, strings.Join(o.Elasticsearch.URLs, ",")
	} else {
		p.ESURL = testenv.ElasticsearchURL(t)
		esURLs = p.ESURL
	}
	hook := httptest.NewServer(p.Chat)
	t.Cleanup(hook.Close)
	if o.Notify == "" {
		o.Notify = "  cooldown: 1h\n  storm: {threshold: 100000}\n"
	}
	cfg := filepath.Join(p.Dir, "faultline.yaml")
	// Counts a crash left short are repaired once count_settle has passed:
	// shortened here so that happens within a test's wait.
	os.WriteFile(cfg, []byte(fmt.Sprintf(`
channels:
  - {name: chat, type: webhook, url: %q}
processor: {batch_timeout: 20s, count_settle: 30s}
notify:
%s`, hook.URL+"/hook", o.Notify)), 0o600)
	replicas := 1
	if o.Cluster != nil {
		p.NATSURL, replicas = o.Cluster.URL(), len(o.Cluster.Nodes)
	} else {
		natsPort := FreePort(t)
		p.NATSURL = fmt.Sprintf("nats://127.0.0.1:%d", natsPort)
		p.NATS = newProc(t, p.Dir, "nats", []string{filepath.Join(binDir, "nats-server"), "-js", "-a", "127.0.0.1", "-p", fmt.Sprint(natsPort), "-sd", filepath.Join(p.Dir, "nats")}, nil)
		// Registered before the services' stop, so it runs after it.
		t.Cleanup(p.NATS.Stop)
		p.NATS.Start()
		waitTCP(t, fmt.Sprintf("127.0.0.1:%d", natsPort))
	}
	env := []string{"FAULTLINE_NATS_URL=" + p.NATSURL, "FAULTLINE_ES_URL=" + esURLs, "FAULTLINE_CONFIG=" + cfg, fmt.Sprintf("FAULTLINE_STREAM_REPLICAS=%d", replicas)}
	bin := filepath.Join(binDir, "faultline")
	var ingestNames, ingestURLs []string
	for i := range max(o.Ingests, 1) {
		name := "ingest"
		if o.Ingests > 1 {
			name = fmt.Sprintf("ingest-%d", i)
		}
		port := FreePort(t)
		ingestNames = append(ingestNames, name)
		ingestURLs = append(ingestURLs, fmt.Sprintf("http://127.0.0.1:%d", port))
		p.Ingests = append(p.Ingests, newProc(t, p.Dir, name, []string{bin, "ingest"}, append(env, fmt.Sprintf("FAULTLINE_HTTP_ADDR=127.0.0.1:%d", port))))
	}
	p.Ingest, p.IngestURL = p.Ingests[0], ingestURLs[0]
	for i := 0; i < o.Processors; i++ {
		p.Processors = append(p.Processors, newProc(t, p.Dir, fmt.Sprintf("processor-%d", i), []string{bin, "processor"}, append(env, fmt.Sprintf("FAULTLINE_HTTP_ADDR=127.0.0.1:%d", FreePort(t)))))
	}
	for i := 0; i < o.Notifiers; i++ {
		p.Notifiers = append(p.Notifiers, newProc(t, p.Dir, fmt.Sprintf("notifier-%d", i), []string{bin, "notifier"}, append(env, fmt.Sprintf("FAULTLINE_HTTP_ADDR=127.0.0.1:%d", FreePort(t)))))
	}
	for _, q := range p.procs() {
		q.Start()
	}
	nc, err := nats.Connect(p.NATSURL, nats.MaxReconnects(-1), nats.ReconnectWait(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	p.NC = nc
	p.JS, _ = jetstream.New(nc)
	t.Cleanup(func() {
		for _, q := range p.procs() {
			q.Stop()
		}
		nc.Close()
	})
	for _, u := range ingestURLs {
		testenv.Eventually(t, "ingest ready", 60*time.Second, func() bool { return testenv.HTTPOK(u + "/readyz") })
	}
	if o.Ingests > 1 {
		p.Balancer = NewBalancer(t, "/readyz", ingestNames, ingestURLs)
		p.IngestURL = p.Balancer.URL
	}
	for _, q := range p.procs() {
		if !q.Running() {
			t.Fatalf("%s exited at start-up (its log follows)", q.name)
		}
	}
	return p
}

func (p *Pipeline) procs() []*Proc {
	return append(append(append([]*Proc(nil), p.Ingests...), p.Processors...), p.Notifiers...)
}

// newProc is a process logging to dir/name.log, whose log's tail the test
// prints when it fails.
func newProc(t testing.TB, dir, name string, args, env []string) *Proc {
	f, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		f.Close()
		if t.Failed() {
			b, _ := os.ReadFile(f.Name())
			if len(b) > 6000 {
				b = b[len(b)-6000:]
			}
			t.Logf("--- %s log (tail) ---\n%s", name, b)
		}
	})
	return &Proc{t: t, name: name, args: args, env: env, log: f}
}

func waitTCP(t testing.TB, addr string) {
	t.Helper()
	testenv.Eventually(t, addr+" listening", 30*time.Second, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
}

// PeakRSS is the process's peak resident memory in bytes (VmHWM), read while
// it runs.
func (p *Proc) PeakRSS() (int64, error) {
	if p.cmd == nil || p.cmd.Process == nil {
		return 0, fmt.Errorf("%s: not running", p.name)
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("%s: %w", p.name, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			if _, err := fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), &kb); err != nil {
				return 0, fmt.Errorf("%s: VmHWM %q: %w", p.name, rest, err)
			}
			return kb * 1024, nil
		}
	}
	return 0, fmt.Errorf("%s: no VmHWM in /proc status", p.name)
}
