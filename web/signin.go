package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/faultline/faultline/internal/auth"
)

type signInData struct {
	Next  string
	Error string
	// Keys is false when no keys are configured: there is nothing to sign
	// in with, every page is open as the group API is then.
	Keys bool
}

// signInPage shows the key form, with a session cookie that has no name
// yet: its nonce is what the form's CSRF token is made from.
func (h *Handler) signInPage(w http.ResponseWriter, r *http.Request) {
	s, err := h.readSession(r)
	if err != nil {
		s = h.newSession(w, r, "")
	}
	h.render(w, r, &call{session: s, principal: &auth.Principal{}}, http.StatusOK, "signin.html", "Sign in", "",
		signInData{Next: h.safeNext(r.URL.Query().Get("next")), Keys: h.keys.Enabled()})
}

// signIn checks the key and starts a session under its name.
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	s, err := h.readSession(r)
	if err != nil || !h.checkCSRF(r, s) {
		setSecurityHeaders(w)
		http.Error(w, "the sign-in form's CSRF token is missing or stale; reload the sign-in page", http.StatusForbidden)
		return
	}
	next := h.safeNext(r.PostFormValue("next"))
	if !h.keys.Enabled() {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	p, err := h.keys.Authorize(withKey(r, strings.TrimSpace(r.PostFormValue("key"))), auth.RoleRead)
	if err != nil {
		msg := "unknown key"
		if errors.Is(err, auth.ErrForbidden) && p != nil {
			msg = "key " + p.Name + " has neither the read nor the admin role"
		}
		h.render(w, r, &call{session: s, principal: &auth.Principal{}}, http.StatusForbidden, "signin.html", "Sign in", "",
			signInData{Next: next, Error: msg, Keys: true})
		return
	}
	h.newSession(w, r, p.Name)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// withKey is r as if the key had come in the Authorization header, which
// is where auth reads keys from.
func withKey(r *http.Request, key string) *http.Request {
	r2 := r.Clone(r.Context())
	r2.Header.Set("Authorization", "Bearer "+key)
	return r2
}

func (h *Handler) signOut(w http.ResponseWriter, r *http.Request, _ *call) {
	h.clearSession(w, r)
	http.Redirect(w, r, h.base+"/signin", http.StatusSeeOther)
}

// safeNext keeps a redirect after sign-in on this site's pages.
func (h *Handler) safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, h.base+"/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return h.base + "/groups"
	}
	return next
}
