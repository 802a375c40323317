package web

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/auth"
)

func sessionHandler(t testing.TB) *Handler {
	keys := []auth.Key{{Name: "oncall", Roles: []auth.Role{auth.RoleAdmin}, Hash: auth.Hash("k")}}
	k, err := auth.New(keys)
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(Config{Keys: k, SessionKey: SessionKey(keys, nil), Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// cookieOf signs in as name and returns the cookie's value.
func cookieOf(h *Handler, name string) string {
	rec := httptest.NewRecorder()
	h.newSession(rec, httptest.NewRequest("GET", "/", nil), name)
	c := rec.Result().Cookies()[0]
	return c.Value
}

func readCookie(h *Handler, value string) (session, error) {
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: cookieName, Value: value})
	return h.readSession(r)
}

// TestSessionCookieHostile: a cookie is a session only as the server
// signed it, unexpired, under the same configuration.
func TestSessionCookieHostile(t *testing.T) {
	h := sessionHandler(t)
	good := cookieOf(h, "oncall")
	if s, err := readCookie(h, good); err != nil || h.principal(s) == nil || h.principal(s).Name != "oncall" {
		t.Fatalf("own cookie: %+v %v", s, err)
	}
	payload, sig, _ := strings.Cut(good, ".")
	other := sessionHandler(t)
	other.secret = SessionKey([]auth.Key{{Name: "oncall", Hash: auth.Hash("another")}}, nil)
	expired := *h
	expired.now = func() time.Time { return time.Now().Add(-sessionTTL - time.Minute) }
	hostile := map[string]string{
		"empty":                "",
		"no signature":         payload,
		"signature only":       "." + sig,
		"swapped":              sig + "." + payload,
		"payload changed":      "eyJj" + good[4:],
		"bad base64":           "!!!." + sig,
		"other configuration":  cookieOf(other, "oncall"),
		"expired":              cookieOf(&expired, "oncall"),
		"unsigned forged name": "eyJuIjoib25jYWxsIiwiYyI6IngiLCJ4Ijo5OTk5OTk5OTk5fQ.AAAA",
	}
	for name, v := range hostile {
		if s, err := readCookie(h, v); err == nil && h.principal(s) != nil {
			t.Errorf("%s: accepted as %s", name, s.Name)
		}
	}
	// Another replica with the same configuration takes the cookie.
	if s, err := readCookie(sessionHandler(t), good); err != nil || s.Name != "oncall" {
		t.Errorf("another replica: %+v %v", s, err)
	}
	// A name that is no longer a key (rotated away) is no principal.
	s, err := readCookie(h, cookieOf(h, "gone"))
	if err != nil || h.principal(s) != nil {
		t.Errorf("a session of a removed key: %+v %v", s, err)
	}
}

// FuzzSessionCookie: no cookie value panics the reader or signs anyone in.
func FuzzSessionCookie(f *testing.F) {
	h := sessionHandler(f)
	// The same in every fuzzing process, unlike a fresh session's nonce.
	payload := []byte(`{"n":"oncall","c":"fixed-nonce","x":4102444800}`)
	good := base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(h.sign(payload))
	for _, seed := range []string{"", ".", good, good + "x", strings.ToUpper(good), "a.b.c"} {
		f.Add(seed)
	}
	want, _ := readCookie(h, good)
	f.Fuzz(func(t *testing.T, v string) {
		// Only what the server signed may pass (base64 may spell the same
		// bytes more than one way).
		if s, err := readCookie(h, v); err == nil && s != want {
			t.Fatalf("%q accepted as %+v", v, s)
		}
	})
}

// TestCursorHostile: a cursor that is not one of this list's is a 400.
func TestCursorHostile(t *testing.T) {
	for _, c := range []string{"x", "W10", "WzEsMiwzXQ", "bnVsbA", "%%", "t-1"} {
		if _, err := decodeCursor(c); err == nil {
			t.Errorf("cursor %q accepted", c)
		}
	}
	if v, err := decodeCursor(encodeCursor([]any{float64(1733200000000), "abc"})); err != nil || len(v) != 2 {
		t.Errorf("own cursor: %v %v", v, err)
	}
}
