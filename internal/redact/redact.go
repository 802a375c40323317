package redact

import (
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Mask replaces every secret.
const Mask = "xxxxx"

// MinSecretLen is the shortest value Register scrubs. Shorter ones would
// mangle every log line ("info", "time") while protecting next to nothing;
// they are still masked where they sit in a URL.
const MinSecretLen = 4

// urlInText finds URLs in free text. It stops at quotes and backslashes so a
// URL quoted inside an error (%q) or a JSON log line keeps its escaping.
var urlInText = regexp.MustCompile("[A-Za-z][A-Za-z0-9+.\\-]*://[^\\s\"'<>`\\\\]+")

// String masks the secret parts of every URL in s and every registered
// secret.
func String(s string) string {
	if strings.Contains(s, "://") {
		s = urlInText.ReplaceAllStringFunc(s, func(u string) string { return maskURL(u, nil) })
	}
	return defaultSecrets.scrub(s)
}

// URL is String for one URL: userinfo password (or a lone user name, which
// is how tokens travel, as in a Sentry DSN), secret query parameters and
// webhook path tokens are replaced with Mask; host, port and path stay
// readable.
func URL(raw string) string { return String(raw) }

// URLs redacts each URL, for a log field listing several.
func URLs(raws []string) []string {
	out := make([]string, len(raws))
	for i, r := range raws {
		out[i] = String(r)
	}
	return out
}

// Error returns err with a redacted message; errors.Is and errors.As still
// see the original chain. nil stays nil.
func Error(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if red := String(msg); red != msg {
		return &redacted{err: err, msg: red}
	}
	return err
}

// DropURL is Error for an HTTP client's error, leaving out the URL a
// *url.Error carries: a webhook's address, even masked, is nobody's business
// in a chat message or a log line about a failed post.
func DropURL(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return Error(err)
	}
	return &redacted{err: err, msg: ue.Op + ": " + String(ue.Err.Error())}
}

type redacted struct {
	err error
	msg string
}

func (r *redacted) Error() string { return r.msg }
func (r *redacted) Unwrap() error { return r.err }

// Writer redacts everything written through it: put it under the logger and
// the CLI output, so a library's error that echoes a URL is still masked.
// Each Write is redacted on its own (zerolog writes one event per Write), so
// a secret split across two writes is not recognised.
func Writer(w io.Writer) io.Writer { return writer{w} }

type writer struct{ w io.Writer }

func (w writer) Write(p []byte) (int, error) {
	if _, err := io.WriteString(w.w, String(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Register adds secret values (passwords, tokens, API keys) to scrub from
// every text String sees, also in their URL, JSON and Go-quoted escapings.
// Values shorter than MinSecretLen, or made only of Mask's letter, are
// ignored.
func Register(values ...string) { defaultSecrets.register(values...) }

// RegisterURL registers the secret parts of a URL (password, lone user name,
// secret query values, webhook tokens), so they are scrubbed also where they
// appear outside the URL.
func RegisterURL(raw string) { defaultSecrets.registerURL(raw) }

var defaultSecrets = &registry{}

// registry is the set of secrets to scrub. It is process-wide in practice
// (secrets belong to the process's configuration); tests make their own.
type registry struct {
	mu    sync.Mutex
	seen  map[string]bool
	forms atomic.Pointer[[]string]
}

func (g *registry) registerURL(raw string) {
	var found []string
	maskURL(raw, func(secret string) {
		found = append(found, secret)
		if dec, err := url.PathUnescape(secret); err == nil {
			found = append(found, dec)
		}
		if dec, err := url.QueryUnescape(secret); err == nil {
			found = append(found, dec)
		}
	})
	g.register(found...)
}

func (g *registry) register(values ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.seen == nil {
		g.seen = map[string]bool{}
	}
	var forms []string
	if p := g.forms.Load(); p != nil {
		forms = slices.Clone(*p)
	}
	added := false
	for _, v := range values {
		if len(v) < MinSecretLen || strings.Trim(v, "x") == "" {
			continue
		}
		for _, f := range escapings(v) {
			if !g.seen[f] {
				g.seen[f] = true
				forms = append(forms, f)
				added = true
			}
		}
	}
	if added {
		g.forms.Store(&forms)
	}
}

// escapings are the forms a secret takes in what faultline prints.
func escapings(v string) []string {
	out := []string{v, url.QueryEscape(v), url.PathEscape(v), strings.TrimPrefix(url.UserPassword("", v).String(), ":")}
	if q := strconv.Quote(v); len(q) >= 2 {
		out = append(out, q[1:len(q)-1])
	}
	if j, err := json.Marshal(v); err == nil {
		out = append(out, string(j[1:len(j)-1]))
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) == nil {
		j := strings.TrimSpace(b.String())
		out = append(out, j[1:len(j)-1])
	}
	return out
}

func (g *registry) scrub(s string) string { return g.scrubWith(s, Mask) }

// scrubWith replaces every run of text covered by an occurrence of a
// secret, overlapping ones included, with one mask, in a single pass: what
// is left between masks holds no whole secret. (With Mask, a secret that
// starts or ends in x's can seem to reappear where the mask meets the
// text beside it; those x's are the mask's, not the secret's.) Where a
// JSON-escaped form covers more than the raw value, the whole escape
// sequence goes, so a log line stays valid JSON.
func (g *registry) scrubWith(s, mask string) string {
	p := g.forms.Load()
	if p == nil {
		return s
	}
	var covered []bool
	for _, f := range *p {
		end := 0 // covered up to here by this form already
		for i := 0; i+len(f) <= len(s); {
			j := strings.Index(s[i:], f)
			if j < 0 {
				break
			}
			if covered == nil {
				covered = make([]bool, len(s))
			}
			start := i + j
			for k := max(start, end); k < start+len(f); k++ {
				covered[k] = true
			}
			end = start + len(f)
			i = start + 1
		}
	}
	if covered == nil {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if !covered[i] {
			b.WriteByte(s[i])
			i++
			continue
		}
		for i < len(s) && covered[i] {
			i++
		}
		b.WriteString(mask)
	}
	return b.String()
}

// maskURL masks the secret parts of one URL-shaped string without parsing
// it strictly: a URL Go's parser refuses (a bad escape, a bracket left
// open) must be masked too. found, when not nil, receives each masked part.
func maskURL(raw string, found func(string)) string {
	i := strings.Index(raw, "://")
	if i < 0 {
		return raw
	}
	report := func(s string) {
		if found != nil && s != "" {
			found(s)
		}
	}
	head, rest := raw[:i+3], raw[i+3:]
	tail := ""
	if q := strings.IndexAny(rest, "?#"); q >= 0 {
		rest, tail = rest[:q], rest[q:]
	}
	// The userinfo runs to the last '@' before the query: an unescaped '@'
	// or '/' in a password must not leave its end readable. A path with an
	// '@' loses its host to the mask, which errs on the safe side.
	userinfo := ""
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		user, pass, hasPass := strings.Cut(rest[:at], ":")
		if hasPass {
			report(pass)
			userinfo = user + ":" + Mask + "@"
		} else {
			// A lone user name is how tokens travel (Sentry DSN, git
			// remotes); short ones are ordinary user names.
			if len(user) >= 12 {
				report(user)
			}
			userinfo = Mask + "@"
		}
		rest = rest[at+1:]
	}
	host, path := rest, ""
	if sl := strings.IndexByte(rest, '/'); sl >= 0 {
		host, path = rest[:sl], rest[sl:]
	}
	path = maskPath(strings.ToLower(host), path, report)
	return head + userinfo + host + path + maskParams(tail, report)
}

// maskPath masks the tokens chat webhooks carry in their path.
func maskPath(host, path string, report func(string)) string {
	if path == "" {
		return path
	}
	segs := strings.Split(path, "/")
	name := func(i int) string {
		s, err := url.PathUnescape(segs[i])
		if err != nil {
			s = segs[i]
		}
		return strings.ToLower(s)
	}
	mask := func(i int) {
		if i < len(segs) && segs[i] != "" && segs[i] != Mask {
			report(segs[i])
			segs[i] = Mask
		}
	}
	if h, _, _ := strings.Cut(host, ":"); h == "hooks.slack.com" || strings.HasSuffix(h, ".slack.com") {
		// /services/T…/B…/<secret>, /workflows/T…/A…/<id>/<secret>, /triggers/…
		for i := 4; i < len(segs); i++ {
			mask(i)
		}
		return strings.Join(segs, "/")
	}
	for i := 1; i < len(segs); i++ {
		switch n := name(i); {
		case n == "webhooks": // Discord and its look-alikes: /webhooks/<id>/<token>
			mask(i + 2)
		case n == "hooks": // Mattermost and others: /hooks/<key>
			mask(i + 1)
		case strings.HasPrefix(n, "bot") && strings.Contains(n, ":"): // Telegram: /bot<id>:<token>/
			mask(i)
		}
	}
	return strings.Join(segs, "/")
}

// secretParam tells query (and fragment) parameters that carry credentials:
// token, api_key, sentry_key, password, sig, X-Amz-Signature, access_token, …
func secretParam(key string) bool {
	if k, err := url.QueryUnescape(key); err == nil {
		key = k
	}
	key = strings.ToLower(key)
	for _, s := range []string{"token", "secret", "passw", "pwd", "key", "sig", "auth", "credential", "session", "ticket", "code", "dsn", "jwt"} {
		if strings.Contains(key, s) {
			return true
		}
	}
	return false
}

// maskParams masks the values of secret parameters in "?a=b&c=d#e=f".
func maskParams(tail string, report func(string)) string {
	if tail == "" {
		return tail
	}
	var b strings.Builder
	start := 0
	flush := func(end int) {
		param := tail[start:end]
		if k, v, ok := strings.Cut(param, "="); ok && v != "" && v != Mask && secretParam(k) {
			report(v)
			param = k + "=" + Mask
		}
		b.WriteString(param)
	}
	for i := 0; i < len(tail); i++ {
		switch tail[i] {
		case '?', '#', '&', ';':
			flush(i)
			b.WriteByte(tail[i])
			start = i + 1
		}
	}
	flush(len(tail))
	return b.String()
}
