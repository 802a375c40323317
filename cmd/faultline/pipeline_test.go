package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/testenv"
)

// TestAllServesThePipelineAndStormPages: in `faultline all` the pipeline
// page reads the process's JetStream (the events stream, the processor's
// consumer, the dead letters) and its notifier, and the storms page the
// notifier's state.
func TestAllServesThePipelineAndStormPages(t *testing.T) {
	es := testenv.ElasticsearchURL(t)
	dir := t.TempDir()
	base, _ := startAll(t, "--data-dir", dir, "--es-url", es)
	get := func(path string) (int, string) {
		t.Helper()
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	var body string
	testenv.Eventually(t, "the pipeline page with every part read", 30*time.Second, func() bool {
		var code int
		code, body = get("/pipeline")
		return code == http.StatusOK && strings.Contains(body, `id="processor-lag"`) && strings.Contains(body, `id="kv-state">reachable`)
	})
	for _, want := range []string{`id="ingest-rate">0 events/min`, "0 in the dead-letter stream", `id="es-status"`,
		// Without a configured channel, alerts go to the terminal.
		`<tr class="channel" data-channel="terminal">`, "<td>console</td>"} {
		if !strings.Contains(body, want) {
			t.Errorf("pipeline page lacks %q:\n%s", want, body)
		}
	}
	if code, body := get("/storms"); code != http.StatusOK || !strings.Contains(body, "No storm recorded") {
		t.Errorf("GET /storms: %d\n%s", code, body)
	}
	if code, _ := get("/storms/0000000000000000-00000000"); code != http.StatusNotFound {
		t.Errorf("GET an unknown storm: %d, want 404", code)
	}
}
