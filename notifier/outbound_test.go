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
