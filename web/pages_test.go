package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/elastic"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/processor"
)

// client is a browser without JavaScript: a cookie jar that does not
// follow redirects, so each answer can be checked.
type client struct {
	t   *testing.T
	c   *http.Client
	jar http.CookieJar
}

func newClient(t *testing.T) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, jar: jar, c: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *client) do(method, u string, form url.Values) (int, string, http.Header) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, u, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, html string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(html)
	if m == nil {
		t.Fatalf("no CSRF token in the page:\n%s", html)
	}
	return m[1]
}

// signIn signs c in with key through the form, and reports the status the
// form was answered with.
func (c *client) signIn(base, key string) int {
	c.t.Helper()
	code, html, _ := c.do("GET", base+"/signin", nil)
	if code != http.StatusOK {
		c.t.Fatalf("sign-in page: %d", code)
	}
	code, _, _ = c.do("POST", base+"/signin", url.Values{"csrf": {csrfOf(c.t, html)}, "key": {key}, "next": {base + "/groups"}})
	return code
}

// TestPagesOverHTTP checks sign-in, the session cookie, CSRF, roles, the
// path prefix and bad input, without a browser.
func TestPagesOverHTTP(t *testing.T) {
	s := newStack(t, "/oncall", false)
	now := time.Now().UTC()
	s.pub(s.javaEvent("java.lang.IllegalStateException", "payment declined", "Order 42 failed for customer zebra-7", now.Add(-time.Minute), map[string]string{"region": "eu-west-1"}))
	g := s.group("IllegalStateException: payment declined", 1)

	// Without a session every page sends the visitor to sign in, under
	// the prefix, and a POST is refused.
	anon := newClient(t)
	code, _, hdr := anon.do("GET", s.URL+"/groups/"+g.Fingerprint, nil)
	if code != http.StatusSeeOther || !strings.HasPrefix(hdr.Get("Location"), "/oncall/signin?next=") {
		t.Fatalf("anonymous group page: %d %s", code, hdr.Get("Location"))
	}
	if code, _, _ := anon.do("POST", s.URL+"/groups/"+g.Fingerprint+"/resolve", url.Values{}); code != http.StatusForbidden {
		t.Errorf("anonymous POST: %d, want 403", code)
	}
	// A proxy that strips the prefix reaches the same pages at the root.
	if code, _, _ := anon.do("GET", s.Server+"/signin", nil); code != http.StatusOK {
		t.Errorf("sign-in page at the root: %d", code)
	}

	for _, key := range []string{"wrong", ingestKey, ""} {
		if code := newClient(t).signIn(s.URL, key); code != http.StatusForbidden {
			t.Errorf("sign in with %q: %d, want 403", key, code)
		}
	}
	// A sign-in form posted without the token of its own cookie is refused
	// (login CSRF).
	if code, _, _ := newClient(t).do("POST", s.URL+"/signin", url.Values{"key": {adminKey}}); code != http.StatusForbidden {
		t.Errorf("sign-in without CSRF token: %d", code)
	}

	admin := newClient(t)
	if code := admin.signIn(s.URL, adminKey); code != http.StatusSeeOther {
		t.Fatalf("admin sign-in: %d", code)
	}
	u, _ := url.Parse(s.URL + "/")
	cookies := admin.jar.Cookies(u)
	if len(cookies) != 1 || strings.Contains(cookies[0].Value, adminKey) {
		t.Fatalf("session cookie %v: want one, without the key", cookies)
	}
	code, html, hdr := admin.do("GET", s.URL+"/groups?service="+s.Service, nil)
	if code != http.StatusOK || !strings.Contains(html, g.Fingerprint) || !strings.Contains(html, `href="/oncall/groups/`+g.Fingerprint+`"`) {
		t.Fatalf("list: %d\n%s", code, html)
	}
	if hdr.Get("Content-Security-Policy") == "" {
		t.Error("no Content-Security-Policy")
	}
	code, html, _ = admin.do("GET", s.URL+"/groups/"+g.Fingerprint, nil)
	if code != http.StatusOK || !strings.Contains(html, `id="mute"`) {
		t.Fatalf("group page: %d\n%s", code, html)
	}
	token := csrfOf(t, html)

	// A cookie changed by a byte is no session.
	forged := newClient(t)
	c := *cookies[0]
	c.Value = strings.Replace(c.Value, c.Value[:1], string(c.Value[0]^1), 1)
	forged.jar.SetCookies(u, []*http.Cookie{&c})
	if code, _, _ := forged.do("GET", s.URL+"/groups", nil); code != http.StatusSeeOther {
		t.Errorf("tampered cookie: %d, want a redirect to sign in", code)
	}

	// Every form needs its session's token.
	for _, tok := range []string{"", "x" + token[1:]} {
		if code, _, _ := admin.do("POST", s.URL+"/groups/"+g.Fingerprint+"/resolve", url.Values{"csrf": {tok}}); code != http.StatusForbidden {
			t.Errorf("resolve with token %q: %d, want 403", tok, code)
		}
	}
	bad := []struct{ path, want string }{
		{"/groups?range=5y", "range"},
		{"/groups?status=broken", "status"},
		{"/groups?after=not-a-cursor", "after"},
		{"/groups/" + g.Fingerprint + "?chart=3w", "chart"},
	}
	for _, b := range bad {
		code, html, _ := admin.do("GET", s.URL+b.path, nil)
		if code != http.StatusBadRequest || !strings.Contains(html, b.want) {
			t.Errorf("GET %s: %d, want 400 naming %s", b.path, code, b.want)
		}
	}
	if code, _, _ := admin.do("GET", s.URL+"/groups/no-such-group", nil); code != http.StatusNotFound {
		t.Errorf("missing group: %d", code)
	}
	if code, html, _ := admin.do("POST", s.URL+"/groups/"+g.Fingerprint+"/mute", url.Values{"csrf": {token}, "for": {"soon"}}); code != http.StatusBadRequest || !strings.Contains(html, "soon") {
		t.Errorf("mute for soon: %d", code)
	}
	code, _, hdr = admin.do("POST", s.URL+"/groups/"+g.Fingerprint+"/resolve", url.Values{"csrf": {token}})
	if code != http.StatusSeeOther || !strings.HasPrefix(hdr.Get("Location"), "/oncall/groups/"+g.Fingerprint) {
		t.Fatalf("resolve: %d %s", code, hdr.Get("Location"))
	}
	_, html, _ = admin.do("GET", s.URL+"/groups/"+g.Fingerprint, nil)
	if !strings.Contains(html, "resolve by oncall") {
		t.Errorf("no audit line after resolve:\n%s", html)
	}

	// A read key sees the page without actions and is refused one even
	// with its own valid token.
	viewer := newClient(t)
	if code := viewer.signIn(s.URL, readKey); code != http.StatusSeeOther {
		t.Fatalf("read sign-in: %d", code)
	}
	_, html, _ = viewer.do("GET", s.URL+"/groups/"+g.Fingerprint, nil)
	if strings.Contains(html, `/unmute"`) || strings.Contains(html, `id="mute"`) || strings.Contains(html, "(read only)") == false {
		t.Errorf("read key's group page has actions:\n%s", html)
	}
	if code, _, _ := viewer.do("POST", s.URL+"/groups/"+g.Fingerprint+"/unmute", url.Values{"csrf": {csrfOf(t, html)}}); code != http.StatusForbidden {
		t.Errorf("read key's unmute: %d, want 403", code)
	}
	// A key scoped to other services finds nothing of this one.
	scoped := newClient(t)
	if code := scoped.signIn(s.URL, scopedKey); code != http.StatusSeeOther {
		t.Fatalf("scoped sign-in: %d", code)
	}
	if _, html, _ := scoped.do("GET", s.URL+"/groups?service="+s.Service, nil); !strings.Contains(html, "No group matches") {
		t.Errorf("scoped key lists the service's groups:\n%s", html)
	}
	if code, _, _ := scoped.do("GET", s.URL+"/groups/"+g.Fingerprint, nil); code != http.StatusForbidden {
		t.Errorf("scoped key's group page: %d, want 403", code)
	}

	// The resolved group's next event makes it regressed.
	listed := func(status string) bool {
		t.Helper()
		_, html, _ := admin.do("GET", s.URL+"/groups?service="+s.Service+"&status="+status, nil)
		return strings.Contains(html, `data-fingerprint="`+g.Fingerprint+`"`)
	}
	if !listed("resolved") || listed("new") || listed("regressed") {
		t.Error("the resolved group is not listed as resolved only")
	}
	s.pub(s.javaEvent("java.lang.IllegalStateException", "payment declined", "Order 43 failed", time.Now().UTC(), nil))
	s.group(g.Title, 2)
	if !listed("regressed") || listed("resolved") || listed("new") || listed("ongoing") {
		t.Error("the group that came back is not listed as regressed only")
	}

	// Sign-in never sends the browser off the site.
	for _, next := range []string{"https://evil.example/", "//evil.example/", "/elsewhere", "/oncall/\\evil"} {
		cl := newClient(t)
		_, html, _ := cl.do("GET", s.URL+"/signin", nil)
		_, _, hdr := cl.do("POST", s.URL+"/signin", url.Values{"csrf": {csrfOf(t, html)}, "key": {readKey}, "next": {next}})
		if loc := hdr.Get("Location"); loc != "/oncall/groups" {
			t.Errorf("next=%q: redirected to %q", next, loc)
		}
	}
}

// TestListPages: 55 groups come in two pages that follow each other
// without a gap or an overlap, newest first, with the filters kept.
func TestListPages(t *testing.T) {
	s := newStack(t, "", true)
	now := time.Now().UTC()
	var deltas []processor.Delta
	for i := range 55 {
		at := now.Add(-time.Duration(i) * time.Minute)
		deltas = append(deltas, processor.Delta{Fingerprint: fmt.Sprintf("%s-%02d", s.Service, i), Count: 1, First: at, Last: at,
			Sample: &event.Event{Message: fmt.Sprintf("boom %d", i), Service: event.Service{Name: s.Service}, Log: event.Log{Level: "ERROR"}}})
	}
	if _, err := s.counter.UpdateGroups(context.Background(), deltas); err != nil {
		t.Fatal(err)
	}
	if err := elastic.Check(s.es.Indices.Refresh(s.es.Indices.Refresh.WithIndex(elastic.GroupsIndex))); err != nil {
		t.Fatal(err)
	}
	c := newClient(t)
	row := regexp.MustCompile(`data-fingerprint="([^"]+)"`)
	next := regexp.MustCompile(`href="([^"]+)" rel="next"`)
	var got []string
	u := s.URL + "/groups?level=ERROR&service=" + s.Service
	for pages := 0; u != ""; pages++ {
		if pages == 3 {
			t.Fatal("more than two pages")
		}
		code, html, _ := c.do("GET", u, nil)
		if code != http.StatusOK {
			t.Fatalf("GET %s: %d", u, code)
		}
		for _, m := range row.FindAllStringSubmatch(html, -1) {
			got = append(got, m[1])
		}
		u = ""
		if m := next.FindStringSubmatch(html); m != nil {
			u = s.Server + strings.ReplaceAll(m[1], "&amp;", "&")
			if !strings.Contains(u, "service="+s.Service) || !strings.Contains(u, "level=ERROR") {
				t.Errorf("next page %s drops the filters", u)
			}
		}
	}
	if len(got) != 55 {
		t.Fatalf("%d groups over the pages, want 55", len(got))
	}
	for i, fp := range got {
		if want := fmt.Sprintf("%s-%02d", s.Service, i); fp != want {
			t.Fatalf("row %d is %s, want %s", i, fp, want)
		}
	}
}
