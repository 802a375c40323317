package notifier

import (
	"testing"

	"github.com/faultline/faultline/internal/config"
	"github.com/faultline/faultline/internal/testenv"
)

// The notifier can build, rate-limit and report every channel type the
// configuration accepts, and no other.
func TestIntegrationsCoverConfigsChannelTypes(t *testing.T) {
	testenv.SameKeys(t, "channel types", integrations, config.ChannelTypes)
	for typ, in := range integrations {
		if in.build == nil || in.limit <= 0 || in.burst <= 0 {
			t.Errorf("%s: integration incomplete: %+v", typ, in)
		}
	}
}

// A route can match on every key the configuration accepts for it, and
// routes read no other.
func TestRouteFieldsCoverConfigsMatchKeys(t *testing.T) {
	testenv.SameKeys(t, "route match keys", routeFields, config.RouteMatchKeys)
}
