package testenv

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ChromiumPath is Debian's chromium package; FAULTLINE_TEST_CHROMIUM
// overrides it.
const ChromiumPath = "/usr/bin/chromium"

// Browser starts a headless Chromium driven by chromedp and returns a
// context for its first tab, closed (and the browser stopped) when the test
// ends. Without Chromium the test is skipped, except under CI=true where
// it fails: CI must never pass by skipping the real thing. Each call is a
// browser of its own, with its own profile, so cookies never leak between
// two sign-ins.
func Browser(t testing.TB) context.Context {
	t.Helper()
	path := os.Getenv("FAULTLINE_TEST_CHROMIUM")
	if path == "" {
		path = ChromiumPath
	}
	if _, err := exec.LookPath(path); err != nil {
		msg := "chromium not found at " + path + " (apt-get install chromium, or set FAULTLINE_TEST_CHROMIUM): " + err.Error()
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		// Containers give /dev/shm 64 MB, which Chromium outgrows.
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.NoSandbox,
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx, chromedp.WithErrorf(t.Logf))
	// Start the browser now, so a failure to launch is the helper's.
	if err := chromedp.Do(ctx); err != nil {
		cancelTab()
		cancelAlloc()
		if os.Getenv("CI") == "true" {
			t.Fatalf("start chromium: %v", err)
		}
		t.Skipf("start chromium: %v", err)
	}
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	return ctx
}

// BrowserDo runs the steps within timeout: a page that never shows what a
// test waits for fails the test instead of hanging it.
func BrowserDo(t testing.TB, ctx context.Context, timeout time.Duration, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}

// BrowserGet runs one action that returns a value, within timeout.
func BrowserGet[T any](t testing.TB, ctx context.Context, timeout time.Duration, a chromedp.Action[T]) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	v, err := chromedp.Run(sctx, a)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	return v
}

// BrowserNavigate runs steps that leave the page (a click on a link or a
// submit button, a key press on one) and waits until the next page has
// loaded: waiting for an element instead could find it on the page being
// left.
func BrowserNavigate(t testing.TB, ctx context.Context, timeout time.Duration, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	BrowserGet(t, ctx, timeout, chromedp.Evaluate[bool](`window.__faultlineLeaving = true`))
	BrowserDo(t, ctx, timeout, steps...)
	deadline := time.Now().Add(timeout)
	for {
		sctx, cancel := context.WithTimeout(ctx, time.Second)
		loaded, err := chromedp.Run(sctx, chromedp.Evaluate[bool](`!window.__faultlineLeaving && document.readyState === 'complete'`))
		cancel()
		if err == nil && loaded {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("browser: no new page loaded within %s (last error: %v)", timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
