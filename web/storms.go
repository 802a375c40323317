package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/faultline/faultline/internal/auth"
	"github.com/faultline/faultline/notifier"
)

// stormsShown bounds the storms list; records expire with the notifier's
// state bucket (7 days) anyway.
const stormsShown = 100

// stormView is one storm as a key may see it: the groups of services
// outside a scoped key's are counted, not named.
type stormView struct {
	notifier.StormRecord
	Hidden int
}

func (v stormView) Duration() time.Duration { return v.End.Sub(v.Start).Round(time.Second) }

// Total is every group the storm collected, named or not.
func (v stormView) Total() int { return len(v.Groups) + v.Hidden + v.Omitted }

func scopedStorm(r notifier.StormRecord, p *auth.Principal) stormView {
	v := stormView{StormRecord: r}
	v.Groups = nil
	for _, g := range r.Groups {
		if p.Sees(g.Service) {
			v.Groups = append(v.Groups, g)
		} else {
			v.Hidden++
		}
	}
	return v
}

// storms is the notifier's storm records, or why they cannot be read.
func (h *Handler) storms() (*notifier.Storms, error) {
	if h.pipeline == nil || h.pipeline.Notifier == nil {
		return nil, errors.New("no notifier runs in this process: storms are recorded in its state")
	}
	return h.pipeline.Notifier.Storms()
}

// stormsPage lists the recorded storms, newest first.
func (h *Handler) stormsPage(w http.ResponseWriter, r *http.Request, c *call) {
	st, err := h.storms()
	if err != nil {
		h.fail(w, r, c, http.StatusServiceUnavailable, err)
		return
	}
	list, err := st.List(r.Context(), stormsShown)
	if err != nil {
		h.fail(w, r, c, http.StatusBadGateway, errors.New(errText(err)))
		return
	}
	views := make([]stormView, 0, len(list))
	for _, rec := range list {
		views = append(views, scopedStorm(rec, c.principal))
	}
	h.render(w, r, c, http.StatusOK, "storms.html", "Storms", "storms", views)
}

// stormPage shows the groups one storm summary collected, each linked to
// its group page.
func (h *Handler) stormPage(w http.ResponseWriter, r *http.Request, c *call) {
	st, err := h.storms()
	if err != nil {
		h.fail(w, r, c, http.StatusServiceUnavailable, err)
		return
	}
	rec, err := st.Get(r.Context(), r.PathValue("id"))
	switch {
	case errors.Is(err, notifier.ErrStormNotFound):
		h.fail(w, r, c, http.StatusNotFound, errors.New("no such storm: the id is wrong, or the storm is older than the notifier's state keeps (7 days)"))
		return
	case err != nil:
		h.fail(w, r, c, http.StatusBadGateway, errors.New(errText(err)))
		return
	}
	v := scopedStorm(rec, c.principal)
	h.render(w, r, c, http.StatusOK, "storm.html", "Storm of "+v.Start.UTC().Format("2006-01-02 15:04 UTC"), "storms", v)
}
