package notifier

import (
	"net/http"

	"golang.org/x/time/rate"

	"github.com/faultline/faultline/internal/config"
)

// integration is what the notifier knows of one channel type: how to build
// its Notifier and how fast it may send.
type integration struct {
	build func(ch config.Channel, client *http.Client) (Notifier, error)
	// limit and burst keep each channel below its provider's documented
	// limit, so 429s are the exception. A token bucket of rate r and burst
	// b lets through at most b + r·T requests in any window T, which is what
	// the numbers are chosen by.
	limit rate.Limit
	burst int
}

// integrations has one entry for each of config.ChannelTypes (the
// integrations test holds it to that).
var integrations = map[config.ChannelType]integration{
	config.Discord: {
		build: func(ch config.Channel, client *http.Client) (Notifier, error) {
			return &Discord{URL: ch.URL, Client: client}, nil
		},
		// 5 per 2 s per webhook and 30 per minute per channel:
		// 4 + 0.4·2 = 4.8 ≤ 5 and 4 + 0.4·60 = 28 ≤ 30.
		limit: 0.4, burst: 4,
	},
	config.Slack: {
		build: func(ch config.Channel, client *http.Client) (Notifier, error) {
			return &Slack{URL: ch.URL, Client: client}, nil
		},
		// About one message per second per incoming webhook.
		limit: 1, burst: 1,
	},
	config.Webhook: {
		build: func(ch config.Channel, client *http.Client) (Notifier, error) {
			return &Webhook{URL: ch.URL, Secret: ch.Secret, Client: client}, nil
		},
		limit: 10, burst: 20,
	},
	config.Sentry: {
		build: func(ch config.Channel, client *http.Client) (Notifier, error) {
			return NewSentry(ch.URL, client)
		},
		limit: 5, burst: 10,
	},
	config.Console: {
		build: func(config.Channel, *http.Client) (Notifier, error) {
			return &Console{}, nil
		},
		limit: 10, burst: 20,
	},
}
