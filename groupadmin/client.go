package groupadmin

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/group"
)

// Client is the group API seen from the CLI's remote mode.
type Client struct {
	// BaseURL is the notifier's address, such as https://faultline.internal:8082.
	BaseURL string
	// Key is sent as a Bearer token; it comes from FAULTLINE_API_KEY, never
	// from argv, where every user of the machine could read it.
	Key  string
	HTTP *http.Client
}

// List asks GET /v1/groups.
func (c *Client) List(ctx context.Context, service string, limit int) ([]group.Group, error) {
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	if service != "" {
		q.Set("service", service)
	}
	var out struct {
		Groups []group.Group `json:"groups"`
	}
	err := c.Do(ctx, http.MethodGet, "/v1/groups?"+q.Encode(), &out)
	return out.Groups, err
}

// Get asks GET /v1/groups/{fingerprint}.
func (c *Client) Get(ctx context.Context, fingerprint string) (group.Group, error) {
	var g group.Group
	err := c.Do(ctx, http.MethodGet, "/v1/groups/"+url.PathEscape(fingerprint), &g)
	return g, err
}

// Events asks GET /v1/groups/{fingerprint}/events.
func (c *Client) Events(ctx context.Context, fingerprint string, limit int) ([]event.Event, error) {
	var out struct {
		Events []event.Event `json:"events"`
	}
	err := c.Do(ctx, http.MethodGet, "/v1/groups/"+url.PathEscape(fingerprint)+"/events?limit="+strconv.Itoa(limit), &out)
	return out.Events, err
}

// Change asks POST /v1/groups/{fingerprint}/{action}.
func (c *Client) Change(ctx context.Context, fingerprint, action string, muteFor time.Duration) (group.Group, error) {
	p := "/v1/groups/" + url.PathEscape(fingerprint) + "/" + url.PathEscape(action)
	if muteFor > 0 {
		p += "?for=" + url.QueryEscape(muteFor.String())
	}
	var g group.Group
	err := c.Do(ctx, http.MethodPost, p, &g)
	return g, err
}

// Do sends method path (with its query) to the API on BaseURL with the key
// and decodes a 200's JSON into out; any other answer is an error carrying
// the API's own message. Other routes on the group API's address (dead
// letters) use it too.
func (c *Client) Do(ctx context.Context, method, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.BaseURL, "/")+path, nil)
	if err != nil {
		return fmt.Errorf("group API: %w", err)
	}
	if c.Key != "" {
		req.Header.Set("Authorization", "Bearer "+c.Key)
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	res, err := hc.Do(req)
	if err != nil {
		// The URL is the operator's own; the error names it without the key,
		// which travels only in a header.
		return fmt.Errorf("group API: %w", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("group API: read answer: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		var e apiError
		if json.Unmarshal(body, &e) != nil || e.Error == "" {
			e.Error = strings.TrimSpace(string(body))
		}
		return fmt.Errorf("group API answered %s: %s", res.Status, e.Error)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("group API: decode answer: %w", err)
	}
	return nil
}
