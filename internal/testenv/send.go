package testenv

import (
	"bytes"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"
)

// SendAll posts every body to url from eight concurrent senders, as a busy
// service's pods would, so that ingest, not the round trip, sets the pace.
// It fails tb on any answer but want and returns how long it took until
// every body was answered. Benchmarks build the bodies before calling it, so
// the time is the server's, not the encoder's.
func SendAll(tb testing.TB, url string, header map[string]string, want int, bodies [][]byte) time.Duration {
	tb.Helper()
	work := make(chan []byte, len(bodies))
	for _, body := range bodies {
		work <- body
	}
	close(work)
	start := time.Now()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for body := range work {
				req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
				if err != nil {
					tb.Errorf("%s: %v", url, err)
					return
				}
				for k, v := range header {
					req.Header.Set(k, v)
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					tb.Errorf("%s: %v", url, err)
					return
				}
				res.Body.Close()
				if res.StatusCode != want {
					tb.Errorf("%s: %s, want %d", url, res.Status, want)
					return
				}
			}
		})
	}
	wg.Wait()
	if tb.Failed() {
		tb.FailNow()
	}
	return time.Since(start)
}

// Post sends body to url with header set and returns the answer with its
// body read whole; a request that gets no answer fails t.
func Post(t testing.TB, url string, body []byte, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read the answer of %s: %v", url, err)
	}
	return res, b
}
