package notifier

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/config"
	"github.com/faultline/faultline/internal/group"
	"github.com/faultline/faultline/internal/testenv"
)

type webhookRequest struct {
	body   []byte
	header http.Header
}

// postToWebhook sends a to a receiver that records the exact bytes and headers.
func postToWebhook(t *testing.T, w *Webhook, a Alert) webhookRequest {
	t.Helper()
	inbox, url := testenv.NewInbox(t)
	w.URL, w.Client = url+"/hooks/tok", &http.Client{}
	if retry, err := w.Notify(context.Background(), a); err != nil || retry {
		t.Fatalf("Notify: retry=%v err=%v", retry, err)
	}
	r := inbox.Requests()[0]
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("%s with %q", r.Method, r.Header.Get("Content-Type"))
	}
	got := webhookRequest{body: r.Body, header: r.Header}
	return got
}

func fixedClock() time.Time { return time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC) }

func TestWebhookBody(t *testing.T) {
	g := sampleGroup()
	muted := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	g.MutedUntil = &muted
	a := Alert{Kind: group.KindRegression, Group: g, Occurrences: 4, Link: "https://kibana.example/app/discover#/?q=1"}
	got := postToWebhook(t, &Webhook{Now: fixedClock}, a)

	var top map[string]json.RawMessage
	if err := json.Unmarshal(got.body, &top); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, got.body)
	}
	var keys []string
	for k := range top {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if strings.Join(keys, ",") != "group,id,kind,link,occurrences,sent_at,version" {
		t.Errorf("top-level keys = %v", keys)
	}
	// Field order is part of the format: receivers may hash or diff bodies.
	if !strings.HasPrefix(string(got.body), `{"version":1,"id":"`) {
		t.Errorf("body starts %.40s", got.body)
	}
	want := map[string]string{
		"version":     `1`,
		"kind":        `"regression"`,
		"occurrences": `4`,
		"link":        `"https://kibana.example/app/discover#/?q=1"`,
		"sent_at":     `"2026-11-25T09:30:00Z"`,
		"id":          `"` + alertID(a) + `"`,
	}
	for k, v := range want {
		if string(top[k]) != v {
			t.Errorf("%s = %s, want %s", k, top[k], v)
		}
	}
	// The group is the group document exactly as stored and published.
	wantGroup, _ := json.Marshal(g)
	if string(top["group"]) != string(wantGroup) {
		t.Errorf("group =\n%s\nwant\n%s", top["group"], wantGroup)
	}
	var back group.Group
	if err := json.Unmarshal(top["group"], &back); err != nil || back.Fingerprint != "abc123" || back.Count != 3 ||
		back.Service.Name != "checkout" || back.Culprit != "com.acme.PaymentClient.post" || !back.MutedUntil.Equal(muted) {
		t.Errorf("group decodes to %+v (%v)", back, err)
	}
	if ts := got.header.Get(WebhookTimestampHeader); ts != "1795599000" {
		t.Errorf("%s = %q", WebhookTimestampHeader, ts)
	}
	if sig := got.header.Get(WebhookSignatureHeader); sig != "" {
		t.Errorf("unsigned channel sent a signature %q", sig)
	}
}

func TestWebhookSignature(t *testing.T) {
	const secret = "s3cr3t"
	a := Alert{Kind: group.KindNew, Group: sampleGroup(), Occurrences: 1}
	got := postToWebhook(t, &Webhook{Secret: secret, Now: fixedClock}, a)

	// Verify as a receiver would: recompute over the raw bytes, compare in constant time.
	sig, ok := strings.CutPrefix(got.header.Get(WebhookSignatureHeader), "sha256=")
	if !ok {
		t.Fatalf("%s = %q", WebhookSignatureHeader, got.header.Get(WebhookSignatureHeader))
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(got.body)
	wantSig := mac.Sum(nil)
	gotSig, err := hex.DecodeString(sig)
	if err != nil || !hmac.Equal(gotSig, wantSig) {
		t.Errorf("signature %s does not verify (want %x)", sig, wantSig)
	}
	// A signature is over the exact bytes: a changed body fails.
	mac.Reset()
	mac.Write(append(got.body, ' '))
	if hmac.Equal(gotSig, mac.Sum(nil)) {
		t.Error("signature also verifies a different body")
	}
	// sent_at in the signed body matches the timestamp header, so a receiver can reject replays.
	var body struct {
		SentAt time.Time `json:"sent_at"`
	}
	if err := json.Unmarshal(got.body, &body); err != nil || body.SentAt.Unix() != 1795599000 || got.header.Get(WebhookTimestampHeader) != "1795599000" {
		t.Errorf("sent_at %v, header %q", body.SentAt, got.header.Get(WebhookTimestampHeader))
	}
}

func TestWebhookIDStablePerAlert(t *testing.T) {
	a := Alert{Kind: group.KindNew, Group: sampleGroup(), Occurrences: 1}
	first := postToWebhook(t, &Webhook{Now: fixedClock}, a)
	again := postToWebhook(t, &Webhook{Now: func() time.Time { return fixedClock().Add(time.Minute) }}, a)
	b := a
	b.Group.LastSeen = b.Group.LastSeen.Add(time.Second)
	b.Group.Count++
	other := postToWebhook(t, &Webhook{Now: fixedClock}, b)
	id := func(r webhookRequest) string {
		var v struct {
			ID string `json:"id"`
		}
		json.Unmarshal(r.body, &v)
		return v.ID
	}
	if id(first) == "" || len(id(first)) != 32 || id(first) != id(again) {
		t.Errorf("retry of one alert: ids %q and %q", id(first), id(again))
	}
	if id(other) == id(first) {
		t.Errorf("a later alert reuses id %q", id(first))
	}
}

func TestWebhookErrors(t *testing.T) {
	cases := []struct {
		status     int
		retryAfter string
		retry      bool
		wait       time.Duration
	}{
		{429, "3", true, 3 * time.Second},
		{429, "0.5", true, 500 * time.Millisecond},
		{429, "99999999999", true, maxRetryAfter},
		{500, "", true, 0},
		{502, "", true, 0},
		{400, "", false, 0},
		{410, "", false, 0},
	}
	for _, tc := range cases {
		inbox, url := testenv.NewInbox(t)
		// A receiver that echoes the URL must not make the error leak it.
		inbox.Script(testenv.Answer{Status: tc.status, RetryAfter: tc.retryAfter, Body: "no such hook: /hooks/tok-en-secret?key=qu-ery-secret"})
		wh := &Webhook{URL: url + "/hooks/tok-en-secret?key=qu-ery-secret", Secret: "x", Client: &http.Client{}}
		retry, err := wh.Notify(context.Background(), Alert{Kind: group.KindNew, Group: sampleGroup()})
		if err == nil || retry != tc.retry {
			t.Errorf("%d: retry=%v err=%v", tc.status, retry, err)
			continue
		}
		var ra *RetryAfterError
		if tc.wait > 0 && (!errors.As(err, &ra) || ra.After != tc.wait) {
			t.Errorf("%d %q: want RetryAfterError of %s, got %v", tc.status, tc.retryAfter, tc.wait, err)
		}
		if msg := err.Error(); strings.Contains(msg, "tok-en-secret") || strings.Contains(msg, "qu-ery-secret") {
			t.Errorf("%d: error leaks the URL's secrets: %v", tc.status, err)
		}
	}
}

func TestWebhookTokenNeverInErrors(t *testing.T) {
	a := Alert{Kind: group.KindNew, Group: sampleGroup()}
	for _, u := range []string{
		"http://127.0.0.1:1/hooks/tok-en-secret?key=tok-en-secret", // refused: transport error
		"http://user:tok-en-secret@127.0.0.1:1/hooks",              // credentials in the URL
	} {
		wh := &Webhook{URL: u, Client: &http.Client{Timeout: time.Second}}
		retry, err := wh.Notify(context.Background(), a)
		if !retry || err == nil || strings.Contains(err.Error(), "tok-en-secret") {
			t.Errorf("unreachable: retry=%v err=%v", retry, err)
		}
	}
	wh := &Webhook{URL: "ht tp://bad/tok-en-secret", Client: http.DefaultClient}
	if retry, err := wh.Notify(context.Background(), a); retry || err == nil || strings.Contains(err.Error(), "tok-en-secret") {
		t.Errorf("bad url: retry=%v err=%v", retry, err)
	}
}

func TestRetryAfterDate(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	h := http.Header{}
	h.Set("Retry-After", now.Add(90*time.Second).Format(http.TimeFormat))
	if d := retryAfter(h, nil, now); d != 90*time.Second {
		t.Errorf("HTTP-date Retry-After = %s", d)
	}
	h.Set("Retry-After", "soon")
	if d := retryAfter(h, nil, now); d != time.Second {
		t.Errorf("unreadable Retry-After = %s", d)
	}
}

func TestNewWebhook(t *testing.T) {
	n, err := New(config.Channel{Name: "hook", Type: "webhook", URL: "https://example.test/h", Secret: "k"}, http.DefaultClient)
	if w, ok := n.(*Webhook); err != nil || !ok || w.URL != "https://example.test/h" || w.Secret != "k" {
		t.Errorf("New(webhook) = %#v, %v", n, err)
	}
}
