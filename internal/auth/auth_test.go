package auth

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func mustNew(t *testing.T, ks ...Key) *Keys {
	t.Helper()
	k, err := New(ks)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestRolesAndScope(t *testing.T) {
	k := mustNew(t,
		Key{Service: "checkout", Hash: Hash("ingest-1")},
		Key{Name: "grafana", Roles: []Role{RoleRead}, Services: []string{"checkout-*", "pay?"}, Hash: Hash("read-1")},
		Key{Name: "oncall", Roles: []Role{RoleAdmin}, Hash: Hash("admin-1")},
		Key{Name: "ci", Roles: []Role{RoleIngest, RoleRead}, Service: "builds", Hash: Hash("both-1")},
	)
	for _, tc := range []struct {
		secret, name, service string
		ingest, read, admin   bool
		sees, hidden          []string
	}{
		{"ingest-1", "checkout", "checkout", true, false, false, []string{"anything"}, nil},
		{"read-1", "grafana", "", false, true, false, []string{"checkout-api", "pays"}, []string{"checkout", "payments", "checkout-a/b"}},
		{"admin-1", "oncall", "", false, true, true, []string{"checkout", "x"}, nil},
		{"both-1", "ci", "builds", true, true, false, nil, nil},
	} {
		p, ok := k.Lookup(tc.secret)
		if !ok {
			t.Fatalf("%s: not found", tc.secret)
		}
		if p.Name != tc.name || p.Service != tc.service || p.Has(RoleIngest) != tc.ingest || p.Has(RoleRead) != tc.read || p.Has(RoleAdmin) != tc.admin {
			t.Errorf("%s: %+v roles %v; want name %s service %q ingest %v read %v admin %v", tc.secret, p, p.Roles(), tc.name, tc.service, tc.ingest, tc.read, tc.admin)
		}
		for _, s := range tc.sees {
			if !p.Sees(s) {
				t.Errorf("%s does not see %q", tc.name, s)
			}
		}
		for _, s := range tc.hidden {
			if p.Sees(s) {
				t.Errorf("%s sees %q", tc.name, s)
			}
		}
	}
	if _, ok := k.Lookup("ingest-2"); ok {
		t.Error("an unknown secret was found")
	}
	if _, ok := k.Lookup(""); ok {
		t.Error("the empty secret was found")
	}
}

func TestKeyFormats(t *testing.T) {
	k := mustNew(t, Key{Service: "checkout", Hash: Hash("s3cret")})
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, tc := range []struct {
		header string
		status int // 0 = authenticated
	}{
		{"Bearer s3cret", 0},
		{"bearer   s3cret ", 0},
		{"ApiKey " + b64("some-id:s3cret"), 0},
		{"ApiKey s3cret", 0},
		{"Basic " + b64("elastic:s3cret"), 0},
		{"", http.StatusUnauthorized},
		{"Bearer", http.StatusUnauthorized},
		{"Basic " + b64("s3cret:"), http.StatusUnauthorized},
		{"Basic not-base64", http.StatusUnauthorized},
		{"Token s3cret", http.StatusUnauthorized},
		{"Bearer S3CRET", http.StatusForbidden},
		{"ApiKey " + b64("s3cret:other"), http.StatusForbidden},
		{"Bearer s3cret\x00", http.StatusForbidden},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", tc.header)
		p, err := k.Authenticate(r)
		switch {
		case tc.status == 0 && (err != nil || p.Name != "checkout"):
			t.Errorf("%q: %v %v, want the checkout key", tc.header, p, err)
		case tc.status != 0 && (err == nil || Status(err) != tc.status):
			t.Errorf("%q: %v, want %d", tc.header, err, tc.status)
		}
	}
}

func TestNoKeysIsAnonymousWithEveryRole(t *testing.T) {
	for _, k := range []*Keys{nil, mustNew(t)} {
		p, err := k.Authorize(httptest.NewRequest("GET", "/", nil), RoleAdmin)
		if err != nil || !p.Anonymous || !p.Has(RoleIngest) || !p.Has(RoleRead) || !p.Sees("any") || p.Service != "" {
			t.Errorf("no keys: %+v %v", p, err)
		}
	}
}

func TestRequire(t *testing.T) {
	k := mustNew(t, Key{Service: "checkout", Hash: Hash("ingest-1")}, Key{Name: "ops", Roles: []Role{RoleAdmin}, Hash: Hash("admin-1")})
	h := k.Require(RoleRead, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(FromContext(r.Context()).Name))
	}))
	for _, tc := range []struct {
		header string
		status int
		body   string
	}{
		{"", http.StatusUnauthorized, "missing API key"},
		{"Bearer nope", http.StatusForbidden, "unknown API key"},
		{"Bearer ingest-1", http.StatusForbidden, `key \"checkout\" does not have the read role`},
		{"Bearer admin-1", http.StatusOK, "ops"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if tc.header != "" {
			r.Header.Set("Authorization", tc.header)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.body) {
			t.Errorf("%q: %d %s, want %d with %q", tc.header, rec.Code, rec.Body.String(), tc.status, tc.body)
		}
		if tc.status == http.StatusUnauthorized && rec.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("%q: 401 without WWW-Authenticate", tc.header)
		}
	}
}

func TestNewReportsEveryProblem(t *testing.T) {
	_, err := New([]Key{
		{Name: "a", Roles: []Role{"ingest", "superuser"}, Service: "x", Hash: Hash("1")},
		{Name: "a", Roles: []Role{RoleRead}, Hash: Hash("2")},
		{Name: "b", Roles: []Role{RoleIngest}, Hash: Hash("3")},
		{Name: "c", Roles: []Role{RoleRead}, Services: []string{"ok-*", "bad["}, Hash: Hash("4")},
		{Name: "d", Roles: []Role{RoleRead}, Hash: "md5:abc"},
		{Name: "e", Roles: []Role{RoleRead}, Hash: Hash("4")},
	})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`auth.keys[0] (a): unknown role "superuser"`,
		`auth.keys[1]: duplicate name "a"`,
		`auth.keys[2] (b): an ingest key needs a service`,
		`auth.keys[3] (c): bad service pattern "bad["`,
		`auth.keys[4] (d): hash must be "sha256:"`,
		`auth.keys[5] (e): same hash as auth.keys[3]`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
}

// Existing configurations, keys with only service and hash, keep working as
// ingest keys, and two keys of one service (a rotation) get distinct names.
func TestDefaultsKeepOldKeysWorking(t *testing.T) {
	k := mustNew(t, Key{Service: "checkout", Hash: Hash("old")}, Key{Service: "checkout", Hash: Hash("new")}, Key{Name: "checkout#1", Roles: []Role{RoleRead}, Hash: Hash("r")})
	old, _ := k.Lookup("old")
	rotated, _ := k.Lookup("new")
	if old.Name != "checkout" || !old.Has(RoleIngest) || old.Has(RoleRead) || rotated.Name == old.Name || rotated.Name == "checkout#1" {
		t.Errorf("old %+v, rotated %+v", old, rotated)
	}
}

func TestCheckListen(t *testing.T) {
	for _, tc := range []struct {
		addr                   string
		credentials, anonymous bool
		refused                bool
	}{
		{"127.0.0.1:8080", false, false, false},
		{"localhost:8080", false, false, false},
		{"[::1]:8080", false, false, false},
		{"127.0.0.1:0", false, false, false},
		{"0.0.0.0:8080", false, false, true},
		{":8080", false, false, true},
		{"[::]:8080", false, false, true},
		{"10.0.0.5:8080", false, false, true},
		{"faultline.internal:8080", false, false, true},
		{"0.0.0.0:8080", true, false, false},
		{"0.0.0.0:8080", false, true, false},
	} {
		err := CheckListen("ingest", tc.addr, tc.credentials, tc.anonymous)
		if (err != nil) != tc.refused {
			t.Errorf("%s (credentials %v, anonymous %v): %v, want refused %v", tc.addr, tc.credentials, tc.anonymous, err, tc.refused)
		}
		if err != nil && (!strings.Contains(err.Error(), tc.addr) || !strings.Contains(err.Error(), "--allow-anonymous") || !strings.Contains(err.Error(), "auth.keys") || strings.Contains(err.Error(), "\n")) {
			t.Errorf("%s: the refusal must be one line naming the address and the ways out: %v", tc.addr, err)
		}
	}
}

// A key found outside the Authorization header (a Sentry DSN's) goes
// through the same checks.
func TestAuthorizeKey(t *testing.T) {
	k := mustNew(t, Key{Service: "checkout", Hash: Hash("ingest-1")}, Key{Name: "ops", Roles: []Role{RoleAdmin}, Hash: Hash("admin-1")})
	for _, tc := range []struct {
		key    string
		role   Role
		status int
	}{
		{"ingest-1", RoleIngest, 0},
		{"admin-1", RoleRead, 0},
		{"admin-1", RoleIngest, http.StatusForbidden},
		{"ingest-1", RoleAdmin, http.StatusForbidden},
		{"other", RoleIngest, http.StatusForbidden},
		{"", RoleIngest, http.StatusUnauthorized},
	} {
		_, err := k.AuthorizeKey(tc.key, tc.role)
		if (tc.status == 0) != (err == nil) || (err != nil && Status(err) != tc.status) {
			t.Errorf("%q as %s: %v, want %d", tc.key, tc.role, err, tc.status)
		}
	}
}

// FuzzAuthenticate: whatever the Authorization header holds, the answer is
// the key's principal only when the header carries its secret, else 401 or
// 403, and never a panic.
func FuzzAuthenticate(f *testing.F) {
	for _, seed := range []string{"Bearer s3cret", "ApiKey czNjcmV0", "ApiKey aWQ6czNjcmV0", "Basic dTpzM2NyZXQ=", "Basic ::", "ApiKey ====", "bearer", " Bearer s3cret", "Bearer \xff"} {
		f.Add(seed)
	}
	k, err := New([]Key{{Service: "checkout", Hash: Hash("s3cret")}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, header string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header["Authorization"] = []string{header}
		p, err := k.Authenticate(r)
		switch {
		case err == nil && FromRequest(r) != "s3cret":
			t.Fatalf("%q authenticated as %v", header, p)
		case err != nil && Status(err) != http.StatusUnauthorized && Status(err) != http.StatusForbidden:
			t.Fatalf("%q: %v", header, err)
		}
	})
}
