package notifier

// Text every channel shares: headings, counts and durations as a person
// says them, cutting to a provider's limits, the line of links. What makes
// text safe for one provider stays with it (untrusted.go, each provider's
// file).

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/faultline/faultline/internal/group"
)

// digestLine is the first line of a digest: "+N occurrences in the last 5 min".
func digestLine(a Alert) string {
	n := "+" + plural(a.Occurrences, "occurrence", "occurrences")
	if a.Since <= 0 {
		return n + " since the last message"
	}
	return n + " in the last " + humanDuration(a.Since)
}

// humanDuration rounds to the unit a person would say.
func humanDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Round(time.Second)/time.Second))
	case d < 2*time.Hour:
		return fmt.Sprintf("%d min", int(d.Round(time.Minute)/time.Minute))
	default:
		return fmt.Sprintf("%d h", int(d.Round(time.Hour)/time.Hour))
	}
}

// alertHeading is the first words of every chat message.
func alertHeading(k group.Kind) string {
	switch k {
	case group.KindNew:
		return "New error"
	case group.KindRegression:
		return "Regression"
	case group.KindRepeat:
		return "Still happening"
	case group.KindThreshold:
		return "Spiking"
	case group.KindStorm:
		return "Error storm"
	case group.KindFlatline:
		return "Gone quiet"
	case group.KindRecovered:
		return "Recovered"
	case group.KindPipeline:
		return "Pipeline trouble"
	}
	return "Alert"
}

// stackHead keeps the first n lines of a stack trace.
func stackHead(st string, n int) string {
	lines := strings.SplitN(st, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n")
}

// truncateRunes cuts s to at most n characters, ending with an ellipsis when cut.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 1 {
		return string([]rune(s)[:n])
	}
	return string([]rune(s)[:n-1]) + "…"
}

// plural is "1 new error group", "2 new error groups".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func runes(s string) int { return utf8.RuneCountInString(s) }

// stormPaginator is a provider with a message size limit that a storm's
// lines are split across.
type stormPaginator interface {
	stormLayout(link string) stormLayout
}

// alertLinks is the line of links under an alert that has a faultline page:
// the page first, Kibana second. Without a page the provider shows the
// Kibana link as it always has.
func alertLinks(a Alert, linked func(text, url string) string) string {
	if a.Page == "" {
		return ""
	}
	l := linked("Open in faultline", a.Page)
	if a.Link != "" {
		l += " · " + linked("Events in Kibana", a.Link)
	}
	return l
}

// linksRoom is the room the links line takes with its newline.
func linksRoom(links string) int {
	if links == "" {
		return 0
	}
	return runes(links) + 1
}
