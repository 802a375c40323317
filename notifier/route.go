package notifier

import (
	"path"

	"github.com/faultline/faultline/internal/config"
	"github.com/faultline/faultline/internal/group"
)

// Router picks the channels for a group from the configured routes.
type Router struct {
	routes   []config.Route
	channels []string
}

// NewRouter keeps the routes in order. Without routes every channel gets
// every alert, which is what a one-webhook setup expects.
func NewRouter(f config.File) *Router {
	r := &Router{routes: f.Routes}
	for _, ch := range f.Channels {
		r.channels = append(r.channels, ch.Name)
	}
	return r
}

// Channels returns the channels for g, each once, in route order. The first
// matching route ends the search unless it says continue.
func (r *Router) Channels(g group.Group) []string {
	if len(r.routes) == 0 {
		return r.channels
	}
	values := map[string]string{
		"service":     g.Service.Name,
		"environment": g.Service.Environment,
		"level":       g.Log.Level,
		"error_type":  g.Error.Type,
		"logger":      g.Log.Logger,
	}
	var out []string
	seen := map[string]bool{}
	for _, rt := range r.routes {
		if !matches(rt.Match, values) {
			continue
		}
		for _, c := range rt.Channels {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
		if !rt.Continue {
			break
		}
	}
	return out
}

func matches(match map[string]string, values map[string]string) bool {
	for k, pattern := range match {
		// Patterns were validated at start-up, so an error cannot happen here.
		if ok, _ := path.Match(pattern, values[k]); !ok {
			return false
		}
	}
	return true
}
