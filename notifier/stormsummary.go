package notifier

import (
	"fmt"
	"time"

	"github.com/faultline/faultline/internal/group"
)

// stormPage is one message of a storm summary: the groups it names, and on
// the last page how many no page had room for.
type stormPage struct {
	Groups []StormGroup
	// Index counts from 1; Of is the number of messages of the summary.
	Index, Of int
	// More is the groups left unnamed (last page only).
	More int
	// Total is every group of the storm; Window how long it gathered.
	Total  int
	Window time.Duration
	// Link is the storm page, or empty without notify.public_url.
	Link string
	// Kind is StormKind or CatchUpKind; Waited is how late a catch-up's
	// oldest group is.
	Kind   string
	Waited time.Duration
}

// stormLineTitleMax keeps a summary line to one line in chat: enough to
// tell exceptions apart, short enough to name dozens of groups per message.
const stormLineTitleMax = 90

// stormLayout is what a provider can fit: per message, a budget of
// characters for the lines (each costing cost(g) with its newline), after
// room is kept for the closing "+N more" line; and how many messages a
// summary may take at most.
type stormLayout struct {
	budget   int
	maxPages int
	cost     func(StormGroup) int
}

// paginateStorm names the groups in order, highest count first, filling
// each message before starting the next; what does not fit in maxPages is
// counted in the last page's More.
func paginateStorm(r StormRecord, window time.Duration, link string, l stormLayout) []stormPage {
	total := len(r.Groups) + r.Omitted
	var pages []stormPage
	rest := r.Groups
	for len(pages) < max(l.maxPages, 1) {
		used, n := 0, 0
		for n < len(rest) {
			c := l.cost(rest[n])
			if used+c > l.budget && n > 0 {
				break
			}
			used += c
			n++
		}
		pages = append(pages, stormPage{Groups: rest[:n]})
		rest = rest[n:]
		if len(rest) == 0 {
			break
		}
	}
	for i := range pages {
		p := &pages[i]
		p.Index, p.Of, p.Total, p.Window, p.Link = i+1, len(pages), total, window, link
		p.Kind, p.Waited = r.Kind, waited(r)
	}
	pages[len(pages)-1].More = len(rest) + r.Omitted
	return pages
}

// singlePage is the whole storm as one message, for channels without a
// small size limit (webhook, Sentry, the terminal).
func singlePage(r StormRecord, window time.Duration, link string) stormPage {
	return stormPage{Groups: r.Groups, Index: 1, Of: 1, More: r.Omitted, Total: len(r.Groups) + r.Omitted, Window: window, Link: link, Kind: r.Kind, Waited: waited(r)}
}

func waited(r StormRecord) time.Duration {
	if r.Oldest.IsZero() {
		return 0
	}
	return r.End.Sub(r.Oldest)
}

// stormTitle is "Error storm: 40 new error groups within 1 min (1/2)", or
// for a catch-up "Catch-up: 1 new error group not alerted in time (the
// oldest 7 min ago)".
func stormTitle(p stormPage) string {
	t := fmt.Sprintf("%s: %s within %s", alertHeading(group.KindStorm), plural(p.Total, "new error group", "new error groups"), humanDuration(p.Window))
	if p.Kind == CatchUpKind {
		t = fmt.Sprintf("Catch-up: %s not alerted in time (the oldest %s ago)", plural(p.Total, "new error group", "new error groups"), humanDuration(p.Waited))
	}
	if p.Of > 1 {
		t += fmt.Sprintf(" (%d/%d)", p.Index, p.Of)
	}
	return t
}

// stormLine is one group in a summary, raw: providers make it safe.
func stormLine(g StormGroup) (count, service, title string) {
	return fmt.Sprintf("%d×", g.Count), g.Service, truncateRunes(g.Title, stormLineTitleMax)
}

// stormPages splits a storm summary into the messages channel n sends.
func stormPages(n Notifier, r StormRecord, window time.Duration, link string) []stormPage {
	if l, ok := n.(*limited); ok {
		n = l.Notifier
	}
	if p, ok := n.(stormPaginator); ok {
		return paginateStorm(r, window, link, p.stormLayout(link))
	}
	return []stormPage{singlePage(r, window, link)}
}

// moreLine closes the last page: "+3 more", with the storm page's link in
// the provider's own syntax when there is one.
func moreLine(p stormPage, linked func(text, url string) string) string {
	switch {
	case p.Link == "" && p.More == 0:
		return ""
	case p.Link == "":
		return fmt.Sprintf("+%d more", p.More)
	case p.More == 0:
		return linked("Open this list in faultline", p.Link)
	default:
		return fmt.Sprintf("+%d more: ", p.More) + linked(fmt.Sprintf("see all %d", p.Total), p.Link)
	}
}
