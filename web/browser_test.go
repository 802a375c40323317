package web_test

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/faultline/faultline/grouping"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/group"
	"github.com/faultline/faultline/internal/testenv"
)

var screenshots = flag.Bool("screenshots", false, "save the groups list and the group page as PNGs in docs/ (make screenshots)")

const step = 20 * time.Second

// seed publishes three groups of the stack's service with events spread
// over the last day, as a small shop's errors look.
func seed(s *stack) (payment, npe group.Group) {
	now := time.Now().UTC()
	regions := []string{"eu-west-1", "eu-west-1", "us-east-1"}
	var n int64
	for i := range 14 {
		at := now.Add(-time.Duration(i*i*6) * time.Minute).Add(-time.Minute)
		s.pub(s.javaEvent("java.lang.IllegalStateException", "payment declined", fmt.Sprintf("Order %d failed: card declined by the bank", 4100+i), at,
			map[string]string{"region": regions[i%3], "tenant": "acme"}))
		n++
	}
	for i := range 3 {
		ev := s.javaEvent("java.lang.NullPointerException", "cart is null", fmt.Sprintf("Checkout for customer zebra-%d crashed", i), now.Add(-time.Duration(i*50+5)*time.Minute),
			map[string]string{"region": "us-east-1"})
		ev.Faultline.Exceptions[0].Frames[0] = event.Frame{Class: "com.example.shop.CartService", Method: "total", File: "CartService.java", Line: 57}
		s.pub(ev)
	}
	ev := s.javaEvent("java.util.concurrent.TimeoutException", "inventory did not answer in 2s", "Reservation timed out", now.Add(-3*time.Hour), nil)
	ev.Faultline.Exceptions[0].Frames[0] = event.Frame{Class: "com.example.shop.InventoryClient", Method: "reserve", File: "InventoryClient.java", Line: 112}
	s.pub(ev)
	payment = s.group("IllegalStateException: payment declined", n)
	npe = s.group("NullPointerException: cart is null", 3)
	s.group("TimeoutException: inventory did not answer in 2s", 1)
	return payment, npe
}

// TestOnCallPageInBrowser drives the pages in headless Chromium against
// the in-process stack: sign in, filter, search, open a group, see its
// stack and chart, mute it from the keyboard and see the status and the
// audit line; then a read key sees no action and a forged POST is
// refused. Along the way it checks that every control has a label and
// that the status colours have a contrast of at least 4.5:1.
func TestOnCallPageInBrowser(t *testing.T) {
	s := newStack(t, "/oncall", false)
	start := time.Now()
	payment, npe := seed(s)
	t.Logf("seeded in %s", time.Since(start))
	ctx := testenv.Browser(t)
	do := func(steps ...chromedp.Action[chromedp.Void]) { t.Helper(); testenv.BrowserDo(t, ctx, step, steps...) }
	text := func(sel string) string {
		t.Helper()
		return testenv.BrowserGet(t, ctx, step, chromedp.Text(chromedp.CSS(sel)))
	}
	nav := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		testenv.BrowserNavigate(t, ctx, step, steps...)
	}
	eval := func(js string) string {
		t.Helper()
		return testenv.BrowserGet(t, ctx, step, chromedp.Evaluate[string](js))
	}

	// A link from a chat alert lands on sign-in, and then on the group.
	do(chromedp.Navigate(s.URL+"/groups/"+payment.Fingerprint),
		chromedp.WaitVisible(chromedp.CSS("#key")),
		chromedp.SendKeys(chromedp.CSS("#key"), adminKey))
	nav(chromedp.Click(chromedp.CSS("form.signin button")))
	if got := text("#title"); !strings.Contains(got, "payment declined") {
		t.Fatalf("after sign-in: title %q", got)
	}

	// The list, filtered to the service: three groups; searching a word
	// that only an event message has finds the one group it belongs to.
	do(chromedp.Navigate(s.URL+"/groups"), chromedp.WaitVisible(chromedp.CSS("#f-service")),
		chromedp.SendKeys(chromedp.CSS("#f-service"), s.Service),
		chromedp.SetValue(chromedp.CSS("#f-sort"), "count"))
	nav(chromedp.Click(chromedp.CSS("#apply")))
	if rows := strings.Split(eval(`[...document.querySelectorAll('#groups tbody tr')].map(r => r.dataset.fingerprint).join(',')`), ","); len(rows) != 3 || rows[0] != payment.Fingerprint || rows[1] != npe.Fingerprint {
		t.Errorf("list sorted by count: %q, want the payment group, then the NPE, then the timeout", rows)
	}
	if n := eval(`String(document.querySelectorAll('#groups svg.spark polyline').length)`); n != "3" {
		t.Errorf("%s sparklines, want 3", n)
	}
	checkLabelled(t, eval)
	if *screenshots {
		saveScreenshot(t, ctx, "oncall-groups.png")
	}
	// Trend ranks by the last hour's events (4 and 2; the timeout group
	// has none), and the time range keeps groups seen within it.
	rowsOf := func(query string) string {
		t.Helper()
		do(chromedp.Navigate(s.URL+"/groups?service="+s.Service+"&"+query), chromedp.WaitVisible(chromedp.CSS("#total")))
		return eval(`[...document.querySelectorAll('#groups tbody tr')].map(r => r.dataset.fingerprint).join(',')`)
	}
	if got := rowsOf("sort=trend"); got != payment.Fingerprint+","+npe.Fingerprint {
		t.Errorf("sorted by trend: %q", got)
	}
	if got := rowsOf("range=1h&sort=first_seen"); got != npe.Fingerprint+","+payment.Fingerprint {
		t.Errorf("seen in the last hour, newest first seen first: %q", got)
	}
	do(chromedp.Navigate(s.URL+"/groups?service="+s.Service), chromedp.WaitVisible(chromedp.CSS("#f-q")))
	do(chromedp.SendKeys(chromedp.CSS("#f-q"), "zebra-1"))
	nav(chromedp.Click(chromedp.CSS("#apply")))
	if rows := eval(`[...document.querySelectorAll('#groups tbody tr')].map(r => r.dataset.fingerprint).join(',')`); rows != npe.Fingerprint {
		t.Errorf("search for a message word: %q, want only %s", rows, npe.Fingerprint)
	}
	do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#f-q').value = ''`), chromedp.SetValue(chromedp.CSS("#f-status"), "resolved"))
	nav(chromedp.Click(chromedp.CSS("#apply")))
	if got := text("#empty"); got != "No group matches these filters." {
		t.Errorf("no resolved group: %q", got)
	}

	// The group: stack with in-app frames highlighted and library frames
	// folded, the chart with bars, the facts.
	do(chromedp.Navigate(s.URL+"/groups?service="+s.Service), chromedp.WaitVisible(chromedp.CSS("#groups")))
	nav(chromedp.Click(chromedp.CSS(`a[href$="/groups/` + payment.Fingerprint + `"]`)))
	if got := eval(`[...document.querySelectorAll('#stack .frame.inapp')].map(f => f.textContent.trim()).join('|')`); !strings.Contains(got, "com.example.shop.PaymentService.charge (PaymentService.java:88)") ||
		!strings.Contains(got, "CheckoutController.checkout") || strings.Contains(got, "springframework") {
		t.Errorf("in-app frames %q", got)
	}
	if got := eval(`[...document.querySelectorAll('#stack details')].map(d => (d.open ? 'open:' : 'folded:') + d.querySelectorAll('.frame').length).join(',')`); got != "folded:2,folded:1" {
		t.Errorf("library frames %q, want two folded runs of 2 and 1", got)
	}
	// faultline:2, which made the group, counts the throw site alone.
	if got := eval(`[...document.querySelectorAll('#stack .frame.fp')].map(f => f.textContent.trim() + ' / ' + f.title).join('|')`); got != "at com.example.shop.PaymentService.charge (PaymentService.java:88) / "+grouping.ReasonThrowSite {
		t.Errorf("frames marked as the fingerprint's: %q, want the throw site", got)
	}
	if got := eval(`String(document.querySelectorAll('#occurrences rect.bar').length)`); got == "0" {
		t.Error("the 24 h chart has no bar")
	}
	if *screenshots {
		saveScreenshot(t, ctx, "oncall-group.png")
	}
	nav(chromedp.Click(chromedp.CSS(`.ranges a[href$="chart=14d"]`)))
	if got := eval(`document.querySelector('#occurrences title').textContent`); !strings.HasPrefix(got, "14 events in the last 14d") {
		t.Errorf("14 d chart says %q", got)
	}
	facts := text("#facts")
	for _, want := range []string{"First release\n1.4.2", "production (14)"} {
		if !strings.Contains(facts, want) {
			t.Errorf("facts %q lack %q", facts, want)
		}
	}
	if got := text("#labels"); !strings.Contains(got, "tenant=acme (14)") || !strings.Contains(got, "region=eu-west-1 (10)") {
		t.Errorf("labels %q", got)
	}
	if got := text("#events"); !strings.Contains(got, "Order 4100 failed") || !strings.Contains(got, "trace") {
		t.Errorf("latest events %q", got)
	}
	if got := eval(`document.querySelector('#kibana').href`); !strings.Contains(got, "kibana.example:5601/app/discover") || !strings.Contains(got, payment.Fingerprint) {
		t.Errorf("kibana link %q", got)
	}
	checkLabelled(t, eval)
	checkContrast(t, eval)

	// The keyboard reaches the mute button: Tab from the top of the page.
	do(chromedp.SetValue(chromedp.CSS("#mute-for"), "1h"), chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`))
	reached := false
	for range 40 {
		do(chromedp.KeyEvent(kb.Tab))
		if eval(`document.activeElement.id`) == "mute" {
			reached = true
			break
		}
	}
	if !reached {
		t.Fatal("Tab never reached the mute button")
	}
	nav(chromedp.KeyEvent(kb.Enter))
	if got := text("#status"); got != "muted" {
		t.Errorf("status after mute %q", got)
	}
	if got := text("#audit"); !strings.Contains(got, "mute by oncall") || !strings.Contains(got, "until") {
		t.Errorf("audit after mute %q", got)
	}
	if got := text(".flash"); !strings.HasPrefix(got, "Muted until") {
		t.Errorf("flash %q", got)
	}
	stored := s.group(payment.Title, payment.Count)
	if stored.Status != group.StatusMuted || stored.MutedUntil == nil || len(stored.StatusChanges) != 1 || stored.StatusChanges[0].By != "oncall" {
		t.Errorf("stored group after mute: %+v", stored)
	}

	t.Logf("muted at %s", time.Since(start))
	// The muted group's next event alerts nobody; the other group's, sent
	// after it, does.
	mark := s.chat.Count()
	now := time.Now().UTC()
	s.pub(s.javaEvent("java.lang.IllegalStateException", "payment declined", "Order 5000 failed: card declined by the bank", now, nil))
	s.group(payment.Title, payment.Count+1)
	nextNPE := s.javaEvent("java.lang.NullPointerException", "cart is null", "Checkout for customer zebra-9 crashed", now, nil)
	nextNPE.Faultline.Exceptions[0].Frames[0] = event.Frame{Class: "com.example.shop.CartService", Method: "total", File: "CartService.java", Line: 57}
	s.pub(nextNPE)
	testenv.Eventually(t, "an alert for the unmuted group", 30*time.Second, func() bool { return mentions(s.chat, mark, npe.Title) > 0 })
	if n := mentions(s.chat, mark, payment.Title); n != 0 {
		t.Errorf("%d alerts for the muted group", n)
	}

	t.Logf("alerts checked at %s", time.Since(start))
	// A read key: the same page without an action, and a forged POST with
	// the session's own token is refused.
	rctx := testenv.Browser(t)
	testenv.BrowserDo(t, rctx, step, chromedp.Navigate(s.URL+"/groups/"+payment.Fingerprint),
		chromedp.WaitVisible(chromedp.CSS("#key")),
		chromedp.SendKeys(chromedp.CSS("#key"), readKey))
	testenv.BrowserNavigate(t, rctx, step, chromedp.Click(chromedp.CSS("form.signin button")))
	if got := testenv.BrowserGet(t, rctx, step, chromedp.Evaluate[string](`String(document.querySelectorAll('.actions, form[action*="/groups/"]').length)`)); got != "0" {
		t.Errorf("read key sees %s action forms", got)
	}
	forged := testenv.BrowserGet(t, rctx, step, chromedp.Evaluate[int](`fetch(location.pathname + '/unmute', {method: 'POST', redirect: 'manual',
		body: new URLSearchParams({csrf: document.querySelector('input[name=csrf]').value})}).then(r => r.status)`, chromedp.EvalAwaitPromise))
	if forged != 403 {
		t.Errorf("forged unmute by a read key: %d, want 403", forged)
	}
	if g := s.group(payment.Title, payment.Count+1); g.Status != group.StatusMuted {
		t.Errorf("after the forged unmute the group is %s", g.Status)
	}
}

// checkLabelled fails for a control without a label a screen reader can
// read: inputs and selects by <label> or aria-label, buttons by their text.
func checkLabelled(t *testing.T, eval func(string) string) {
	t.Helper()
	bare := eval(`[...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')].filter(e =>
		e.tagName === 'BUTTON' ? !e.textContent.trim() && !e.getAttribute('aria-label')
		: !(e.labels && e.labels.length && e.labels[0].textContent.trim()) && !e.getAttribute('aria-label')).map(e => e.outerHTML).join('\n')`)
	if bare != "" {
		t.Errorf("controls without a label:\n%s", bare)
	}
	if n := eval(`String(document.querySelectorAll('svg:not([aria-label])').length)`); n != "0" {
		t.Errorf("%s charts without a label", n)
	}
}

// checkContrast computes WCAG's contrast ratio of each status badge's text
// on its background, as the browser resolved the stylesheet.
func checkContrast(t *testing.T, eval func(string) string) {
	t.Helper()
	got := eval(`(() => { const out = [];
		for (const s of ['new', 'regressed', 'ongoing', 'muted', 'resolved']) {
			const e = document.createElement('span'); e.className = 'badge st-' + s; e.textContent = s;
			document.body.appendChild(e); const cs = getComputedStyle(e);
			out.push(s + '=' + cs.color + '/' + cs.backgroundColor); e.remove(); }
		return out.join(';'); })()`)
	for _, part := range strings.Split(got, ";") {
		name, colours, _ := strings.Cut(part, "=")
		fg, bg, _ := strings.Cut(colours, "/")
		r := contrast(t, fg, bg)
		if r < 4.5 {
			t.Errorf("status %s: contrast %.2f:1 of %s on %s, want at least 4.5:1", name, r, fg, bg)
		}
	}
}

func contrast(t *testing.T, a, b string) float64 {
	la, lb := luminance(t, a), luminance(t, b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

func luminance(t *testing.T, css string) float64 {
	var r, g, b float64
	if _, err := fmt.Sscanf(css, "rgb(%g, %g, %g)", &r, &g, &b); err != nil {
		t.Fatalf("colour %q: %v", css, err)
	}
	lin := func(c float64) float64 {
		c /= 255
		if c <= 0.03928 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// saveScreenshot writes the whole page as a PNG into docs/.
func saveScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png := testenv.BrowserGet(t, ctx, step, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join("..", "docs", name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
