package kibana

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faultline/faultline/schemas"
)

// Credentials with characters that must be escaped in a URL, so the test
// also proves they are decoded before being sent.
const (
	testUser     = "faultline-admin"
	testPassword = "s3cr3t p@ss/word"
)

// baseURLWithAuth puts the test credentials into a server URL the way an
// operator writes FAULTLINE_KIBANA_URL.
func baseURLWithAuth(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(testUser, testPassword)
	return u.String()
}

// assertNoSecrets fails if any form of the credentials is in the error.
func assertNoSecrets(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	for _, s := range []string{
		testPassword, url.QueryEscape(testPassword), url.PathEscape(testPassword), "s3cr3t",
		testUser, url.QueryEscape(testUser),
		base64.StdEncoding.EncodeToString([]byte(testUser + ":" + testPassword)),
	} {
		if strings.Contains(msg, s) {
			t.Errorf("error leaks %q: %s", s, msg)
		}
	}
}

// checkImportRequest is what Kibana's import route requires of a request;
// any deviation fails the test from the server side.
func checkImportRequest(t *testing.T, r *http.Request, wantPath string) {
	t.Helper()
	if r.Method != http.MethodPost {
		t.Errorf("method %s, want POST", r.Method)
	}
	if r.URL.Path != wantPath {
		t.Errorf("path %s, want %s", r.URL.Path, wantPath)
	}
	if got := r.URL.Query().Get("overwrite"); got != "true" {
		t.Errorf("overwrite=%q, want true (re-imports must replace the objects)", got)
	}
	if got := r.Header.Get("kbn-xsrf"); got != "true" {
		t.Errorf("kbn-xsrf %q, want true", got)
	}
	if user, pass, ok := r.BasicAuth(); !ok || user != testUser || pass != testPassword {
		t.Errorf("basic auth %q/%q (ok=%v), want the credentials from the URL", user, pass, ok)
	}
	mr, err := r.MultipartReader()
	if err != nil {
		t.Errorf("not multipart/form-data: %v", err)
		return
	}
	part, err := mr.NextPart()
	if err != nil {
		t.Errorf("no multipart part: %v", err)
		return
	}
	if part.FormName() != "file" {
		t.Errorf("part name %q, want file", part.FormName())
	}
	if !strings.HasSuffix(part.FileName(), ".ndjson") || part.FileName() != "faultline.ndjson" {
		t.Errorf("file name %q, want faultline.ndjson", part.FileName())
	}
	got, err := io.ReadAll(part)
	if err != nil {
		t.Errorf("reading the part: %v", err)
	}
	if !bytes.Equal(got, schemas.KibanaSavedObjects) {
		t.Errorf("uploaded %d bytes that differ from the embedded NDJSON (%d bytes)", len(got), len(schemas.KibanaSavedObjects))
	}
	if _, err := mr.NextPart(); err != io.EOF {
		t.Errorf("more than one part (err %v)", err)
	}
}

// fakeImport serves the import API: it checks each request and answers with
// status and body.
func fakeImport(t *testing.T, wantPath string, status int, body string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		checkImportRequest(t, r, wantPath)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func TestImportSuccess(t *testing.T) {
	srv, calls := fakeImport(t, "/api/saved_objects/_import", http.StatusOK,
		`{"success":true,"successCount":8,"successResults":[{"type":"index-pattern","id":"faultline-logs","meta":{"title":"logs-faultline-*"},"overwrite":true}]}`)
	base := baseURLWithAuth(t, srv.URL)
	// Twice: with overwrite a second start-up imports over the first.
	for range 2 {
		if err := Import(context.Background(), srv.Client(), base, schemas.KibanaSavedObjects); err != nil {
			t.Fatalf("Import: %v", err)
		}
	}
	if n := calls.Load(); n != 2 {
		t.Fatalf("%d requests, want 2", n)
	}
}

func TestImportUnderBasePath(t *testing.T) {
	srv, calls := fakeImport(t, "/kibana/api/saved_objects/_import", http.StatusOK, `{"success":true,"successCount":8}`)
	if err := Import(context.Background(), srv.Client(), baseURLWithAuth(t, srv.URL+"/kibana/"), schemas.KibanaSavedObjects); err != nil {
		t.Fatalf("Import: %v", err)
	}
	if calls.Load() != 1 {
		t.Fatal("no request reached the base path")
	}
}

func TestImportObjectErrors(t *testing.T) {
	// The shapes of Kibana's import errors; the "unknown" message echoes the
	// password, as a misbehaving plugin or proxy might.
	body := `{"success":false,"successCount":5,"errors":[
	  {"id":"faultline-overview","type":"dashboard","title":"faultline overview","meta":{"title":"faultline overview","icon":"dashboardApp"},
	   "error":{"type":"missing_references","references":[{"type":"lens","id":"faultline-top-groups"},{"type":"search","id":"faultline-errors-by-service"}]}},
	  {"id":"faultline-logs","type":"index-pattern","meta":{"title":"logs-faultline-*","icon":"indexPatternApp"},
	   "error":{"type":"unknown","message":"request with password ` + testPassword + ` failed","statusCode":500}},
	  {"id":"faultline-top-groups","type":"lens","title":"Top error groups","meta":{"title":"Top error groups"},
	   "error":{"type":"conflict","destinationId":"faultline-top-groups"}}
	]}`
	srv, _ := fakeImport(t, "/api/saved_objects/_import", http.StatusOK, body)
	err := Import(context.Background(), srv.Client(), baseURLWithAuth(t, srv.URL), schemas.KibanaSavedObjects)
	if err == nil {
		t.Fatal("Import succeeded despite per-object errors")
	}
	assertNoSecrets(t, err)
	var ie *ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("error %T, want *ImportError: %v", err, err)
	}
	if ie.SuccessCount != 5 || len(ie.Objects) != 3 {
		t.Errorf("successCount %d, %d objects; want 5 and 3", ie.SuccessCount, len(ie.Objects))
	}
	if ie.Objects[1].Title != "logs-faultline-*" {
		t.Errorf("title %q taken from meta, want logs-faultline-*", ie.Objects[1].Title)
	}
	for _, want := range []string{
		"dashboard/faultline-overview: missing_references (lens/faultline-top-groups, search/faultline-errors-by-service)",
		"index-pattern/faultline-logs: unknown: request with password [redacted] failed",
		"lens/faultline-top-groups: conflict",
		"3 objects failed (5 imported)",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %q:\n%v", want, err)
		}
	}
}

func TestImportUnsuccessfulWithoutErrors(t *testing.T) {
	srv, _ := fakeImport(t, "/api/saved_objects/_import", http.StatusOK, `{"success":false,"successCount":0}`)
	err := Import(context.Background(), srv.Client(), baseURLWithAuth(t, srv.URL), schemas.KibanaSavedObjects)
	var ie *ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("error %v, want *ImportError", err)
	}
}

func TestImportServerError(t *testing.T) {
	srv, _ := fakeImport(t, "/api/saved_objects/_import", http.StatusInternalServerError,
		`{"statusCode":500,"error":"Internal Server Error","message":"An internal server error occurred for `+testUser+`"}`)
	err := Import(context.Background(), srv.Client(), baseURLWithAuth(t, srv.URL), schemas.KibanaSavedObjects)
	assertNoSecrets(t, err)
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != http.StatusInternalServerError {
		t.Fatalf("error %v, want a StatusError with 500", err)
	}
	if !strings.Contains(err.Error(), "An internal server error occurred") {
		t.Errorf("Kibana's message is missing: %v", err)
	}
}

func TestImportUnauthorized(t *testing.T) {
	// A proxy that echoes the Authorization header and the user back.
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		checkImportRequest(t, r, "/api/saved_objects/_import")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"statusCode":401,"error":"Unauthorized","message":"unable to authenticate user [`+testUser+`] with `+r.Header.Get("Authorization")+`"}`)
	}))
	defer srv.Close()
	err := Import(context.Background(), srv.Client(), baseURLWithAuth(t, srv.URL), schemas.KibanaSavedObjects)
	assertNoSecrets(t, err)
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != http.StatusUnauthorized {
		t.Fatalf("error %v, want a StatusError with 401", err)
	}
	if calls.Load() != 1 {
		t.Errorf("%d requests, want 1", calls.Load())
	}
}

func TestErrorsNeverCarryCredentials(t *testing.T) {
	// Nothing listens here any more: the transport error quotes the URL.
	srv := httptest.NewServer(http.NotFoundHandler())
	base := baseURLWithAuth(t, srv.URL)
	srv.Close()
	err := Import(context.Background(), http.DefaultClient, base, schemas.KibanaSavedObjects)
	if err == nil {
		t.Fatal("Import to a closed server succeeded")
	}
	assertNoSecrets(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	shortBackoff(t)
	_, err = WaitReady(ctx, http.DefaultClient, base)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitReady on a closed server: %v, want a deadline error", err)
	}
	assertNoSecrets(t, err)

	// url.Parse quotes its whole input in its error.
	bad := "http://" + testUser + ":s3cr3t%zz@127.0.0.1:1"
	_, waitErr := WaitReady(context.Background(), nil, bad)
	for _, err := range []error{
		Import(context.Background(), nil, bad, schemas.KibanaSavedObjects),
		waitErr,
	} {
		if err == nil {
			t.Fatal("a malformed URL was accepted")
		}
		assertNoSecrets(t, err)
	}
}

func shortBackoff(t *testing.T) {
	first, max := readyFirstDelay, readyMaxDelay
	readyFirstDelay, readyMaxDelay = time.Millisecond, 5*time.Millisecond
	t.Cleanup(func() { readyFirstDelay, readyMaxDelay = first, max })
}

// fakeStatus answers GET /api/status with answers[i] for the i-th request
// and the last one after that.
func fakeStatus(t *testing.T, answers []func(w http.ResponseWriter)) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(calls.Add(1))
		if r.Method != http.MethodGet || r.URL.Path != "/api/status" {
			t.Errorf("%s %s, want GET /api/status", r.Method, r.URL.Path)
		}
		if user, pass, ok := r.BasicAuth(); !ok || user != testUser || pass != testPassword {
			t.Errorf("basic auth %q/%q (ok=%v), want the credentials from the URL", user, pass, ok)
		}
		answers[min(n, len(answers))-1](w)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func answer(code int, body string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

// kibanaStatus is GET /api/status as Kibana 8.x answers it (v8format, the
// default): the overall level is the worst of the core services and the
// plugins, each with a level and a summary.
func kibanaStatus(overall, summary, core, plugin string) string {
	return `{"name":"kibana","uuid":"5b2de169-2785-441b-ae8c-186a1936b17d",` +
		`"version":{"number":"8.15.0","build_hash":"e5ae7b5b","build_number":76360,"build_snapshot":false,"build_flavor":"traditional","build_date":"2024-08-02T11:12:43.000Z"},` +
		`"status":{"overall":{"level":"` + overall + `","summary":"` + summary + `"},` +
		`"core":{"elasticsearch":{"level":"` + core + `","summary":"Elasticsearch is ` + core + `","meta":{"warningNodes":[],"incompatibleNodes":[]}},` +
		`"savedObjects":{"level":"` + core + `","summary":"SavedObjects service has completed migrations and is ` + core + `","meta":{"migratedIndices":{"migrated":0,"skipped":0,"patched":7}}}},` +
		`"plugins":{"alerting":{"level":"` + plugin + `","summary":"Alerting is ` + plugin + `","reported":true},` +
		`"taskManager":{"level":"available","summary":"Task Manager is healthy","reported":true}}},` +
		`"metrics":{"last_updated":"2026-12-03T13:00:00.000Z","collection_interval_in_millis":5000,"requests":{"disconnects":0,"total":3}}}`
}

func TestWaitReady(t *testing.T) {
	shortBackoff(t)
	srv, calls := fakeStatus(t, []func(http.ResponseWriter){
		answer(http.StatusServiceUnavailable, "Kibana server is not ready yet"), // before the HTTP routes exist
		answer(http.StatusServiceUnavailable, kibanaStatus("unavailable", "1 service is unavailable: savedObjects", "unavailable", "available")),
		answer(http.StatusOK, kibanaStatus("available", "All services and plugins are available", "available", "available")),
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := WaitReady(ctx, srv.Client(), baseURLWithAuth(t, srv.URL))
	if err != nil {
		t.Fatalf("WaitReady: %v", err)
	}
	if n := calls.Load(); n != 3 {
		t.Fatalf("%d polls, want 3 (ready at the third)", n)
	}
	if st.Level != "available" || st.Degraded() {
		t.Errorf("status %+v (degraded %v), want available and not degraded", st, st.Degraded())
	}
}

// A degraded Kibana (here a plugin, core available, HTTP 200) serves the
// import API, so setup goes on and says so instead of timing out.
func TestWaitReadyAcceptsDegraded(t *testing.T) {
	shortBackoff(t)
	srv, calls := fakeStatus(t, []func(http.ResponseWriter){
		answer(http.StatusServiceUnavailable, "Kibana server is not ready yet"),
		// The summary echoes the user, as a plugin's message might.
		answer(http.StatusOK, kibanaStatus("degraded", "1 service is degraded: alerting (run by "+testUser+")", "available", "degraded")),
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := WaitReady(ctx, srv.Client(), baseURLWithAuth(t, srv.URL))
	if err != nil {
		t.Fatalf("WaitReady on a degraded Kibana: %v", err)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("%d polls, want 2 (ready at the first degraded answer)", n)
	}
	if !st.Degraded() || st.Level != "degraded" {
		t.Errorf("status %+v, want degraded", st)
	}
	if want := "1 service is degraded: alerting (run by [redacted])"; st.Summary != want {
		t.Errorf("summary %q, want %q (Kibana's own, credentials removed)", st.Summary, want)
	}
}

// Levels under which Kibana does not serve reliably keep WaitReady waiting
// until its deadline, whatever the HTTP code (Kibana derives the code from
// the core services only, so a critical plugin still answers 200), and the
// error names the level.
func TestWaitReadyRefusesUnavailableAndCritical(t *testing.T) {
	shortBackoff(t)
	for _, c := range []struct {
		name, level, body string
		code              int
	}{
		{"plugin unavailable", "unavailable", kibanaStatus("unavailable", "1 service is unavailable: alerting", "available", "unavailable"), http.StatusOK},
		{"plugin critical", "critical", kibanaStatus("critical", "1 service is critical: alerting", "available", "critical"), http.StatusOK},
		{"core unavailable", "unavailable", kibanaStatus("unavailable", "2 services are unavailable: elasticsearch, savedObjects", "unavailable", "available"), http.StatusServiceUnavailable},
		{"core critical", "critical", kibanaStatus("critical", "1 service is critical: elasticsearch", "critical", "available"), http.StatusServiceUnavailable},
		// Not an answer Kibana gives; a degraded level under a 503 is not trusted.
		{"degraded under 503", "degraded", kibanaStatus("degraded", "1 service is degraded: alerting", "degraded", "available"), http.StatusServiceUnavailable},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv, calls := fakeStatus(t, []func(http.ResponseWriter){answer(c.code, c.body)})
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			st, err := WaitReady(ctx, srv.Client(), baseURLWithAuth(t, srv.URL))
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("WaitReady: status %+v, error %v; want a deadline error", st, err)
			}
			if !strings.Contains(err.Error(), `"`+c.level+`"`) {
				t.Errorf("error does not name level %q: %v", c.level, err)
			}
			if calls.Load() < 2 {
				t.Errorf("%d polls: it gave up instead of waiting", calls.Load())
			}
			assertNoSecrets(t, err)
		})
	}
}

func TestWaitReadyStopsOnUnauthorized(t *testing.T) {
	shortBackoff(t)
	srv, calls := fakeStatus(t, []func(http.ResponseWriter){
		answer(http.StatusUnauthorized, `{"statusCode":401,"error":"Unauthorized","message":"unable to authenticate user [`+testUser+`]"}`),
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := WaitReady(ctx, srv.Client(), baseURLWithAuth(t, srv.URL))
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != http.StatusUnauthorized {
		t.Fatalf("error %v, want a StatusError with 401", err)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("%d polls, want 1: waiting does not fix credentials", n)
	}
	assertNoSecrets(t, err)
}

// TestDiscoverURL: the link opens Discover on the group's events, the
// fingerprint quoted in KQL and escaped in the URL; nothing without a base.
func TestDiscoverURL(t *testing.T) {
	got := DiscoverURL("https://kibana.example.com", "ab12")
	want := "https://kibana.example.com/app/discover#/?_a=(query:(language:kuery,query:'faultline.fingerprint%3A%22ab12%22'))"
	if got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	if DiscoverURL("", "ab12") != "" || DiscoverURL("https://k", "") != "" {
		t.Error("a link without a base or a fingerprint")
	}
}
