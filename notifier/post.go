package notifier

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/internal/redact"
)

// maxRetryAfter bounds a provider's wait: a broken or hostile Retry-After
// must not park a channel for days or overflow a time.Duration.
const maxRetryAfter = time.Hour

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
	client = withoutRedirects(client)
	res, err := client.Do(req)
	if err != nil {
		return true, fmt.Errorf("%s: post: %w", provider, redact.DropURL(err))
	}
	defer res.Body.Close()
	respBody, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	switch {
	case res.StatusCode >= 200 && res.StatusCode < 300:
		return false, nil
	case res.StatusCode >= 300 && res.StatusCode < 400:
		// The Location is not quoted: it may carry a token of its own.
		return false, fmt.Errorf("%s: %s: redirects are not followed; set the channel url to where it redirects", provider, res.Status)
	case res.StatusCode == http.StatusTooManyRequests:
		return true, &RetryAfterError{After: retryAfter(res.Header, respBody, time.Now()), Err: fmt.Errorf("%s: rate limited (429)", provider)}
	case res.StatusCode >= 500:
		return true, fmt.Errorf("%s: %s", provider, res.Status)
	default:
		return false, fmt.Errorf("%s: %s: %s", provider, res.Status, responseSnippet(respBody, req.URL))
	}
}

// retryAfter reads the wait a 429 asks for: a JSON "retry_after" in seconds
// when the body has one (Discord's, more precise than its header), else
// Retry-After as seconds or an HTTP date. A missing or unreadable value still
// gets a short wait: the provider asked us to slow down.
func retryAfter(h http.Header, body []byte, now time.Time) time.Duration {
	var rl struct {
		RetryAfter float64 `json:"retry_after"`
	}
	if json.Unmarshal(body, &rl) == nil && rl.RetryAfter > 0 {
		return time.Duration(min(rl.RetryAfter, maxRetryAfter.Seconds()) * float64(time.Second))
	}
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

// withoutRedirects is client, or the default one, made to return a redirect
// instead of following it: a redirect would carry the body and the
// signature headers to a host the channel's configuration never named.
func withoutRedirects(client *http.Client) *http.Client {
	c := http.Client{}
	if client != nil {
		c = *client
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}
