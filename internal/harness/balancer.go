package harness

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/testenv"
)

// Balancer is the load balancer in front of a service's replicas, as
// haproxy or a Kubernetes Service would be: round robin over the replicas
// whose health check answers 200, checked every 250 ms and at once when a
// request to one fails. It does not retry a request itself (it cannot know
// whether a cut-off POST was taken): the client does, and an accepted
// event's retry is deduplicated by its id.
type Balancer struct {
	URL      string
	backends []*backend
	next     atomic.Uint32
	mu       sync.Mutex
	// downs are the times each replica was taken out of rotation.
	downs map[string][]time.Time
}

type backend struct {
	name    string
	target  *url.URL
	health  string
	proxy   *httputil.ReverseProxy
	healthy atomic.Bool
	served  atomic.Int64
}

// NewBalancer listens on loopback in front of targets (name → base URL),
// checking each one's healthPath; it stops when the test ends.
func NewBalancer(t testing.TB, healthPath string, names, targets []string) *Balancer {
	t.Helper()
	b := &Balancer{downs: map[string][]time.Time{}}
	for i, raw := range targets {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("balancer target %q: %v", raw, err)
		}
		be := &backend{name: names[i], target: u, health: raw + healthPath, proxy: httputil.NewSingleHostReverseProxy(u)}
		be.proxy.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
			b.markDown(be)
			w.WriteHeader(http.StatusBadGateway)
		}
		b.backends = append(b.backends, be)
	}
	srv := httptest.NewServer(b)
	b.URL = srv.URL
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		b.check(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		srv.Close()
	})
	b.probe()
	return b
}

func (b *Balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := len(b.backends)
	start := int(b.next.Add(1))
	for i := range n {
		be := b.backends[(start+i)%n]
		if be.healthy.Load() {
			be.served.Add(1)
			be.proxy.ServeHTTP(w, r)
			return
		}
	}
	w.Header().Set("Retry-After", "1")
	http.Error(w, "no healthy replica", http.StatusServiceUnavailable)
}

func (b *Balancer) check(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(250 * time.Millisecond):
		}
		b.probe()
	}
}

func (b *Balancer) probe() {
	for _, be := range b.backends {
		if testenv.HTTPOK(be.health) {
			be.healthy.Store(true)
		} else {
			b.markDown(be)
		}
	}
}

func (b *Balancer) markDown(be *backend) {
	if be.healthy.Swap(false) {
		b.mu.Lock()
		b.downs[be.name] = append(b.downs[be.name], time.Now())
		b.mu.Unlock()
	}
}

// Served is how many requests went to the replica named name.
func (b *Balancer) Served(name string) int64 {
	for _, be := range b.backends {
		if be.name == name {
			return be.served.Load()
		}
	}
	return 0
}

// Healthy tells whether the replica named name is in rotation.
func (b *Balancer) Healthy(name string) bool {
	for _, be := range b.backends {
		if be.name == name {
			return be.healthy.Load()
		}
	}
	return false
}

// TakenOut is when the replica named name first left the rotation at or
// after since, or the zero time.
func (b *Balancer) TakenOut(name string, since time.Time) time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, at := range b.downs[name] {
		if !at.Before(since) {
			return at
		}
	}
	return time.Time{}
}
