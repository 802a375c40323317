// Package kibana installs faultline's saved objects (data views, saved
// searches, Lens visualizations, the overview dashboard) through Kibana's
// saved objects import API, so a fresh Kibana shows faultline's data without
// anyone building views by hand.
//
// The base URL may carry basic-auth credentials (https://user:pass@kibana:5601).
// They are sent only in the Authorization header and never appear in an
// error: errors end up in logs and alerts.
package kibana

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"time"
)

// maxBody bounds how much of a response is read: import answers for a few
// objects are small, and an error page is only quoted in part.
const maxBody = 1 << 20

// Backoff of WaitReady: Kibana takes tens of seconds to start (migrations
// run first), so polling starts fast and settles at a few seconds. Variables
// so tests can shorten them.
var (
	readyFirstDelay = 500 * time.Millisecond
	readyMaxDelay   = 5 * time.Second
)

// StatusError is an HTTP answer other than 200. Callers may retry a 5xx;
// a 4xx needs a change of configuration or of the objects.
type StatusError struct {
	Op         string // "import" or "status"
	StatusCode int
	Message    string // Kibana's own reason, with any credentials removed
}

func (e *StatusError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("kibana %s: HTTP %d", e.Op, e.StatusCode)
	}
	return fmt.Sprintf("kibana %s: HTTP %d: %s", e.Op, e.StatusCode, e.Message)
}

// ObjectError is one saved object that Kibana refused to import.
type ObjectError struct {
	Type      string
	ID        string
	Title     string
	ErrorType string // conflict, ambiguous_conflict, missing_references, unsupported_type, unknown
	Message   string // set for "unknown" errors
	// Missing lists type/id of the references Kibana could not find
	// (ErrorType missing_references).
	Missing []string
}

func (e ObjectError) String() string {
	s := e.Type + "/" + e.ID + ": " + e.ErrorType
	if len(e.Missing) > 0 {
		s += " (" + strings.Join(e.Missing, ", ") + ")"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// ImportError reports the objects an import did not create. Kibana imports
// the others, so a retry after fixing the cause is safe (overwrite=true).
type ImportError struct {
	SuccessCount int
	Objects      []ObjectError
}

func (e *ImportError) Error() string {
	if len(e.Objects) == 0 {
		return fmt.Sprintf("kibana import: not successful (%d objects imported) and no object named as failed", e.SuccessCount)
	}
	parts := make([]string, len(e.Objects))
	for i, o := range e.Objects {
		parts[i] = o.String()
	}
	return fmt.Sprintf("kibana import: %d objects failed (%d imported): %s",
		len(e.Objects), e.SuccessCount, strings.Join(parts, "; "))
}

// Import uploads ndjson (a saved-objects export, such as
// schemas.KibanaSavedObjects) with POST /api/saved_objects/_import?overwrite=true.
// Overwriting makes it idempotent: running it at every start-up leaves
// Kibana with exactly these objects, whatever a user changed in them.
func Import(ctx context.Context, client *http.Client, baseURL string, ndjson []byte) error {
	ep, err := parseBaseURL(baseURL)
	if err != nil {
		return err
	}
	if client == nil {
		client = http.DefaultClient
	}
	if len(bytes.TrimSpace(ndjson)) == 0 {
		// Kibana would answer success with nothing imported.
		return errors.New("kibana import: no saved objects to import")
	}

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := make(textproto.MIMEHeader)
	// Kibana reads the part named "file" and refuses names not ending in .ndjson.
	h.Set("Content-Disposition", `form-data; name="file"; filename="faultline.ndjson"`)
	h.Set("Content-Type", "application/ndjson")
	part, err := mw.CreatePart(h)
	if err != nil {
		return fmt.Errorf("kibana import: %w", err)
	}
	if _, err := part.Write(ndjson); err != nil {
		return fmt.Errorf("kibana import: %w", err)
	}
	if err := mw.Close(); err != nil {
		return fmt.Errorf("kibana import: %w", err)
	}

	u := ep.at("api/saved_objects/_import")
	u.RawQuery = url.Values{"overwrite": {"true"}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), &body)
	if err != nil {
		return ep.redact(fmt.Errorf("kibana import: %w", err))
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("kbn-xsrf", "true") // Kibana rejects API writes without it
	ep.authorize(req)

	res, err := client.Do(req)
	if err != nil {
		return ep.redact(fmt.Errorf("kibana import: %w", err))
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	if err != nil {
		return ep.redact(fmt.Errorf("kibana import: reading the answer: %w", err))
	}
	if res.StatusCode != http.StatusOK {
		return ep.statusError("import", res.StatusCode, raw)
	}

	var answer struct {
		Success      bool `json:"success"`
		SuccessCount int  `json:"successCount"`
		Errors       []struct {
			ID    string `json:"id"`
			Type  string `json:"type"`
			Title string `json:"title"`
			Meta  struct {
				Title string `json:"title"`
			} `json:"meta"`
			Error struct {
				Type       string `json:"type"`
				Message    string `json:"message"`
				References []struct {
					Type string `json:"type"`
					ID   string `json:"id"`
				} `json:"references"`
			} `json:"error"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(raw, &answer); err != nil {
		return ep.redact(fmt.Errorf("kibana import: answer is not the import API's JSON (%v): %s", err, snippet(raw)))
	}
	if answer.Success && len(answer.Errors) == 0 {
		return nil
	}
	ie := &ImportError{SuccessCount: answer.SuccessCount}
	for _, e := range answer.Errors {
		oe := ObjectError{
			Type: e.Type, ID: e.ID, Title: e.Title,
			ErrorType: e.Error.Type, Message: ep.scrub(e.Error.Message),
		}
		if oe.Title == "" {
			oe.Title = e.Meta.Title
		}
		for _, r := range e.Error.References {
			oe.Missing = append(oe.Missing, r.Type+"/"+r.ID)
		}
		ie.Objects = append(ie.Objects, oe)
	}
	return ie
}

// Status is Kibana's overall status as /api/status reports it.
type Status struct {
	Level   string // "available" or "degraded" once WaitReady returns
	Summary string // Kibana's own summary, credentials removed
}

// Degraded says Kibana serves requests but some service or plugin works
// only in part (an alerting task manager behind, a reporting browser
// missing); saved objects import all the same.
func (s Status) Degraded() bool { return s.Level == levelDegraded }

// The Kibana 8.x overall levels under which it serves requests; the other
// two, "unavailable" and "critical", mean it does not (or not reliably).
const (
	levelAvailable = "available"
	levelDegraded  = "degraded"
)

// WaitReady polls GET /api/status until Kibana reports
// status.overall.level "available" or "degraded", backing off from half a
// second to a few seconds, and returns that status so the caller can warn
// about a degraded Kibana. "unavailable" and "critical" keep it waiting. It
// gives up when ctx ends (give it a deadline) or at once on 401/403, which
// waiting does not fix.
func WaitReady(ctx context.Context, client *http.Client, baseURL string) (Status, error) {
	ep, err := parseBaseURL(baseURL)
	if err != nil {
		return Status{}, err
	}
	if client == nil {
		client = http.DefaultClient
	}
	delay := readyFirstDelay
	var last error
	for {
		st, err := ep.status(ctx, client)
		if err == nil {
			return st, nil
		}
		// A poll cut short by the deadline says nothing about Kibana; keep
		// the answer before it.
		if last == nil || ctx.Err() == nil {
			last = err
		}
		var se *StatusError
		if errors.As(err, &se) && (se.StatusCode == http.StatusUnauthorized || se.StatusCode == http.StatusForbidden) {
			return Status{}, err
		}
		timer := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			timer.Stop()
			// The last reason says why it never became ready (down,
			// unavailable, wrong URL), which a bare deadline error does not.
			return Status{}, &waitError{ctx: ctx.Err(), last: last}
		case <-timer.C:
		}
		delay = min(delay*2, readyMaxDelay)
	}
}

type waitError struct{ ctx, last error }

func (e *waitError) Error() string {
	return fmt.Sprintf("kibana not ready: %v; last answer: %v", e.ctx, e.last)
}

// Unwrap lets callers test for context.DeadlineExceeded or a StatusError.
func (e *waitError) Unwrap() []error { return []error{e.ctx, e.last} }

// errNotAvailable is a status answer whose overall level is neither
// "available" nor "degraded".
type errNotAvailable struct{ level, summary string }

func (e *errNotAvailable) Error() string {
	if e.summary == "" {
		return fmt.Sprintf("kibana status: overall level %q", e.level)
	}
	return fmt.Sprintf("kibana status: overall level %q: %s", e.level, e.summary)
}

func (ep *endpoint) status(ctx context.Context, client *http.Client) (Status, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ep.at("api/status").String(), nil)
	if err != nil {
		return Status{}, ep.redact(fmt.Errorf("kibana status: %w", err))
	}
	ep.authorize(req)
	res, err := client.Do(req)
	if err != nil {
		return Status{}, ep.redact(fmt.Errorf("kibana status: %w", err))
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	if err != nil {
		return Status{}, ep.redact(fmt.Errorf("kibana status: reading the answer: %w", err))
	}
	var answer struct {
		Status struct {
			Overall struct {
				Level   string `json:"level"`
				Summary string `json:"summary"`
			} `json:"overall"`
		} `json:"status"`
	}
	// Kibana answers 503 with the same JSON while a core service is
	// unavailable, so the body is read whatever the code; a starting Kibana
	// answers 503 with plain text, which falls through to statusError. The
	// code follows the core services only: a plugin that is unavailable or
	// critical makes the overall level so under a 200, hence the level is
	// what decides.
	if json.Unmarshal(raw, &answer) == nil && answer.Status.Overall.Level != "" &&
		res.StatusCode != http.StatusUnauthorized && res.StatusCode != http.StatusForbidden {
		st := Status{Level: answer.Status.Overall.Level, Summary: ep.scrub(answer.Status.Overall.Summary)}
		if (st.Level == levelAvailable || st.Level == levelDegraded) && res.StatusCode == http.StatusOK {
			return st, nil
		}
		return Status{}, &errNotAvailable{level: st.Level, summary: st.Summary}
	}
	if res.StatusCode != http.StatusOK {
		return Status{}, ep.statusError("status", res.StatusCode, raw)
	}
	return Status{}, ep.redact(fmt.Errorf("kibana status: no status.overall.level in the answer: %s", snippet(raw)))
}

// endpoint is a parsed base URL with the credentials taken out of it.
type endpoint struct {
	base     *url.URL // no user info
	user     string
	password string
	hasAuth  bool
}

func parseBaseURL(raw string) (*endpoint, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse quotes the whole input, credentials included.
		return nil, errors.New("kibana: the base URL does not parse (not shown: it may hold credentials)")
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("kibana: the base URL needs http:// or https:// and a host")
	}
	ep := &endpoint{}
	if u.User != nil {
		ep.user = u.User.Username()
		ep.password, _ = u.User.Password()
		ep.hasAuth = true
		u.User = nil
	}
	u.RawQuery, u.Fragment = "", ""
	ep.base = u
	return ep, nil
}

// at joins p to the base path, which keeps a Kibana served under a
// server.basePath (https://host/kibana) working.
func (ep *endpoint) at(p string) *url.URL {
	return ep.base.JoinPath(p)
}

func (ep *endpoint) authorize(req *http.Request) {
	if ep.hasAuth {
		req.SetBasicAuth(ep.user, ep.password)
	}
}

// secrets are the strings that must not reach an error: the password, the
// user, their URL-escaped forms and the Authorization header value a proxy
// might echo back. A user name of one or two characters is left alone:
// replacing it would mangle every message, and a name that short is no
// secret.
func (ep *endpoint) secrets() []string {
	if !ep.hasAuth {
		return nil
	}
	candidates := []string{
		base64.StdEncoding.EncodeToString([]byte(ep.user + ":" + ep.password)),
		ep.password, url.QueryEscape(ep.password), url.PathEscape(ep.password),
	}
	if len(ep.user) >= 3 {
		candidates = append(candidates, ep.user, url.QueryEscape(ep.user), url.PathEscape(ep.user))
	}
	var out []string
	for _, s := range candidates {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// scrub removes credentials from text that came from the server.
func (ep *endpoint) scrub(s string) string {
	for _, secret := range ep.secrets() {
		s = strings.ReplaceAll(s, secret, "[redacted]")
	}
	return s
}

// redact scrubs an error's text while keeping it unwrappable, so callers can
// still test for context.Canceled and friends.
func (ep *endpoint) redact(err error) error {
	if err == nil {
		return nil
	}
	msg := ep.scrub(err.Error())
	if msg == err.Error() {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// statusError turns a non-200 answer into a StatusError with Kibana's own
// message. For 401/403 the body is left out: it names the user at best and
// echoes the request at worst, and the status says enough.
func (ep *endpoint) statusError(op string, code int, raw []byte) error {
	se := &StatusError{Op: op, StatusCode: code}
	switch code {
	case http.StatusUnauthorized:
		se.Message = "authentication failed; check the credentials in the Kibana URL"
		return se
	case http.StatusForbidden:
		se.Message = "forbidden; the Kibana user lacks the privileges for this request"
		return se
	}
	var kbnErr struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(raw, &kbnErr) == nil && kbnErr.Message != "" {
		se.Message = ep.scrub(kbnErr.Message)
	} else {
		se.Message = ep.scrub(snippet(raw))
	}
	return se
}

// snippet quotes the start of a body for an error message.
func snippet(raw []byte) string {
	const n = 512
	s := strings.TrimSpace(string(raw))
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

// DiscoverURL opens Kibana's Discover at base on the events of the group
// with fingerprint: the link alerts and the on-call page give.
func DiscoverURL(base, fingerprint string) string {
	if base == "" || fingerprint == "" {
		return ""
	}
	q := url.QueryEscape(fmt.Sprintf(`faultline.fingerprint:"%s"`, fingerprint))
	return base + "/app/discover#/?_a=(query:(language:kuery,query:'" + q + "'))"
}
