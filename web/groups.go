package web

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"

	"github.com/faultline/faultline/internal/group"
)

// groupRow is one line of the list.
type groupRow struct {
	group.Group
	State string
	Spark template.HTML
}

type groupsData struct {
	Q        ListQuery
	Range    string
	Rows     []groupRow
	Page     ListPage
	NextURL  string
	FirstURL string
	Statuses []string
	Sorts    []string
	Levels   []string
	Ranges   []string
}

// groupsPage lists the groups the filters select, a page at a time.
func (h *Handler) groupsPage(w http.ResponseWriter, r *http.Request, c *call) {
	v := r.URL.Query()
	q := ListQuery{Service: v.Get("service"), Environment: v.Get("environment"), Status: v.Get("status"), Level: v.Get("level"),
		Text: v.Get("q"), Sort: v.Get("sort"), After: v.Get("after"), Scope: c.principal.Services}
	rng := v.Get("range")
	if rng != "" {
		d, ok := Ranges[rng]
		if !ok {
			h.fail(w, r, c, http.StatusBadRequest, badInput(fmt.Sprintf("range %q: want 1h, 24h, 7d, 14d or 30d, or none", rng)))
			return
		}
		q.Since = d
	}
	now := h.now()
	pg, err := h.data.ListGroups(r.Context(), q, now)
	if err != nil {
		h.fail(w, r, c, status(err), err)
		return
	}
	fps := make([]string, len(pg.Groups))
	for i, g := range pg.Groups {
		fps[i] = g.Fingerprint
	}
	sparks, err := h.data.Sparklines(r.Context(), fps, now)
	if err != nil {
		h.fail(w, r, c, status(err), err)
		return
	}
	d := groupsData{Q: q, Range: rng, Page: pg, Statuses: Statuses, Sorts: Sorts, Levels: levels, Ranges: rangeNames}
	for _, g := range pg.Groups {
		counts := sparks[g.Fingerprint]
		if counts == nil {
			counts = make([]int64, 24)
		}
		var total int64
		for _, n := range counts {
			total += n
		}
		d.Rows = append(d.Rows, groupRow{Group: g, State: StatusOf(g, now),
			Spark: sparkline(counts, fmt.Sprintf("%d events in the last 24 hours", total))})
	}
	if pg.Next != "" {
		nv := url.Values{}
		for k, vs := range v {
			nv[k] = vs
		}
		nv.Set("after", pg.Next)
		d.NextURL = h.base + "/groups?" + nv.Encode()
	}
	if q.After != "" {
		fv := url.Values{}
		for k, vs := range v {
			fv[k] = vs
		}
		fv.Del("after")
		d.FirstURL = h.base + "/groups?" + fv.Encode()
	}
	h.render(w, r, c, http.StatusOK, "groups.html", "Groups", "groups", d)
}

var (
	levels     = []string{"FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE"}
	rangeNames = []string{"1h", "24h", "7d", "14d", "30d"}
)
