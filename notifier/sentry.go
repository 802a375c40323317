package notifier

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/getsentry/sentry-go"

	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/redact"
)

// sentryTimeout bounds one delivery when the shared HTTP client has none.
const sentryTimeout = 10 * time.Second

// Sentry's ingestion limits, in characters: longer values are cut by Sentry
// anyway, and an oversized event can be refused as a whole.
const (
	sentryMessageMax  = 8192
	sentryTagValueMax = 200
	sentryFramesMax   = 250
)

// Sentry forwards alerts as events to a Sentry project; the channel URL is
// the project's DSN.
type Sentry struct {
	client *sentry.Client
	obs    *sentryObserver
	// mu makes captures one at a time: sentry-go reports nothing back, so
	// the outcome is read from the observer, which must see only this alert.
	mu sync.Mutex
}

// NewSentry builds one sentry-go client for a DSN. It sends synchronously
// through HTTPSyncTransport so that Notify knows the outcome, and takes the
// round tripper and timeout of client when it has them.
func NewSentry(dsn string, client *http.Client) (*Sentry, error) {
	if _, err := sentry.NewDsn(dsn); err != nil {
		return nil, fmt.Errorf("sentry: %s", dsnProblem(err))
	}
	base, timeout := http.DefaultTransport, sentryTimeout
	if client != nil {
		if client.Transport != nil {
			base = client.Transport
		}
		if client.Timeout > 0 {
			timeout = client.Timeout
		}
	}
	obs := &sentryObserver{base: base}
	tr := sentry.NewHTTPSyncTransport()
	tr.Timeout = timeout
	c, err := sentry.NewClient(sentry.ClientOptions{
		Dsn:        dsn,
		Transport:  tr,
		HTTPClient: withoutRedirects(&http.Client{Transport: obs, Timeout: timeout}),
		// The default integrations describe this process (its modules, OS,
		// runtime), which would read as facts about the failing service.
		Integrations:           func([]sentry.Integration) []sentry.Integration { return nil },
		DisableClientReports:   true,
		DisableTelemetryBuffer: true,
		MaxBreadcrumbs:         -1,
	})
	if err != nil {
		return nil, fmt.Errorf("sentry: %s", dsnProblem(err))
	}
	return &Sentry{client: c, obs: obs}, nil
}

// dsnProblem describes a DSN error without the DSN, whose user part is the
// project key.
func dsnProblem(err error) string {
	var pe *sentry.DsnParseError
	if errors.As(err, &pe) && !strings.HasPrefix(pe.Message, "invalid url") {
		return "bad dsn: " + pe.Message
	}
	return "bad dsn"
}

// Close stops the client's background batchers.
func (s *Sentry) Close() { s.client.Close() }

// Notify captures one event and classifies what the Sentry server answered:
// 429 (with its wait), 5xx and transport errors are retryable, other 4xx are
// not. An event sentry-go held back without sending is retryable too.
func (s *Sentry) Notify(ctx context.Context, a Alert) (bool, error) {
	if err := ctx.Err(); err != nil {
		return true, fmt.Errorf("sentry: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.obs.begin(ctx)
	ev, mod := sentryEvent(a)
	s.client.CaptureEvent(ev, nil, mod)
	o := s.obs.end()

	switch {
	case !o.sent:
		if wait := time.Until(o.limitedUntil); wait > 0 {
			return true, &RetryAfterError{After: min(wait, maxRetryAfter), Err: errors.New("sentry: rate limited, event not sent")}
		}
		return true, errors.New("sentry: event not sent")
	case o.err != nil:
		return true, fmt.Errorf("sentry: send: %w", redact.DropURL(o.err))
	case o.status >= 200 && o.status < 300:
		return false, nil
	case o.status == http.StatusTooManyRequests:
		return true, &RetryAfterError{After: max(retryAfter(o.header, nil, time.Now()), time.Until(o.limitedUntil)), Err: errors.New("sentry: rate limited (429)")}
	case o.status >= 500:
		return true, fmt.Errorf("sentry: %d %s", o.status, http.StatusText(o.status))
	default:
		return false, fmt.Errorf("sentry: %d %s", o.status, http.StatusText(o.status))
	}
}

// sentryOutcome is what happened to one capture on the wire.
type sentryOutcome struct {
	sent         bool
	err          error
	status       int
	header       http.Header
	limitedUntil time.Time
}

// sentryObserver wraps the HTTP round tripper of the sentry-go client to learn
// what HTTPSyncTransport does not report, and to make the request obey the
// caller's context, which sentry-go does not pass down.
type sentryObserver struct {
	base http.RoundTripper
	// Set between begin and end, under Sentry.mu; HTTPSyncTransport sends on
	// the capturing goroutine.
	ctx context.Context
	out sentryOutcome
	// limitedUntil outlives a capture: sentry-go keeps dropping events until then.
	limitedUntil time.Time
}

func (o *sentryObserver) begin(ctx context.Context) {
	o.ctx, o.out = ctx, sentryOutcome{}
}

func (o *sentryObserver) end() sentryOutcome {
	o.ctx = nil
	out := o.out
	out.limitedUntil = o.limitedUntil
	return out
}

func (o *sentryObserver) RoundTrip(req *http.Request) (*http.Response, error) {
	o.out.sent = true
	ctx, cancel := context.WithCancelCause(req.Context())
	stop := func() bool { return false }
	if o.ctx != nil {
		parent := o.ctx
		stop = context.AfterFunc(parent, func() { cancel(context.Cause(parent)) })
	}
	release := func() { stop(); cancel(nil) }
	res, err := o.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		release()
		o.out.err = err
		return nil, err
	}
	o.out.status, o.out.header = res.StatusCode, res.Header.Clone()
	if until := sentryLimit(res, time.Now()); until.After(o.limitedUntil) {
		o.limitedUntil = until
	}
	// The context must live until sentry-go has drained the body.
	res.Body = &releasingBody{ReadCloser: res.Body, release: release}
	return res, nil
}

type releasingBody struct {
	io.ReadCloser
	release func()
	once    sync.Once
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.release)
	return err
}

// sentryLimit mirrors sentry-go's own rate limiting for error events, so a
// capture it silently drops can be retried when the limit ends.
func sentryLimit(res *http.Response, now time.Time) time.Time {
	var until time.Time
	if v := res.Header.Get("X-Sentry-Rate-Limits"); v != "" {
		// "seconds:categories:scope...", comma separated; no categories means all.
		for item := range strings.SplitSeq(v, ",") {
			secsText, rest, _ := strings.Cut(strings.TrimSpace(item), ":")
			categories, _, _ := strings.Cut(rest, ":")
			secs, err := strconv.ParseFloat(secsText, 64)
			if err != nil || secs <= 0 {
				continue
			}
			applies := categories == ""
			for c := range strings.SplitSeq(categories, ";") {
				applies = applies || c == "error"
			}
			if t := now.Add(time.Duration(min(secs, maxRetryAfter.Seconds()) * float64(time.Second))); applies && t.After(until) {
				until = t
			}
		}
		return until
	}
	if res.StatusCode == http.StatusTooManyRequests {
		return now.Add(retryAfter(res.Header, nil, now))
	}
	return until
}

// sentryEvent builds the event and the modifier that undoes the defaults
// sentry-go fills in from this process (release, host name, platform).
func sentryEvent(a Alert) (*sentry.Event, sentryOverrides) {
	g := a.Group
	ev := sentry.NewEvent()
	ev.EventID = sentry.EventID(alertID(a))
	ev.Level = sentryLevel(g.Log.Level)
	ev.Message = truncateRunes(g.Message, sentryMessageMax)
	ev.Logger = g.Log.Logger
	ev.Transaction = g.Culprit
	ev.Timestamp = g.LastSeen
	if g.Fingerprint != "" {
		// Sentry then groups exactly as faultline does.
		ev.Fingerprint = []string{g.Fingerprint}
	}
	for k, v := range map[string]string{
		"service":               g.Service.Name,
		"logger":                g.Log.Logger,
		"faultline.fingerprint": g.Fingerprint,
		"faultline.kind":        string(a.Kind),
	} {
		if v = strings.Join(strings.Fields(v), " "); v != "" {
			ev.Tags[k] = truncateRunes(v, sentryTagValueMax)
		}
	}
	fl := map[string]any{
		"kind":        string(a.Kind),
		"count":       g.Count,
		"occurrences": a.Occurrences,
		"first_seen":  g.FirstSeen.UTC().Format(time.RFC3339),
		"last_seen":   g.LastSeen.UTC().Format(time.RFC3339),
	}
	for k, v := range map[string]string{"link": a.Link, "culprit": g.Culprit, "sample_event_id": g.Sample.EventID, "thread": g.Sample.Thread, "trace_id": g.Sample.TraceID} {
		if v != "" {
			fl[k] = v
		}
	}
	ev.Contexts["faultline"] = fl

	// Only the outermost exception: its type is the group's, and Sentry
	// groups by the fingerprint anyway.
	var ex event.Exception
	if chain := event.ParseStackTrace(g.Sample.StackTrace); len(chain) > 0 {
		ex = chain[0]
	}
	typ := g.Error.Type
	if typ == "" {
		typ = ex.Type
	}
	if typ != "" {
		// The exception's own message is what Sentry shows under the title;
		// the log message stands in when the trace has none.
		value := firstLine(ex.Message)
		if value == "" {
			value = firstLine(g.Message)
		}
		sx := sentry.Exception{Type: typ, Value: truncateRunes(value, sentryMessageMax)}
		if frames := sentryFrames(ex.Frames, g.Culprit); len(frames) > 0 {
			sx.Stacktrace = &sentry.Stacktrace{Frames: frames}
		}
		ev.Exception = []sentry.Exception{sx}
	}
	return ev, sentryOverrides{environment: g.Service.Environment, serverName: g.Sample.Host}
}

// sentryOverrides runs after sentry-go filled in its defaults.
type sentryOverrides struct {
	environment, serverName string
}

func (o sentryOverrides) ApplyToEvent(ev *sentry.Event, _ *sentry.EventHint, _ *sentry.Client) *sentry.Event {
	// The release, host and environment sentry-go knows are faultline's,
	// not those of the service that failed.
	ev.Release, ev.Dist = "", ""
	ev.ServerName = o.serverName
	ev.Environment = o.environment
	// Java frames: Sentry renders and symbolicates by platform.
	ev.Platform = "java"
	return ev
}

func sentryLevel(level string) sentry.Level {
	switch strings.ToUpper(strings.TrimSpace(level)) {
	case "TRACE", "DEBUG":
		return sentry.LevelDebug
	case "INFO", "NOTICE":
		return sentry.LevelInfo
	case "WARN", "WARNING":
		return sentry.LevelWarning
	case "FATAL", "CRITICAL", "PANIC", "EMERGENCY", "ALERT":
		return sentry.LevelFatal
	}
	// Alerts are about errors; an unknown level is most likely one.
	return sentry.LevelError
}

// sentryFrames turns Java's newest-first frames into Sentry's oldest-first
// order, keeping the newest when there are too many. Frames under the
// culprit's top-level package count as in-app, so Sentry folds the rest.
func sentryFrames(jf []event.Frame, culprit string) []sentry.Frame {
	if len(jf) > sentryFramesMax {
		jf = jf[:sentryFramesMax]
	}
	root := appRoot(culprit)
	out := make([]sentry.Frame, 0, len(jf))
	for i := len(jf) - 1; i >= 0; i-- {
		f := jf[i]
		out = append(out, sentry.Frame{
			Module:   f.Class,
			Function: f.Method,
			Filename: f.File,
			Lineno:   f.Line,
			InApp:    root != "" && strings.HasPrefix(f.Class, root),
		})
	}
	return out
}

// appRoot is the first two package segments of the culprit's class
// ("com.example." for "com.example.orders.OrderService.place"): the
// application's own code, as far as faultline can tell.
func appRoot(culprit string) string {
	dot := strings.LastIndexByte(culprit, '.')
	if dot <= 0 {
		return ""
	}
	parts := strings.Split(culprit[:dot], ".")
	if len(parts) < 2 {
		return ""
	}
	return strings.Join(parts[:min(2, len(parts)-1)], ".") + "."
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}
