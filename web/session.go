package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/faultline/faultline/internal/auth"
)

// cookieName is the session cookie. It holds the key's name, a random
// nonce and an expiry, signed: never the key itself.
const cookieName = "faultline_session"

// sessionTTL is how long a sign-in lasts.
const sessionTTL = 12 * time.Hour

// session is what the cookie says. Name is empty before sign-in (the
// cookie then only carries the nonce the sign-in form's CSRF token is
// made from).
type session struct {
	Name    string `json:"n,omitempty"`
	Nonce   string `json:"c"`
	Expires int64  `json:"x"`
}

// SessionKey derives the key that signs session cookies from the
// configuration every replica shares: the API keys' hashes and the
// configuration's other secrets (chat webhook URLs, NATS and Elasticsearch
// passwords). Replicas with the same configuration accept each other's
// cookies with nothing more to set up; changing any key or secret signs
// everyone out. Whoever can read the configuration file can forge a
// session, as they can already read those secrets. Without keys there is
// nobody to sign in, and a random key is as good.
func SessionKey(keys []auth.Key, secrets []string) []byte {
	if len(keys) == 0 {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		return b
	}
	parts := make([]string, 0, len(keys)+len(secrets))
	for _, k := range keys {
		parts = append(parts, "key\x00"+k.Name+"\x00"+strings.ToLower(k.Hash))
	}
	for _, s := range secrets {
		parts = append(parts, "secret\x00"+s)
	}
	slices.Sort(parts)
	mac := hmac.New(sha256.New, []byte("faultline web session v1"))
	for _, p := range parts {
		mac.Write([]byte(p))
		mac.Write([]byte{0})
	}
	return mac.Sum(nil)
}

func (h *Handler) sign(payload []byte) []byte {
	mac := hmac.New(sha256.New, h.secret)
	mac.Write([]byte("cookie\x00"))
	mac.Write(payload)
	return mac.Sum(nil)
}

// readSession checks the cookie's signature and expiry.
func (h *Handler) readSession(r *http.Request) (session, error) {
	c, err := r.Cookie(cookieName)
	if err != nil {
		return session{}, errNoSession
	}
	b64, sig, ok := strings.Cut(c.Value, ".")
	if !ok {
		return session{}, errNoSession
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(b64)
	mac, err2 := base64.RawURLEncoding.DecodeString(sig)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, h.sign(payload)) {
		return session{}, errNoSession
	}
	var s session
	if json.Unmarshal(payload, &s) != nil || s.Nonce == "" || h.now().Unix() >= s.Expires {
		return session{}, errNoSession
	}
	return s, nil
}

// newSession sets a fresh cookie for name ("" before sign-in) with a new
// nonce, so a sign-in never keeps a nonce from before it.
func (h *Handler) newSession(w http.ResponseWriter, r *http.Request, name string) session {
	nonce := make([]byte, 16)
	_, _ = rand.Read(nonce)
	s := session{Name: name, Nonce: base64.RawURLEncoding.EncodeToString(nonce), Expires: h.now().Add(sessionTTL).Unix()}
	payload, _ := json.Marshal(s)
	h.setCookie(w, r, base64.RawURLEncoding.EncodeToString(payload)+"."+base64.RawURLEncoding.EncodeToString(h.sign(payload)), int(sessionTTL/time.Second))
	return s
}

func (h *Handler) clearSession(w http.ResponseWriter, r *http.Request) {
	h.setCookie(w, r, "", -1)
}

func (h *Handler) setCookie(w http.ResponseWriter, r *http.Request, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: value, Path: h.base + "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode,
		// Behind a proxy that terminates TLS the request is plain HTTP;
		// the public URL says what the browser sees.
		Secure: r.TLS != nil || h.secureCookies,
	})
}

// csrfToken is the token the forms of a session carry: a MAC of its nonce,
// which a page on another origin can neither read nor compute.
func (h *Handler) csrfToken(s session) string {
	mac := hmac.New(sha256.New, h.secret)
	mac.Write([]byte("csrf\x00"))
	mac.Write([]byte(s.Nonce))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// checkCSRF says whether a POST carries its session's token.
func (h *Handler) checkCSRF(r *http.Request, s session) bool {
	got := r.PostFormValue("csrf")
	return got != "" && hmac.Equal([]byte(got), []byte(h.csrfToken(s)))
}

// principal is who the session is: Anonymous when no keys are configured
// (as the group API does then), the signed-in key's principal, or nil.
func (h *Handler) principal(s session) *auth.Principal {
	if !h.keys.Enabled() {
		return auth.Anonymous
	}
	if s.Name == "" {
		return nil
	}
	p, ok := h.keys.Named(s.Name)
	if !ok || !p.Has(auth.RoleRead) {
		return nil
	}
	return p
}
