package ingest

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/faultline/faultline/internal/auth"
)

// TestEveryRouteNeedsAKey walks every route ingest and the operator routes
// put on the mux, with auth on: only /healthz and /readyz answer without a
// key; /metrics needs read; everything else, the Elasticsearch handshake
// included, needs an ingest key.
func TestEveryRouteNeedsAKey(t *testing.T) {
	h := newHarness(t, Config{Auth: keys(t,
		auth.Key{Service: "orders", Hash: auth.Hash("ingest-secret")},
		auth.Key{Name: "dashboards", Roles: []auth.Role{auth.RoleRead}, Hash: auth.Hash("read-secret")},
	)})
	bulk := `{"create":{}}` + "\n" + `{"message":"boom","level":"ERROR"}` + "\n"
	routes := []struct {
		method, path, body string
		need               auth.Role // "" = no key needed
	}{
		{"GET", "/healthz", "", ""},
		{"GET", "/readyz", "", ""},
		{"GET", "/metrics", "", auth.RoleRead},
		{"POST", "/v1/logs", `{"message":"boom","level":"ERROR"}`, auth.RoleIngest},
		{"POST", "/_bulk", bulk, auth.RoleIngest},
		{"PUT", "/_bulk", bulk, auth.RoleIngest},
		{"POST", "/logs-app/_bulk", bulk, auth.RoleIngest},
		{"GET", "/", "", auth.RoleIngest},
		{"HEAD", "/", "", auth.RoleIngest},
		{"GET", "/_license", "", auth.RoleIngest},
		{"GET", "/_cluster/health", "", auth.RoleIngest},
	}
	for _, p := range []string{"/_index_template/x", "/_template/x", "/_ilm/policy/x", "/_component_template/x"} {
		for _, m := range []string{"PUT", "GET", "HEAD"} {
			routes = append(routes, struct {
				method, path, body string
				need               auth.Role
			}{m, p, "{}", auth.RoleIngest})
		}
	}
	do := func(method, path, body, authz string) int {
		t.Helper()
		req, _ := http.NewRequest(method, h.http.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if authz != "" {
			req.Header.Set("Authorization", authz)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode == http.StatusUnauthorized && res.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s %s: 401 without WWW-Authenticate", method, path)
		}
		return res.StatusCode
	}
	ok := func(code int) bool { return code != http.StatusUnauthorized && code != http.StatusForbidden }
	for _, r := range routes {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			none := do(r.method, r.path, r.body, "")
			unknown := do(r.method, r.path, r.body, "Bearer not-a-key")
			asRead := do(r.method, r.path, r.body, "Bearer read-secret")
			asIngest := do(r.method, r.path, r.body, "ApiKey "+base64.StdEncoding.EncodeToString([]byte("id:ingest-secret")))
			switch r.need {
			case "":
				if !ok(none) || !ok(unknown) {
					t.Errorf("without a key %d, with an unknown key %d: want it open", none, unknown)
				}
			case auth.RoleRead:
				if none != http.StatusUnauthorized || unknown != http.StatusForbidden || asIngest != http.StatusForbidden || !ok(asRead) {
					t.Errorf("no key %d, unknown key %d, ingest key %d, read key %d: want 401, 403, 403 and through", none, unknown, asIngest, asRead)
				}
			case auth.RoleIngest:
				if none != http.StatusUnauthorized || unknown != http.StatusForbidden || asRead != http.StatusForbidden || !ok(asIngest) {
					t.Errorf("no key %d, unknown key %d, read key %d, ingest key %d: want 401, 403, 403 and through", none, unknown, asRead, asIngest)
				}
			}
		})
	}
}
