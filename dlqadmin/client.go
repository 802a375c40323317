package dlqadmin

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/faultline/faultline/groupadmin"
	"github.com/faultline/faultline/processor"
)

// Client is the dead-letter routes seen from the CLI's remote mode: the
// group API's client, on the same address with the same key.
type Client groupadmin.Client

// List asks GET /v1/dlq.
func (c *Client) List(ctx context.Context, limit int) ([]processor.DeadLetter, error) {
	var out struct {
		DeadLetters []processor.DeadLetter `json:"dead_letters"`
	}
	err := (*groupadmin.Client)(c).Do(ctx, http.MethodGet, "/v1/dlq?"+url.Values{"limit": {strconv.Itoa(limit)}}.Encode(), &out)
	return out.DeadLetters, err
}

// Replay asks POST /v1/dlq/replay, for all the key may replay when seqs is
// empty.
func (c *Client) Replay(ctx context.Context, seqs []uint64) (int, error) {
	q := url.Values{}
	for _, s := range seqs {
		q.Add("seq", strconv.FormatUint(s, 10))
	}
	if len(seqs) == 0 {
		q.Set("all", "true")
	}
	var out struct {
		Replayed int `json:"replayed"`
	}
	err := (*groupadmin.Client)(c).Do(ctx, http.MethodPost, "/v1/dlq/replay?"+q.Encode(), &out)
	return out.Replayed, err
}
