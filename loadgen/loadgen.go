package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Config shapes the load.
type Config struct {
	URL       string // ingest base URL
	Services  int
	Bugs      int // distinct bugs across all services
	Events    int // total events to send
	Rate      float64
	Batch     int // events per request
	Workers   int
	Seed      uint64
	BurstProb float64 // chance that a request repeats one bug Batch times
	// Prefix makes service names unique per run.
	Prefix string
}

// Result summarises a run.
type Result struct {
	Accepted int64
	Retries  int64
	Elapsed  time.Duration
}

// Rate is accepted events per second.
func (r Result) Rate() float64 { return float64(r.Accepted) / r.Elapsed.Seconds() }

// Generator makes events deterministically from its seed.
type Generator struct {
	cfg  Config
	zipf *rand.Zipf
	rng  *rand.Rand
	mu   sync.Mutex
	seq  atomic.Int64
}

// NewGenerator prepares a generator; the Zipf exponent 1.1 gives the long
// tail real services show.
func NewGenerator(cfg Config) *Generator {
	if cfg.Services <= 0 {
		cfg.Services = 5
	}
	if cfg.Bugs <= 0 {
		cfg.Bugs = 50
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 100
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	return &Generator{cfg: cfg, rng: rng, zipf: rand.NewZipf(rng, 1.1, 1, uint64(cfg.Bugs-1))}
}

// Service names bug b's service.
func (g *Generator) Service(b int) string {
	return fmt.Sprintf("%ssvc-%02d", g.cfg.Prefix, b%g.cfg.Services)
}

// nextBug draws a bug from the long tail.
func (g *Generator) nextBug() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return int(g.zipf.Uint64())
}

func (g *Generator) chance(p float64) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.rng.Float64() < p
}

type frame struct {
	ClassName  string `json:"className"`
	MethodName string `json:"methodName"`
	FileName   string `json:"fileName"`
	LineNumber int    `json:"lineNumber"`
}

type throwable struct {
	ClassName         string     `json:"className"`
	Message           string     `json:"message"`
	StepArray         []frame    `json:"stepArray"`
	Cause             *throwable `json:"cause,omitempty"`
	CommonFramesCount int        `json:"commonFramesCount,omitempty"`
}

var exceptionTypes = []string{
	"java.lang.IllegalStateException", "java.lang.NullPointerException", "java.lang.IllegalArgumentException",
	"java.util.concurrent.TimeoutException", "org.springframework.dao.DataIntegrityViolationException",
	"java.io.UncheckedIOException", "com.fasterxml.jackson.databind.JsonMappingException",
}

var causeTypes = []string{"java.net.SocketTimeoutException", "java.sql.SQLTransientConnectionException", "java.io.EOFException", "java.net.ConnectException"}

// Event is bug b's n-th occurrence as logback's JsonEncoder writes it. Line
// numbers and arguments vary between occurrences, the bug's frames do not.
func (g *Generator) Event(b, n int) []byte {
	svc := g.Service(b)
	pkg := fmt.Sprintf("com.acme.%s", fmt.Sprintf("svc%02d", b%g.cfg.Services))
	app := func(cls, m string, line int) frame {
		return frame{ClassName: pkg + "." + cls, MethodName: m, FileName: cls + ".java", LineNumber: line}
	}
	shift := n % 3 // a deploy moves line numbers
	frames := []frame{
		app(fmt.Sprintf("Repository%d", b), "load", 40+shift),
		app(fmt.Sprintf("Service%d", b), fmt.Sprintf("handle%d", b%7), 120+shift),
		{ClassName: pkg + fmt.Sprintf(".Service%d$$SpringCGLIB$$0", b), MethodName: fmt.Sprintf("handle%d", b%7), FileName: "<generated>", LineNumber: -1},
		app("Controller", "post", 33+shift),
		{ClassName: "org.springframework.web.servlet.FrameworkServlet", MethodName: "service", FileName: "FrameworkServlet.java", LineNumber: 885},
		{ClassName: "org.apache.catalina.core.ApplicationFilterChain", MethodName: "doFilter", FileName: "ApplicationFilterChain.java", LineNumber: 166},
		{ClassName: "java.lang.Thread", MethodName: "run", FileName: "Thread.java", LineNumber: 840},
	}
	t := &throwable{
		ClassName: exceptionTypes[b%len(exceptionTypes)],
		Message:   fmt.Sprintf("Request %d for order %d failed", n, 10000+n),
		StepArray: frames,
		Cause: &throwable{
			ClassName:         causeTypes[b%len(causeTypes)],
			Message:           fmt.Sprintf("timeout after %dms talking to 10.0.%d.%d:5432", 3000+n%500, n%255, b%255),
			StepArray:         []frame{{ClassName: "java.net.SocketInputStream", MethodName: "read", FileName: "SocketInputStream.java", LineNumber: 183}, app(fmt.Sprintf("Client%d", b), "call", 61+shift)},
			CommonFramesCount: 5,
		},
	}
	seq := g.seq.Add(1)
	ev := map[string]any{
		"sequenceNumber": seq,
		"timestamp":      time.Now().UnixMilli(),
		"nanoseconds":    seq,
		"level":          "ERROR",
		"threadName":     fmt.Sprintf("http-nio-8080-exec-%d", n%32),
		"loggerName":     pkg + ".Controller",
		"context":        map[string]any{"name": svc, "birthdate": 1764000000000, "properties": map[string]any{}},
		"mdc":            map[string]string{"requestId": fmt.Sprintf("req-%d-%d", b, n), "env": "prod"},
		"message":        "Request {} failed for customer {}",
		"arguments":      []any{n, fmt.Sprintf("c-%d", n%1000)},
		"throwable":      t,
	}
	out, _ := json.Marshal(ev)
	return out
}

// Run sends cfg.Events events and retries what ingest does not accept, the
// way a real shipper does.
func Run(ctx context.Context, cfg Config) (Result, error) {
	g := NewGenerator(cfg)
	cfg = g.cfg
	var res Result
	var accepted, retries atomic.Int64
	batches := make(chan [][2]int, cfg.Workers*2)
	client := &http.Client{Timeout: 30 * time.Second}
	var wg sync.WaitGroup
	var firstErr atomic.Value
	// Closed when a worker gives up, so the sender stops instead of blocking
	// on a queue nobody reads.
	gaveUp := make(chan struct{})
	var giveUp sync.Once
	start := time.Now()
	for w := 0; w < cfg.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for batch := range batches {
				var body bytes.Buffer
				for _, bn := range batch {
					body.Write(g.Event(bn[0], bn[1]))
					body.WriteByte('\n')
				}
				for attempt := 0; ; attempt++ {
					err := post(ctx, client, cfg.URL+"/v1/logs", body.Bytes())
					if err == nil {
						break
					}
					if ctx.Err() != nil || attempt == 100 {
						firstErr.CompareAndSwap(nil, err)
						giveUp.Do(func() { close(gaveUp) })
						return
					}
					retries.Add(1)
					time.Sleep(200 * time.Millisecond)
				}
				accepted.Add(int64(len(batch)))
			}
		}()
	}
	var interval time.Duration
	if cfg.Rate > 0 {
		interval = time.Duration(float64(time.Second) * float64(cfg.Batch) / cfg.Rate)
	}
	n := 0
	occurrences := make([]int, cfg.Bugs)
send:
	for n < cfg.Events && ctx.Err() == nil {
		size := min(cfg.Batch, cfg.Events-n)
		batch := make([][2]int, size)
		burst := cfg.BurstProb > 0 && g.chance(cfg.BurstProb)
		b := g.nextBug()
		for i := range batch {
			if !burst {
				b = g.nextBug()
			}
			batch[i] = [2]int{b, occurrences[b]}
			occurrences[b]++
		}
		select {
		case batches <- batch:
		case <-gaveUp:
			break send
		case <-ctx.Done():
			break send
		}
		n += size
		if interval > 0 {
			time.Sleep(interval)
		}
	}
	close(batches)
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.Accepted, res.Retries = accepted.Load(), retries.Load()
	if err, _ := firstErr.Load().(error); err != nil {
		return res, err
	}
	return res, ctx.Err()
}

func post(ctx context.Context, client *http.Client, url string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	if res.StatusCode != http.StatusAccepted {
		return fmt.Errorf("ingest answered %s: %s", res.Status, msg)
	}
	return nil
}
