package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline/faultline/internal/testenv"
)

// TestAllServesTheOnCallPage: `faultline all` mounts the pages beside
// ingest and the group API, at the root and under notify.public_url's
// path, open on loopback without keys as the group API is.
func TestAllServesTheOnCallPage(t *testing.T) {
	es := testenv.ElasticsearchURL(t)
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "faultline.yaml")
	if err := os.WriteFile(cfgFile, []byte("notify:\n  public_url: https://ops.example.com/faultline/\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base, _ := startAll(t, "--data-dir", dir, "--es-url", es, "--config", cfgFile)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (int, string, http.Header) {
		t.Helper()
		res, err := client.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), res.Header
	}
	for _, path := range []string{"/groups", "/faultline/groups"} {
		code, body, hdr := get(path + "?service=no-such-service")
		if code != http.StatusOK || !strings.Contains(body, "No group matches") || !strings.Contains(body, `href="/faultline/groups"`) {
			t.Errorf("GET %s: %d\n%s", path, code, body)
		}
		if c := hdr.Get("Set-Cookie"); !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "Secure") || !strings.Contains(c, "Path=/faultline/") {
			t.Errorf("GET %s: cookie %q, want HttpOnly and Secure (public URL is https) on /faultline/", path, c)
		}
	}
	if code, _, hdr := get("/faultline/"); code != http.StatusSeeOther || hdr.Get("Location") != "/faultline/groups" {
		t.Errorf("GET /faultline/: %d to %q", code, hdr.Get("Location"))
	}
	// The root stays ingest's Elasticsearch-compatible answer.
	if code, body, _ := get("/"); code != http.StatusOK || !strings.Contains(body, "version") {
		t.Errorf("GET /: %d %s", code, body)
	}
}
