package testenv

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Inbox is the far end of a chat channel (Discord, Slack, a webhook,
// Sentry): it keeps every request byte for byte and answers as a test
// scripts it, so a test of a channel asserts the exact payload and the
// sender's handling of 429 and 500 without a receiver of its own. Its zero
// value accepts everything with 204.
type Inbox struct {
	// Check, when set, refuses a request with 400 and the error: the
	// provider's own validation of what it is sent.
	Check func(r *http.Request, body []byte) error
	// Accept, when set, answers an accepted request instead of the 204
	// (Slack says "ok", for one).
	Accept func(w http.ResponseWriter)
	// OnMessage, when set, sees every accepted body with its arrival time.
	OnMessage func(body []byte, at time.Time)
	// FailWith answers every request with this status while it is not 0;
	// a 429 carries Retry-After: 1.
	FailWith atomic.Int32
	// FailEvery answers every n-th request with a 429 (0 = never).
	FailEvery atomic.Int32
	// Failed counts the requests answered with a failure.
	Failed atomic.Int32

	mu       sync.Mutex
	script   []Answer
	requests []Request
	accepted []Request
}

// Request is one request an Inbox was sent.
type Request struct {
	At     time.Time
	Method string
	Path   string
	Header http.Header
	Body   []byte
}

// Answer is a scripted reply: Status with Header and Body, a Retry-After
// header when RetryAfter is set.
type Answer struct {
	Status     int
	RetryAfter string
	Header     http.Header
	Body       string
}

// NewInbox serves a zero Inbox on a loopback port, closed when the test
// ends, and returns it with its URL.
func NewInbox(t testing.TB) (*Inbox, string) {
	t.Helper()
	in := &Inbox{}
	return in, in.Serve(t)
}

// Serve serves the inbox on a loopback port, closed when the test ends,
// and returns its URL.
func (in *Inbox) Serve(t testing.TB) string {
	t.Helper()
	srv := httptest.NewServer(in)
	t.Cleanup(srv.Close)
	return srv.URL
}

// Script answers the next requests with these answers, one each, in order,
// before any FailWith, FailEvery or Check applies.
func (in *Inbox) Script(answers ...Answer) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.script = append(in.script, answers...)
}

func (in *Inbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req := Request{At: time.Now(), Method: r.Method, Path: r.URL.RequestURI(), Header: r.Header.Clone(), Body: body}
	in.mu.Lock()
	in.requests = append(in.requests, req)
	n := len(in.requests)
	var scripted *Answer
	if len(in.script) > 0 {
		scripted = &in.script[0]
		in.script = in.script[1:]
	}
	in.mu.Unlock()
	if scripted != nil {
		in.answer(w, *scripted)
		return
	}
	if every := int(in.FailEvery.Load()); every > 0 && n%every == 0 {
		in.answer(w, Answer{Status: http.StatusTooManyRequests, RetryAfter: "1"})
		return
	}
	if code := int(in.FailWith.Load()); code != 0 {
		a := Answer{Status: code}
		if code == http.StatusTooManyRequests {
			a.RetryAfter = "1"
		}
		in.answer(w, a)
		return
	}
	if in.Check != nil {
		if err := in.Check(r, body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
	}
	in.mu.Lock()
	in.accepted = append(in.accepted, req)
	in.mu.Unlock()
	if in.OnMessage != nil {
		in.OnMessage(body, req.At)
	}
	if in.Accept != nil {
		in.Accept(w)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (in *Inbox) answer(w http.ResponseWriter, a Answer) {
	if a.Status >= 400 {
		in.Failed.Add(1)
	}
	for k, vs := range a.Header {
		w.Header()[k] = vs
	}
	if a.RetryAfter != "" {
		w.Header().Set("Retry-After", a.RetryAfter)
	}
	w.WriteHeader(a.Status)
	io.WriteString(w, a.Body)
}

// Requests are every request, accepted or not, in arrival order.
func (in *Inbox) Requests() []Request {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]Request(nil), in.requests...)
}

// Accepted are the requests answered as accepted, in arrival order.
func (in *Inbox) Accepted() []Request {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]Request(nil), in.accepted...)
}

// Count is how many requests were accepted.
func (in *Inbox) Count() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return len(in.accepted)
}

// Bodies are the accepted messages as sent, byte for byte.
func (in *Inbox) Bodies() []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := make([]string, len(in.accepted))
	for i, r := range in.accepted {
		out[i] = string(r.Body)
	}
	return out
}

// Messages decodes every accepted message as a T, leaving out one that does
// not decode (give the inbox a JSONBody Check to refuse those).
func Messages[T any](in *Inbox) []T {
	var out []T
	for _, b := range in.Bodies() {
		var m T
		if json.Unmarshal([]byte(b), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// JSONBody is a Check that refuses a body that does not decode as a T,
// unknown fields included when strict is set: the payload's exact shape.
func JSONBody[T any](strict bool) func(*http.Request, []byte) error {
	return func(_ *http.Request, body []byte) error {
		dec := json.NewDecoder(bytes.NewReader(body))
		if strict {
			dec.DisallowUnknownFields()
		}
		var m T
		return dec.Decode(&m)
	}
}
