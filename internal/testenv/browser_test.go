package testenv_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/faultline/faultline/internal/testenv"
)

// TestBrowser starts Chromium and reads a page a local server rendered.
func TestBrowser(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(`<!doctype html><title>t</title><p id="p">hello from the server</p>`))
	}))
	defer srv.Close()
	ctx := testenv.Browser(t)
	testenv.BrowserDo(t, ctx, 30*time.Second, chromedp.Navigate(srv.URL))
	text := testenv.BrowserGet(t, ctx, 10*time.Second, chromedp.Text(chromedp.CSS("#p")))
	if text != "hello from the server" {
		t.Fatalf("page text %q", text)
	}
}
