package config

import (
	"slices"
	"strings"
)

// ChannelType names a channel's provider, as channels[].type spells it.
type ChannelType string

// The channel types: the notifier has one integration for each.
const (
	Discord ChannelType = "discord"
	Slack   ChannelType = "slack"
	Webhook ChannelType = "webhook"
	Sentry  ChannelType = "sentry"
	Console ChannelType = "console"
)

// ChannelTypes lists every channel type, in the order messages name them.
var ChannelTypes = []ChannelType{Discord, Slack, Webhook, Sentry, Console}

// The match keys of routes and grouping rules: the group's or event's field
// a glob is matched against.
const (
	MatchService     = "service"
	MatchEnvironment = "environment"
	MatchLevel       = "level"
	MatchErrorType   = "error_type"
	MatchLogger      = "logger"
	// MatchMessage is a grouping rule's key only; routes do not match on it.
	MatchMessage = "message"
)

// RouteMatchKeys lists the keys a route matches on, in the order messages
// name them.
var RouteMatchKeys = []string{MatchService, MatchEnvironment, MatchLevel, MatchErrorType, MatchLogger}

// RuleMatchKeys lists the keys a grouping rule matches on: a route's and the
// message.
var RuleMatchKeys = append(slices.Clip(RouteMatchKeys), MatchMessage)

// oneOf spells a list for a message: "a, b or c".
func oneOf[S ~string](items []S) string {
	s := make([]string, len(items))
	for i, it := range items {
		s[i] = string(it)
	}
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}
