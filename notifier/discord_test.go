package notifier

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/group"
	"github.com/faultline/faultline/internal/testenv"
)

func sampleGroup() group.Group {
	now := time.Date(2026, 11, 25, 1, 2, 3, 0, time.UTC)
	return group.Group{
		Fingerprint: "abc123",
		Title:       "IllegalStateException: Payment declined",
		Message:     "Order o-1 failed",
		Service:     event.Service{Name: "checkout", Environment: "prod"},
		Error:       group.ErrorInfo{Type: "java.lang.IllegalStateException"},
		Culprit:     "com.acme.PaymentClient.post",
		Count:       3,
		FirstSeen:   now,
		LastSeen:    now,
		Status:      group.StatusOpen,
		Sample:      group.Sample{StackTrace: "java.lang.IllegalStateException: Payment declined\n\tat com.acme.PaymentClient.post(PaymentClient.java:61)"},
	}
}

func TestDiscordPayload(t *testing.T) {
	inbox, url := testenv.NewInbox(t)
	inbox.Check = testenv.JSONBody[discordMessage](true)
	d := &Discord{URL: url, Client: &http.Client{}}
	if retry, err := d.Notify(context.Background(), Alert{Kind: group.KindNew, Group: sampleGroup(), Occurrences: 1}); err != nil || retry {
		t.Fatalf("Notify: retry=%v err=%v", retry, err)
	}
	if r := inbox.Requests()[0]; r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("%s with %q", r.Method, r.Header.Get("Content-Type"))
	}
	got := testenv.Messages[discordMessage](inbox)[0]
	if len(got.Embeds) != 1 {
		t.Fatalf("embeds = %d", len(got.Embeds))
	}
	e := got.Embeds[0]
	if e.Title != "New error in checkout: IllegalStateException: Payment declined" {
		t.Errorf("title = %q", e.Title)
	}
	fields := map[string]string{}
	for _, f := range e.Fields {
		fields[f.Name] = f.Value
	}
	if fields["Service"] != "checkout" || fields["Environment"] != "prod" || fields["Count"] != "3" || fields["Top in-app frame"] != "`com.acme.PaymentClient.post`" {
		t.Errorf("fields = %v", fields)
	}
	if !strings.Contains(e.Description, "Order o-1 failed") || !strings.Contains(e.Description, "at com.acme.PaymentClient.post") {
		t.Errorf("description = %q", e.Description)
	}
}

func TestDiscordLimits(t *testing.T) {
	g := sampleGroup()
	g.Title = strings.Repeat("T", 1000)
	g.Message = strings.Repeat("é", 10000)
	g.Culprit = strings.Repeat("c", 5000)
	g.Sample.StackTrace = strings.Repeat("\tat x.Y.z(Y.java:1)\n", 500)
	m := discordPayload(Alert{Kind: group.KindRepeat, Group: g, Occurrences: 5, Since: 5 * time.Minute})
	e := m.Embeds[0]
	checkDiscordLimits(t, e)
	if !strings.HasPrefix(e.Description, "+5 occurrences in the last 5 min") {
		t.Errorf("digest does not say how many: %q", e.Description[:40])
	}
}

// checkDiscordLimits fails t for any part of e over Discord's limits.
func checkDiscordLimits(t *testing.T, e discordEmbed) {
	t.Helper()
	if n := utf8.RuneCountInString(e.Title); n > discordTitleMax {
		t.Errorf("title %d chars", n)
	}
	if n := utf8.RuneCountInString(e.Description); n > discordDescriptionMax {
		t.Errorf("description %d chars", n)
	}
	for _, f := range e.Fields {
		if n := utf8.RuneCountInString(f.Value); n > discordFieldValueMax {
			t.Errorf("field %s: %d chars", f.Name, n)
		}
	}
	if n := embedLength(e); n > discordEmbedTotalMax {
		t.Errorf("embed total %d chars", n)
	}
}

func TestDiscordErrors(t *testing.T) {
	cases := []struct {
		status    int
		body      string
		retry     bool
		retryWait time.Duration
	}{
		{429, `{"message":"You are being rate limited.","retry_after":1.5,"global":false}`, true, 1500 * time.Millisecond},
		{502, "", true, 0},
		{400, `{"code":50006,"message":"Cannot send an empty message"}`, false, 0},
	}
	for _, tc := range cases {
		inbox, url := testenv.NewInbox(t)
		inbox.Script(testenv.Answer{Status: tc.status, RetryAfter: "2", Body: tc.body})
		d := &Discord{URL: url + "/api/webhooks/1/tok-en", Client: &http.Client{}}
		retry, err := d.Notify(context.Background(), Alert{Kind: group.KindNew, Group: sampleGroup()})
		if err == nil || retry != tc.retry {
			t.Errorf("%d: retry=%v err=%v", tc.status, retry, err)
			continue
		}
		var ra *RetryAfterError
		if tc.retryWait > 0 && (!errors.As(err, &ra) || ra.After != tc.retryWait) {
			t.Errorf("%d: want Retry-After %s from retry_after, got %v", tc.status, tc.retryWait, err)
		}
		if strings.Contains(err.Error(), "tok-en") {
			t.Errorf("error leaks the webhook token: %v", err)
		}
	}
	// A receiver that is gone: the transport error must not carry the URL either.
	d := &Discord{URL: "http://127.0.0.1:1/api/webhooks/1/tok-en", Client: &http.Client{Timeout: time.Second}}
	retry, err := d.Notify(context.Background(), Alert{Kind: group.KindNew, Group: sampleGroup()})
	if !retry || err == nil || strings.Contains(err.Error(), "tok-en") {
		t.Errorf("unreachable: retry=%v err=%v", retry, err)
	}
}
