package notifier

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/group"
)

// A channel URL that redirects must not lead the alert, its token or its
// signature anywhere else: no channel follows, and each reports the status
// as a final refusal without quoting where it pointed.
func TestRedirectsAreNotFollowed(t *testing.T) {
	var elsewhere atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
	}))
	defer target.Close()
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/collect?token=location-secret", http.StatusTemporaryRedirect)
	}))
	defer redirector.Close()
	host := strings.TrimPrefix(redirector.URL, "http://")

	// Each channel gets a client that would follow redirects on its own.
	follower := &http.Client{Timeout: 5 * time.Second}
	sentry, err := NewSentry("http://sentry-key-secret@"+host+"/42", follower)
	if err != nil {
		t.Fatal(err)
	}
	defer sentry.Close()
	channels := map[string]Notifier{
		"discord": &Discord{URL: redirector.URL + "/api/webhooks/1/url-secret", Client: follower},
		"slack":   &Slack{URL: redirector.URL + "/services/url-secret", Client: follower},
		"webhook": &Webhook{URL: redirector.URL + "/hook/url-secret", Secret: "s", Client: follower},
		"sentry":  sentry,
	}
	for name, n := range channels {
		retry, err := n.Notify(context.Background(), Alert{Kind: group.KindNew, Group: sampleGroup()})
		if err == nil || retry {
			t.Errorf("%s: retry=%v err=%v, want a final error", name, retry, err)
			continue
		}
		if !strings.Contains(err.Error(), "307") {
			t.Errorf("%s: %v does not name the status", name, err)
		}
		for _, leak := range []string{"secret", target.URL, "collect"} {
			if strings.Contains(err.Error(), leak) {
				t.Errorf("%s: error %q quotes %q", name, err, leak)
			}
		}
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the redirect target got %d requests", n)
	}
}

// What a probe's error says about internal addresses and credentials stays
// in faultline's log; the chat message keeps only what failed and why.
func TestScrubAddresses(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`elasticsearch unreachable: Get "http://elastic:pw-secret@es-1.internal:9200/_cluster/health": dial tcp 10.1.2.3:9200: connect: connection refused`,
			`elasticsearch unreachable: Get "(url)": dial tcp (address): connect: connection refused`},
		{"dial tcp: lookup es-1.corp.example on 10.0.0.2:53: no such host",
			"dial tcp: lookup (host) on (address): no such host"},
		{"dial tcp: lookup elasticsearch: no such host", "dial tcp: lookup (host): no such host"},
		{"dial tcp [fd00::12]:9200: i/o timeout", "dial tcp (address): i/o timeout"},
		{"read tcp 172.18.0.5:41234->172.18.0.2:4222: read: connection reset by peer",
			"read tcp (address)->(address): read: connection reset by peer"},
		{"connect to elasticsearch:9200 failed", "connect to (address) failed"},
		{"nats://user:tok-secret@nats:4222 refused", "(url) refused"},
		{"auth as admin:pw-secret@db.internal failed", "auth as (address) failed"},
		{"route fe80::1 down", "route (address) down"},
		// What names no machine stays as it was.
		{"processor is 120 events behind (threshold 100)", "processor is 120 events behind (threshold 100)"},
		{"3 new dead letters (7 in all); see faultline dlq list", "3 new dead letters (7 in all); see faultline dlq list"},
		{"processor consumer: nats: consumer not found", "processor consumer: nats: consumer not found"},
		{"timed out at 12:30:05 after 01:02", "timed out at 12:30:05 after 01:02"},
		{"version 8.19.7 answered 503", "version 8.19.7 answered 503"},
	} {
		if got := scrubAddresses(tc.in); got != tc.want {
			t.Errorf("scrubAddresses(%q)\n got  %q\n want %q", tc.in, got, tc.want)
		}
	}
}
