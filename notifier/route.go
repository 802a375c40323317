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
	values := make(map[string]string, len(routeFields))
	for k, field := range routeFields {
		values[k] = field(g)
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

// routeFields gives each of config.RouteMatchKeys the group's value a
// route's glob is matched against (TestRouteFieldsCoverConfigsMatchKeys
// holds it to that list).
var routeFields = map[string]func(group.Group) string{
	config.MatchService:     func(g group.Group) string { return g.Service.Name },
	config.MatchEnvironment: func(g group.Group) string { return g.Service.Environment },
	config.MatchLevel:       func(g group.Group) string { return g.Log.Level },
	config.MatchErrorType:   func(g group.Group) string { return g.Error.Type },
	config.MatchLogger:      func(g group.Group) string { return g.Log.Logger },
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
