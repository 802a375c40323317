package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/faultline/faultline/groupadmin"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/group"
	"github.com/faultline/faultline/internal/kibana"
)

type groupData struct {
	G          group.Group
	State      string
	Detail     GroupDetail
	Chart      template.HTML
	Ranges     []ChartRange
	Latest     *event.Event
	Exceptions []ExceptionView
	Kibana     string
	MuteFors   []muteFor
	Changes    []group.StatusChange
}

type muteFor struct{ Value, Label string }

// muteFors are the mute durations the page offers; 0 is until unmuted.
var muteFors = []muteFor{{"1h", "1 hour"}, {"8h", "8 hours"}, {"24h", "24 hours"}, {"168h", "7 days"}, {"0", "until unmuted"}}

// readAdmin is the groupadmin the page reads through: the notifier's when
// it is up, else one over the store alone (reads need no mute state).
func (h *Handler) readAdmin() *groupadmin.Admin {
	if h.admin != nil {
		if a, err := h.admin(); err == nil {
			return a
		}
	}
	return &groupadmin.Admin{Store: h.data.Groups}
}

// groupPage shows one group: what broke, since when, how often, where in
// the code, and who changed its status.
func (h *Handler) groupPage(w http.ResponseWriter, r *http.Request, c *call) {
	fp := r.PathValue("fingerprint")
	g, err := h.readAdmin().Get(r.Context(), c.principal, fp)
	if err != nil {
		h.fail(w, r, c, status(err), err)
		return
	}
	rng := ChartRanges[1]
	if name := r.URL.Query().Get("chart"); name != "" {
		i := slices.IndexFunc(ChartRanges, func(cr ChartRange) bool { return cr.Name == name })
		if i < 0 {
			h.fail(w, r, c, http.StatusBadRequest, badInput(fmt.Sprintf("chart %q: want 1h, 24h or 14d", name)))
			return
		}
		rng = ChartRanges[i]
	}
	now := h.now()
	d, err := h.data.GroupDetail(r.Context(), fp, rng, now)
	if err != nil {
		h.fail(w, r, c, status(err), err)
		return
	}
	var total int64
	for _, n := range d.Chart {
		total += n
	}
	gd := groupData{G: g, State: StatusOf(g, now), Detail: d, Ranges: ChartRanges, MuteFors: muteFors,
		Chart:  barChart(d.Chart, d.ChartStart, rng.Step, fmt.Sprintf("%d events in the last %s, per %s", total, rng.Name, rng.Step)),
		Kibana: kibana.DiscoverURL(h.kibanaURL, g.Fingerprint)}
	for i := len(g.StatusChanges) - 1; i >= 0; i-- {
		gd.Changes = append(gd.Changes, g.StatusChanges[i])
	}
	if len(d.Events) > 0 {
		gd.Latest = &d.Events[0]
		gd.Exceptions = h.explain(gd.Latest, g.GroupingStrategy)
		if len(d.Events) > 20 {
			gd.Detail.Events = d.Events[:20]
		}
	}
	h.render(w, r, c, http.StatusOK, "group.html", g.Title, "groups", gd)
}

// groupAction mutes, resolves or unmutes a group through groupadmin, the
// code the CLI and the group API change groups with.
func (h *Handler) groupAction(w http.ResponseWriter, r *http.Request, c *call) {
	fp, action := r.PathValue("fingerprint"), r.PathValue("action")
	if !slices.Contains(groupadmin.Actions, action) {
		h.fail(w, r, c, http.StatusNotFound, fmt.Errorf("unknown action %q (want mute, resolve or unmute)", action))
		return
	}
	var d time.Duration
	if action == "mute" {
		f := r.PostFormValue("for")
		if f != "0" {
			var err error
			if d, err = time.ParseDuration(f); err != nil || d <= 0 {
				h.fail(w, r, c, http.StatusBadRequest, badInput(fmt.Sprintf("for %q: want a positive duration such as 24h, or 0 for until unmuted", f)))
				return
			}
		}
	}
	if h.admin == nil {
		h.fail(w, r, c, http.StatusServiceUnavailable, errors.New("group changes are not available on this server"))
		return
	}
	a, err := h.admin()
	if err != nil {
		w.Header().Set("Retry-After", "5")
		h.fail(w, r, c, http.StatusServiceUnavailable, err)
		return
	}
	g, err := a.Change(r.Context(), c.principal, fp, action, d)
	if err != nil {
		h.fail(w, r, c, status(err), err)
		return
	}
	done := map[string]string{"mute": "Muted", "resolve": "Resolved", "unmute": "Unmuted"}[action]
	if action == "mute" && g.MutedUntil != nil {
		done += " until " + g.MutedUntil.UTC().Format("2006-01-02 15:04 UTC")
	}
	http.Redirect(w, r, h.base+"/groups/"+url.PathEscape(fp)+"?done="+url.QueryEscape(done), http.StatusSeeOther)
}

// explain is the explainer in use, for a group made by strategy.
func (h *Handler) explain(ev *event.Event, strategy string) []ExceptionView {
	if h.explainer == nil {
		return nil
	}
	return h.explainer(ev, strategy)
}
