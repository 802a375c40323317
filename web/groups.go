package web

import "net/http"

// groupsPage lists groups.
func (h *Handler) groupsPage(w http.ResponseWriter, r *http.Request, c *call) {
	h.render(w, r, c, http.StatusOK, "placeholder.html", "Groups", "groups", "The groups list is being built.")
}
