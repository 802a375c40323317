package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/faultline/faultline/groupadmin"
	"github.com/faultline/faultline/internal/auth"
	"github.com/faultline/faultline/internal/config"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// Config is what the pages need from the service that mounts them.
type Config struct {
	Keys *auth.Keys
	// Data reads groups and events.
	Data *Data
	// Admin returns the group administration the group API uses (with the
	// notifiers' mute state), or an error while it is not available yet;
	// reads go through it too, for the keys' service scopes.
	Admin func() (*groupadmin.Admin, error)
	// PublicURL is notify.public_url: its path is the prefix of every
	// link, and an https scheme marks the cookie Secure behind a proxy
	// that terminates TLS.
	PublicURL string
	// KibanaURL, when set, links a group to its events in Kibana.
	KibanaURL string
	// Explain says which frames are in-app and made the fingerprint
	// (GroupingFrames of the grouping configuration).
	Explain Explainer
	// SessionKey signs session cookies and CSRF tokens (SessionKey()).
	SessionKey []byte
	Log        zerolog.Logger
	Now        func() time.Time

	// Pipeline feeds the pipeline and storm pages; nil shows them empty.
	Pipeline *Pipeline
}

// Handler serves the pages.
type Handler struct {
	keys          *auth.Keys
	data          *Data
	admin         func() (*groupadmin.Admin, error)
	kibanaURL     string
	base          string // the public URL's path, without a trailing slash
	secureCookies bool
	secret        []byte
	log           zerolog.Logger
	now           func() time.Time
	pages         map[string]*template.Template
	explainer     Explainer
	pipeline      *Pipeline
}

// New checks the configuration and parses the templates.
func New(c Config) (*Handler, error) {
	h := &Handler{keys: c.Keys, data: c.Data, admin: c.Admin, kibanaURL: strings.TrimRight(c.KibanaURL, "/"),
		secret: c.SessionKey, log: c.Log, now: c.Now, explainer: c.Explain, pipeline: c.Pipeline}
	if h.explainer == nil {
		h.explainer = GroupingFrames(config.Grouping{})
	}
	if h.now == nil {
		h.now = time.Now
	}
	if len(h.secret) < 16 {
		return nil, errors.New("web: a session key of at least 16 bytes is needed")
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("web: notify.public_url %q: want an absolute http or https URL", c.PublicURL)
		}
		h.base = strings.TrimRight(u.EscapedPath(), "/")
		h.secureCookies = u.Scheme == "https"
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	h.pages = pages
	return h, nil
}

// route is one page: its mux pattern (without the prefix), and the role a
// caller needs. POST routes also need the CSRF token of their session.
type route struct {
	method, path string
	role         auth.Role
	serve        func(h *Handler, w http.ResponseWriter, r *http.Request, c *call)
}

// call is one request's session and principal.
type call struct {
	session   session
	principal *auth.Principal
}

// routes are the pages. Sign-in and the assets are outside the table:
// they are served without a session.
var routes = []route{
	{"GET", "/groups", auth.RoleRead, (*Handler).groupsPage},
	{"GET", "/groups/{fingerprint}", auth.RoleRead, (*Handler).groupPage},
	{"POST", "/groups/{fingerprint}/{action}", auth.RoleAdmin, (*Handler).groupAction},
	{"GET", "/pipeline", auth.RoleRead, (*Handler).pipelinePage},
	{"POST", "/pipeline/replay", auth.RoleAdmin, (*Handler).replayDeadLetters},
	{"GET", "/storms", auth.RoleRead, (*Handler).stormsPage},
	{"GET", "/storms/{id}", auth.RoleRead, (*Handler).stormPage},
	{"POST", "/signout", auth.RoleRead, (*Handler).signOut},
}

// Register mounts the pages on mux at the root and, with a public URL
// that has a path, under it as well.
func (h *Handler) Register(mux *http.ServeMux) {
	prefixes := []string{""}
	if h.base != "" {
		prefixes = append(prefixes, h.base)
	}
	assets, _ := fs.Sub(assetFS, "assets")
	for _, p := range prefixes {
		for _, rt := range routes {
			mux.Handle(rt.method+" "+p+rt.path, h.guard(rt))
		}
		if p != "" {
			// The root itself is ingest's (what Elasticsearch clients ask
			// for first).
			mux.HandleFunc("GET "+p+"/{$}", func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, h.base+"/groups", http.StatusSeeOther)
			})
		}
		mux.HandleFunc("GET "+p+"/signin", h.signInPage)
		mux.HandleFunc("POST "+p+"/signin", h.signIn)
		mux.Handle("GET "+p+"/assets/", http.StripPrefix(p+"/assets/", assetHandler(http.FileServerFS(assets))))
	}
}

func assetHandler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		next.ServeHTTP(w, r)
	})
}

// guard finds the session, sends a visitor without one to sign in, and
// refuses a principal without the route's role, or a POST without its
// CSRF token, with 403.
func (h *Handler) guard(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setSecurityHeaders(w)
		s, err := h.readSession(r)
		if err != nil && !h.keys.Enabled() {
			// Nobody signs in without keys, but the forms still need a
			// nonce for their tokens.
			s = h.newSession(w, r, "")
			err = nil
		}
		p := h.principal(s)
		if err != nil || p == nil {
			if rt.method != "GET" {
				h.fail(w, r, nil, http.StatusForbidden, errors.New("sign in first"))
				return
			}
			http.Redirect(w, r, h.base+"/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		c := &call{session: s, principal: p}
		if rt.method == "POST" && !h.checkCSRF(r, s) {
			h.fail(w, r, c, http.StatusForbidden, errors.New("the form's CSRF token is missing or not this session's; reload the page and try again"))
			return
		}
		if !p.Has(rt.role) {
			h.fail(w, r, c, http.StatusForbidden, fmt.Errorf("key %q does not have the %s role", p.Name, rt.role))
			return
		}
		rt.serve(h, w, r, c)
	})
}

func setSecurityHeaders(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("Cache-Control", "no-store")
}

// page is what every template gets: the layout's part and the page's own.
type page struct {
	Title     string
	Base      string
	Nav       string
	Principal *auth.Principal
	CanAct    bool
	CSRF      string
	Flash     string
	Data      any
}

// render writes a page with the layout, or a 500 when the template fails
// (rendered to a buffer first, so a half page is never sent).
func (h *Handler) render(w http.ResponseWriter, r *http.Request, c *call, status int, name, title, nav string, data any) {
	t, ok := h.pages[name]
	if !ok {
		h.log.Error().Str("page", name).Msg("web: no such template")
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	pg := page{Title: title, Base: h.base, Nav: nav, Data: data, Flash: r.URL.Query().Get("done")}
	if c != nil {
		pg.Principal = c.principal
		pg.CanAct = c.principal.Has(auth.RoleAdmin)
		pg.CSRF = h.csrfToken(c.session)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", pg); err != nil {
		h.log.Error().Err(err).Str("page", name).Msg("web: render")
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	setSecurityHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// fail renders an error page with status.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, c *call, status int, err error) {
	if status >= 500 {
		h.log.Warn().Err(err).Str("path", r.URL.Path).Msg("web: page failed")
	}
	h.render(w, r, c, status, "error.html", http.StatusText(status), "", err.Error())
}

// status maps what groupadmin and Data said to an HTTP status, as the
// group API does.
func status(err error) int {
	switch {
	case errors.Is(err, auth.ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout
	}
	var ie *groupadmin.InputError
	if errors.As(err, &ie) {
		return http.StatusBadRequest
	}
	if isNotFound(err) {
		return http.StatusNotFound
	}
	return http.StatusBadGateway
}

func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimPrefix(n, "templates/")
		if base == "layout.html" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", base, err)
		}
		pages[base] = t
	}
	return pages, nil
}
