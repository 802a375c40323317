package web

import "net/http"

// groupPage shows one group.
func (h *Handler) groupPage(w http.ResponseWriter, r *http.Request, c *call) {
	h.render(w, r, c, http.StatusOK, "placeholder.html", "Group", "groups", "The group page is being built.")
}

// groupAction mutes, resolves or unmutes a group through groupadmin.
func (h *Handler) groupAction(w http.ResponseWriter, r *http.Request, c *call) {
	h.fail(w, r, c, http.StatusNotImplemented, errNotBuilt)
}
