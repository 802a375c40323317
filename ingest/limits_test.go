package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/config"
)

// 200 concurrent bodies of 5 MB: the bytes reserved never exceed the
// limit, the requests past it are answered 503 with Retry-After before
// their body is read, and every 202 is on the stream.
func TestInflightBytesAreBounded(t *testing.T) {
	const limit = 64 << 20
	h := newHarness(t, Config{MaxInflightBytes: limit, MaxBodyBytes: 6 << 20})
	// One event and 5 MB of blank lines: the body costs memory, the stream
	// stays small.
	padding := bytes.Repeat([]byte("\n"), 5<<20)
	var mu sync.Mutex
	statuses := map[int]int{}
	var noRetryAfter, transportErrs int
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev := []byte(fmt.Sprintf(`{"message":"inflight %d","service":{"name":"inflight"}}`, i))
			body := io.MultiReader(bytes.NewReader(ev), bytes.NewReader(padding))
			req, _ := http.NewRequest(http.MethodPost, h.http.URL+"/v1/logs", body)
			req.ContentLength = int64(len(ev) + len(padding))
			<-start
			res, err := http.DefaultClient.Do(req)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				transportErrs++
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			statuses[res.StatusCode]++
			if res.StatusCode == http.StatusServiceUnavailable && res.Header.Get("Retry-After") == "" {
				noRetryAfter++
			}
		}()
	}
	close(start)
	wg.Wait()
	t.Logf("answers %v, transport errors %d, peak %d bytes in flight", statuses, transportErrs, h.srv.inflight.peak)
	if statuses[http.StatusServiceUnavailable] == 0 {
		t.Errorf("no 503 among 200 concurrent 5 MB bodies with a %d byte limit: %v", limit, statuses)
	}
	if noRetryAfter > 0 {
		t.Errorf("%d answers 503 without Retry-After", noRetryAfter)
	}
	if statuses[http.StatusAccepted] == 0 {
		t.Errorf("nothing accepted: %v", statuses)
	}
	if p := h.srv.inflight.peak; p > limit || p == 0 {
		t.Errorf("peak of %d bytes in flight, limit %d", p, limit)
	}
	if n := len(h.stored(t)); n != statuses[http.StatusAccepted] {
		t.Errorf("%d events on the stream for %d answers 202", n, statuses[http.StatusAccepted])
	}
	if u := h.srv.inflight.used; u != 0 {
		t.Errorf("%d bytes still reserved after every answer", u)
	}
}

// A sender whose bucket is empty is refused before its body is read: this
// body is not even JSON, and reading it would have answered 400.
func TestRateLimitBeforeTheBody(t *testing.T) {
	h := newHarness(t, Config{RateLimit: 1, Burst: 1})
	fixed := time.Now()
	h.srv.now = func() time.Time { return fixed }
	if res, _ := h.post(t, []byte(good), nil); res.StatusCode != http.StatusAccepted {
		t.Fatalf("first: %d", res.StatusCode)
	}
	res, r := h.post(t, []byte("{not json"), nil)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "1" {
		t.Errorf("empty bucket: %d, Retry-After %q, %+v; want 429 before reading the body", res.StatusCode, res.Header.Get("Retry-After"), r)
	}
	bulk := h.http.URL + "/_bulk"
	bres, err := http.Post(bulk, "application/x-ndjson", strings.NewReader("not a bulk body\n"))
	if err != nil {
		t.Fatal(err)
	}
	bres.Body.Close()
	if bres.StatusCode != http.StatusTooManyRequests || bres.Header.Get("Retry-After") == "" {
		t.Errorf("_bulk with an empty bucket: %d", bres.StatusCode)
	}
}

// One service over its quota is refused with 429, Retry-After and a body
// naming it and the quota; the others go on.
func TestServiceQuotas(t *testing.T) {
	h := newHarness(t, Config{Quotas: config.Quotas{
		Default:  config.Quota{EventsPerSecond: 100},
		Services: map[string]config.Quota{"noisy": {EventsPerSecond: 1, BytesPerDay: 4000}},
	}})
	fixed := time.Date(2026, 12, 3, 22, 0, 0, 0, time.UTC)
	h.srv.now = func() time.Time { return fixed }
	ev := func(svc string, i int) string {
		return fmt.Sprintf(`{"message":"quota %d","service":{"name":%q}}`, i, svc)
	}
	if res, r := h.post(t, []byte(ev("noisy", 1)+"\n"+ev("noisy", 2)), nil); res.StatusCode != http.StatusAccepted {
		t.Fatalf("within the burst: %d %+v", res.StatusCode, r)
	}
	res, r := h.post(t, []byte(ev("noisy", 3)), nil)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "1" || !strings.Contains(r.Error, `service "noisy" is over its quota of 1 events/s`) {
		t.Errorf("over events/s: %d, Retry-After %q, %+v", res.StatusCode, res.Header.Get("Retry-After"), r)
	}
	if res, r := h.post(t, []byte(ev("quiet", 1)), nil); res.StatusCode != http.StatusAccepted {
		t.Errorf("another service while noisy is limited: %d %+v", res.StatusCode, r)
	}
	// Bytes per day: the rate refills, the day's bytes do not until midnight.
	for i := 4; ; i++ {
		fixed = fixed.Add(10 * time.Second)
		res, r = h.post(t, []byte(ev("noisy", i)), nil)
		if res.StatusCode != http.StatusAccepted {
			break
		}
		if i > 100 {
			t.Fatal("bytes_per_day never reached")
		}
	}
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(r.Error, `service "noisy" is over its quota of 4000 bytes per day`) {
		t.Errorf("over bytes/day: %d %+v", res.StatusCode, r)
	}
	wait := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC).Sub(fixed)
	if got := res.Header.Get("Retry-After"); got != retryAfter(wait) {
		t.Errorf("Retry-After %q, want the seconds to midnight UTC (%s)", got, retryAfter(wait))
	}
	fixed = time.Date(2026, 12, 4, 0, 0, 1, 0, time.UTC)
	if res, r := h.post(t, []byte(ev("noisy", 1000)), nil); res.StatusCode != http.StatusAccepted {
		t.Errorf("the next day: %d %+v", res.StatusCode, r)
	}
}

// A full events stream (DiscardNew) refuses the publish: ingest answers 507
// with Retry-After and says so, /readyz names it, and every event answered
// 202 before is still there.
func TestFullEventStreamAnswers507(t *testing.T) {
	h := newHarness(t, Config{})
	// The stream exists with the defaults: this also shows an existing
	// stream takes a new cap.
	if err := broker.EnsureStreamsWith(context.Background(), h.js, 1, broker.Limits{EventsMaxBytes: 64 << 10}); err != nil {
		t.Fatal(err)
	}
	accepted := 0
	var res *http.Response
	var r Response
	for i := 0; ; i++ {
		res, r = h.post(t, []byte(fmt.Sprintf(`{"message":"fill %d %s"}`, i, strings.Repeat("x", 2000))), nil)
		if res.StatusCode != http.StatusAccepted {
			break
		}
		accepted++
		if i > 1000 {
			t.Fatal("a 64 KiB stream never filled")
		}
	}
	if res.StatusCode != http.StatusInsufficientStorage || res.Header.Get("Retry-After") == "" || !strings.Contains(r.Error, "event stream full") || !strings.Contains(r.Error, "of 65536 bytes") {
		t.Errorf("full stream: %d, Retry-After %q, %+v", res.StatusCode, res.Header.Get("Retry-After"), r)
	}
	ready, err := http.Get(h.http.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Failing map[string]string `json:"failing"`
	}
	_ = json.NewDecoder(ready.Body).Decode(&body)
	ready.Body.Close()
	if ready.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body.Failing["jetstream"], "event stream full: ") {
		t.Errorf("readyz: %d %+v", ready.StatusCode, body)
	}
	if n := len(h.stored(t)); n != accepted || accepted == 0 {
		t.Errorf("%d events on the stream, %d answered 202", n, accepted)
	}
}
