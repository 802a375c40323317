package notifier

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
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
	Version     int           `json:"version"`
	ID          string        `json:"id"`
	Kind        group.Kind    `json:"kind"`
	Occurrences int           `json:"occurrences"`
	Link        string        `json:"link"`
	Page        string        `json:"page,omitempty"`
	SentAt      time.Time     `json:"sent_at"`
	Group       group.Group   `json:"group"`
	Storm       *webhookStorm `json:"storm,omitempty"`
}

// webhookStorm is every group of a storm summary, in one body.
type webhookStorm struct {
	StormRecord
	// Link is the storm's page, when notify.public_url is set.
	Link string `json:"link,omitempty"`
}

// Notify posts one body. The signature covers the body, and the body carries
// sent_at, so a receiver that checks both is safe from replays too.
func (w *Webhook) Notify(ctx context.Context, a Alert) (bool, error) {
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	sentAt := now().UTC().Truncate(time.Second)
	wb := webhookBody{
		Version:     WebhookVersion,
		ID:          alertID(a),
		Kind:        a.Kind,
		Occurrences: a.Occurrences,
		Link:        a.Link,
		Page:        a.Page,
		SentAt:      sentAt,
		Group:       a.Group,
	}
	if a.Storm != nil {
		wb.Storm = &webhookStorm{StormRecord: *a.Storm, Link: a.Page}
	}
	body, err := json.Marshal(wb)
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
