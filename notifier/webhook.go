package notifier

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/internal/group"
)

// WebhookVersion is the version of the generic webhook body. It changes only
// when a field changes meaning or goes away, never when one is added, so
// receivers can reject what they do not understand.
const WebhookVersion = 1

// Headers of the generic webhook; WEBHOOK.md documents them for receivers.
const (
	WebhookSignatureHeader = "X-Faultline-Signature"
	WebhookTimestampHeader = "X-Faultline-Timestamp"
)

// maxRetryAfter bounds a provider's wait: a broken or hostile Retry-After
// must not park a channel for days or overflow a time.Duration.
const maxRetryAfter = time.Hour

// Webhook posts a JSON description of the alert to any HTTP endpoint, signed
// with HMAC-SHA256 when the channel has a secret.
type Webhook struct {
	URL    string
	Secret string
	Client *http.Client
	// Now is the clock of sent_at and the timestamp header; nil means time.Now.
	Now func() time.Time
}

// webhookBody is the documented wire format (WEBHOOK.md): the field order is
// fixed by the struct so the bytes are predictable for receivers and tests.
type webhookBody struct {
	Version     int         `json:"version"`
	ID          string      `json:"id"`
	Kind        group.Kind  `json:"kind"`
	Occurrences int         `json:"occurrences"`
	Link        string      `json:"link"`
	SentAt      time.Time   `json:"sent_at"`
	Group       group.Group `json:"group"`
}

// Notify posts one body. The signature covers the body, and the body carries
// sent_at, so a receiver that checks both is safe from replays too.
func (w *Webhook) Notify(ctx context.Context, a Alert) (bool, error) {
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	sentAt := now().UTC().Truncate(time.Second)
	body, err := json.Marshal(webhookBody{
		Version:     WebhookVersion,
		ID:          alertID(a),
		Kind:        a.Kind,
		Occurrences: a.Occurrences,
		Link:        a.Link,
		SentAt:      sentAt,
		Group:       a.Group,
	})
	if err != nil {
		return false, fmt.Errorf("webhook: encode: %w", err)
	}
	h := http.Header{}
	h.Set("User-Agent", "faultline-webhook/"+strconv.Itoa(WebhookVersion))
	h.Set(WebhookTimestampHeader, strconv.FormatInt(sentAt.Unix(), 10))
	if w.Secret != "" {
		h.Set(WebhookSignatureHeader, SignWebhook(w.Secret, body))
	}
	return postJSON(ctx, w.Client, "webhook", w.URL, body, h)
}

// SignWebhook is the X-Faultline-Signature value of body: "sha256=" and the
// hex HMAC-SHA256 of the exact bytes sent. Exported so receivers written in
// Go, and tests, compute it the same way.
func SignWebhook(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// alertID names one alert the same way on every attempt, so receivers (and
// Sentry, which drops a second event with the same id) can drop the
// duplicate of a retry whose first try did arrive.
func alertID(a Alert) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%d\x00%d\x00%d", a.Group.Fingerprint, a.Kind, a.Group.LastSeen.UnixNano(), a.Group.Count, a.Occurrences)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// postJSON sends body and classifies the answer the same way for every
// plain-HTTP provider: 429, 5xx and transport failures may pass later; other
// statuses would refuse the same body again.
func postJSON(ctx context.Context, client *http.Client, provider, rawURL string, body []byte, header http.Header) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		// The URL holds the webhook token: never put it in an error.
		return false, fmt.Errorf("%s: bad webhook url", provider)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	if client == nil {
		client = http.DefaultClient
	}
	res, err := client.Do(req)
	if err != nil {
		return true, fmt.Errorf("%s: post: %w", provider, redactURL(err))
	}
	defer res.Body.Close()
	respBody, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	switch {
	case res.StatusCode >= 200 && res.StatusCode < 300:
		return false, nil
	case res.StatusCode == http.StatusTooManyRequests:
		return true, &RetryAfterError{After: retryAfter(res.Header, time.Now()), Err: fmt.Errorf("%s: rate limited (429)", provider)}
	case res.StatusCode >= 500:
		return true, fmt.Errorf("%s: %s", provider, res.Status)
	default:
		return false, fmt.Errorf("%s: %s: %s", provider, res.Status, responseSnippet(respBody, req.URL))
	}
}

// retryAfter reads Retry-After as seconds or an HTTP date. A missing or
// unreadable value still gets a short wait: the provider asked us to slow down.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	d := time.Second
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s > 0 {
			d = time.Duration(min(s, maxRetryAfter.Seconds()) * float64(time.Second))
		}
	} else if t, err := http.ParseTime(v); err == nil && t.After(now) {
		d = t.Sub(now)
	}
	return min(d, maxRetryAfter)
}

// responseSnippet keeps the start of an error response on one line, with any
// echo of the URL's secret parts (path token, query) removed.
func responseSnippet(body []byte, u *url.URL) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if u != nil {
		for _, secret := range []string{u.EscapedPath(), u.Path, u.RawQuery, u.User.String()} {
			if len(secret) > 1 {
				s = strings.ReplaceAll(s, secret, "[redacted]")
			}
		}
	}
	return truncateRunes(s, 200)
}
