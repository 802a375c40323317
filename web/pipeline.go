package web

import "net/http"

// pipelinePage is the pipeline's health (ingest rate, processor lag, dead
// letters, Elasticsearch, channels, notifier state). Placeholder: built on
// branch web-ops.
func (h *Handler) pipelinePage(w http.ResponseWriter, r *http.Request, c *call) {
	h.render(w, r, c, http.StatusOK, "placeholder.html", "Pipeline", "pipeline", "The pipeline page is not built yet.")
}
