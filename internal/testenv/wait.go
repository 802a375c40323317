package testenv

import (
	"bytes"
	"net/http"
	"sync"
	"testing"
	"time"
)

// Eventually polls cond every 50ms until it holds, and fails the test
// naming what it waited for when timeout passes first.
func Eventually(t testing.TB, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	if !Within(timeout, cond) {
		t.Fatalf("timed out after %s waiting for %s", timeout, what)
	}
}

// Within polls cond every 50ms until it holds or timeout passes, and tells
// which: for a test that asserts what it finds after the wait (exactly n
// messages, not at least n) rather than failing on the wait.
func Within(timeout time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// HTTPOK tells whether a GET of url answers 200 within two seconds.
func HTTPOK(url string) bool {
	c := http.Client{Timeout: 2 * time.Second}
	res, err := c.Get(url)
	if err != nil {
		return false
	}
	res.Body.Close()
	return res.StatusCode == http.StatusOK
}

// Buffer collects what a server's goroutines write (its logs) while the
// test reads it.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *Buffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *Buffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
