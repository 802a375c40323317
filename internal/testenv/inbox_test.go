package testenv

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// The inbox answers a script first, then FailEvery, then Check, and keeps
// every request while only accepted ones count as messages.
func TestInboxScriptFailEveryAndCheck(t *testing.T) {
	in, url := NewInbox(t)
	in.Check = JSONBody[struct {
		Text string `json:"text"`
	}](true)
	in.Script(Answer{Status: http.StatusTooManyRequests, RetryAfter: "2", Body: `{"retry_after":2}`}, Answer{Status: http.StatusInternalServerError})
	post := func(body string) (int, string, string) {
		t.Helper()
		res, err := http.Post(url+"/hook?x=1", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header.Get("Retry-After"), string(b)
	}
	cases := []struct {
		body, retryAfter, answer string
		status                   int
	}{
		{`{"text":"a"}`, "2", `{"retry_after":2}`, 429},
		{`{"text":"b"}`, "", "", 500},
		{`{"text":"c"}`, "", "", 204},
		{`{"text":"d","extra":1}`, "", "json: unknown field \"extra\"\n", 400},
	}
	for i, c := range cases {
		if status, ra, answer := post(c.body); status != c.status || ra != c.retryAfter || answer != c.answer {
			t.Errorf("request %d: %d %q %q, want %d %q %q", i, status, ra, answer, c.status, c.retryAfter, c.answer)
		}
	}
	in.FailEvery.Store(3)
	if status, ra, _ := post(`{"text":"e"}`); status != 204 || ra != "" {
		t.Errorf("5th request with FailEvery 3: %d %q, want 204", status, ra)
	}
	if status, ra, _ := post(`{"text":"f"}`); status != 429 || ra != "1" {
		t.Errorf("6th request with FailEvery 3: %d %q, want 429 with Retry-After 1", status, ra)
	}
	reqs := in.Requests()
	if len(reqs) != 6 || reqs[0].Path != "/hook?x=1" || reqs[0].Method != http.MethodPost || string(reqs[3].Body) != `{"text":"d","extra":1}` {
		t.Errorf("requests = %+v", reqs)
	}
	if got := in.Bodies(); len(got) != 2 || got[0] != `{"text":"c"}` || got[1] != `{"text":"e"}` {
		t.Errorf("accepted bodies = %q, want c and e", got)
	}
	if got := in.Failed.Load(); got != 3 {
		t.Errorf("Failed = %d, want 3: the scripted 429 and 500 and FailEvery's 429, not Check's 400", got)
	}
}
