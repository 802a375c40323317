package web

import "net/http"

// stormsPage lists recent storms, and stormPage the groups one storm
// summary collected. Placeholders: built on branch web-ops.
func (h *Handler) stormsPage(w http.ResponseWriter, r *http.Request, c *call) {
	h.render(w, r, c, http.StatusOK, "placeholder.html", "Storms", "storms", "The storm pages are not built yet.")
}

func (h *Handler) stormPage(w http.ResponseWriter, r *http.Request, c *call) {
	h.render(w, r, c, http.StatusOK, "placeholder.html", "Storm", "storms", "The storm pages are not built yet.")
}
