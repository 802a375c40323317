package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"gopkg.in/yaml.v3"

	"github.com/faultline/faultline/internal/auth"
	"github.com/faultline/faultline/internal/cli"
)

// Config is the process configuration.
type Config struct {
	HTTPAddr   string
	ESURLs     []string
	NATSURL    string
	NATSListen string
	DataDir    string
	ConfigFile string
	LogLevel   string
	// SnapshotLocation is the Elasticsearch snapshot repositories'
	// locations, comma separated (a directory under the node's path.repo,
	// or s3://bucket/path); each backup goes to every one, in order (see
	// recovery.Repositories). Empty leaves backups off.
	SnapshotLocation string
	KibanaURL        string
	Replicas         int
	File             File

	// AllowAnonymous lets a service without API keys (or an embedded NATS
	// without credentials) listen beyond loopback.
	AllowAnonymous bool
	// MetricsAddr, when set, serves /metrics unauthenticated on a listener
	// of its own; otherwise /metrics is on HTTPAddr behind a read key.
	MetricsAddr string
	// TLS makes the HTTP listener serve HTTPS.
	TLS TLSFiles
	// ES holds Elasticsearch credentials and trust, kept out of ESURLs.
	ES ESAuth
	// NATS holds NATS credentials and trust, kept out of NATSURL.
	NATS NATSAuth
	// JetStreamSync makes the embedded JetStream sync every write to disk.
	JetStreamSync bool
}

// TLSFiles names a PEM certificate (chain) and its key.
type TLSFiles struct {
	Cert, Key string
}

// ESAuth is how faultline authenticates to Elasticsearch and trusts it.
type ESAuth struct {
	CAFile, CAFingerprint string
	APIKey                string
	Username, Password    string
}

// NATSAuth is how faultline authenticates to NATS and trusts it.
type NATSAuth struct {
	Creds, NKey       string
	User, Password    string
	Token             string
	CAFile, Cert, Key string
}

// File is the YAML configuration file.
type File struct {
	Channels  []Channel `yaml:"channels"`
	Routes    []Route   `yaml:"routes"`
	Auth      Auth      `yaml:"auth"`
	Notify    Notify    `yaml:"notify"`
	Ingest    Ingest    `yaml:"ingest"`
	Grouping  Grouping  `yaml:"grouping"`
	Processor Processor `yaml:"processor"`
	Streams   Streams   `yaml:"streams"`
}

// Size is a byte count written as a number or a human size ("10GiB",
// "512 MB"): binary units are powers of 1024, decimal ones of 1000.
type Size int64

// UnmarshalYAML parses a plain number of bytes or a human size.
func (s *Size) UnmarshalYAML(n *yaml.Node) error {
	v, err := humanize.ParseBytes(n.Value)
	if err != nil || v > 1<<62 {
		return fmt.Errorf("line %d: size %q: want bytes or a size such as 512MiB or 10GiB", n.Line, n.Value)
	}
	*s = Size(v)
	return nil
}

// Streams caps the JetStream streams in bytes. Every stream discards new
// messages when full (a publish is refused) rather than old ones, so nothing
// accepted disappears; events and alerts the consumers have acknowledged are
// trimmed first (broker.Trim), so only a backlog fills them.
type Streams struct {
	// EventsMaxBytes bounds FAULTLINE_EVENTS (0 = 10 GiB); when it is full
	// of events not yet stored, ingest answers 507.
	EventsMaxBytes Size `yaml:"events_max_bytes"`
	// DLQMaxBytes bounds FAULTLINE_DLQ (0 = 1 GiB); when it is full the
	// processor keeps the failing events in the events stream (it naks).
	DLQMaxBytes Size `yaml:"dlq_max_bytes"`
	// AlertsMaxBytes bounds FAULTLINE_ALERTS (0 = 1 GiB).
	AlertsMaxBytes Size `yaml:"alerts_max_bytes"`
}

// MinMaxBulkBytes is the smallest bulk cap; events over the cap are
// dead-lettered, so it should stay above the largest event ingest accepts
// (1 MiB).
const MinMaxBulkBytes = 64 << 10

// Processor tunes how the processor bounds its work and keeps group counts
// exact (processor/tally.go). Zero values take the defaults.
type Processor struct {
	// BatchTimeout bounds a batch from its event write to its group update
	// (default 2m).
	BatchTimeout Duration `yaml:"batch_timeout"`
	// CountSettle is how long after an event's write its group count is
	// final and may be recounted; it must exceed batch_timeout (default
	// batch_timeout + 1m). A crash's missing counts are repaired about this
	// long after it.
	CountSettle Duration `yaml:"count_settle"`
	// RecountEvery is how often an active group is recounted (default 15m).
	RecountEvery Duration `yaml:"recount_every"`
	// LateWrites is how long after its write an event may still become
	// searchable (a bulk Elasticsearch applied long after the processor gave
	// up on it); recounts count that far back again (default 1h).
	LateWrites Duration `yaml:"late_writes"`
	// MaxBulkBytes bounds one bulk request to Elasticsearch (0 = 10 MiB,
	// well under its 100 MB http.max_content_length); a batch over it goes
	// as several requests, and an event whose document alone is over it is
	// dead-lettered.
	MaxBulkBytes Size `yaml:"max_bulk_bytes"`
}

// Grouping tunes fingerprinting and threshold alerts.
type Grouping struct {
	// InApp lists, per service, the package prefixes of the service's own
	// code; without an entry every frame outside the known libraries is in-app.
	InApp map[string][]string `yaml:"in_app"`
	// LibraryPrefixes are added to the built-in list of library packages.
	LibraryPrefixes []string `yaml:"library_prefixes"`
	// Rules set a fingerprint for matching events, first match wins.
	Rules []FingerprintRule `yaml:"rules"`
	// Threshold raises an alert when a group sees Count events within Window.
	Threshold Threshold `yaml:"threshold"`
}

// FingerprintRule groups every event that matches under one fingerprint.
// Match keys: service, logger, level, error_type, message (globs).
type FingerprintRule struct {
	Match       map[string]string `yaml:"match"`
	Fingerprint string            `yaml:"fingerprint"`
}

// Threshold is "Count events of a group within Window"; 0 turns it off.
type Threshold struct {
	Count  int      `yaml:"count"`
	Window Duration `yaml:"window"`
}

// Ingest tunes the intake limits.
type Ingest struct {
	// RateLimit is the events per second each API key (or, without auth, each
	// client address) may send; 0 means unlimited. Burst defaults to 2 s worth.
	RateLimit float64 `yaml:"rate_limit"`
	Burst     int     `yaml:"burst"`
	// MaxBodyBytes bounds a request body, also after decompression (default 5 MiB).
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
	// MaxEventBytes bounds one event as sent (0 = 1 MiB); a larger one is
	// refused with its line number.
	MaxEventBytes Size `yaml:"max_event_bytes"`
	// PublishTimeout bounds the wait for JetStream to acknowledge a
	// request's events (0 = 10s); past it the request is answered 503.
	PublishTimeout Duration `yaml:"publish_timeout"`
	// MaxInflightBytes bounds the request bodies all requests together hold
	// at once (0 = 64 MiB); past it ingest answers 503 with Retry-After.
	MaxInflightBytes Size `yaml:"max_inflight_bytes"`
	// Quotas bound what each service may send, so one cannot starve the
	// others.
	Quotas Quotas `yaml:"quotas"`
}

// Quotas are per-service limits; Services overrides Default per service.
type Quotas struct {
	Default  Quota            `yaml:"default"`
	Services map[string]Quota `yaml:"services"`
}

// Quota is what one service may send; zero fields are unlimited.
type Quota struct {
	EventsPerSecond float64 `yaml:"events_per_second"`
	BytesPerDay     Size    `yaml:"bytes_per_day"`
}

// For is the quota of service: its own entry, else the default.
func (q Quotas) For(service string) Quota {
	if s, ok := q.Services[service]; ok {
		return s
	}
	return q.Default
}

// Channel is one alert destination.
type Channel struct {
	Name string      `yaml:"name"`
	Type ChannelType `yaml:"type"`
	URL  string      `yaml:"url"`
	// Secret signs generic webhook bodies so receivers can tell them from forgeries.
	Secret string `yaml:"secret"`
}

// Route sends events matching Match to Channels. Absent keys match anything.
type Route struct {
	Match    map[string]string `yaml:"match"`
	Channels []string          `yaml:"channels"`
	Continue bool              `yaml:"continue"`
}

// Auth lists the API keys; none means every route is open (local runs, and
// beyond loopback only with --allow-anonymous).
type Auth struct {
	Keys []APIKey `yaml:"keys"`
}

// APIKey is one key: name, hash, roles, service and scope (internal/auth
// owns their meaning and their checks).
type APIKey = auth.Key

// Notify tunes alert noise.
type Notify struct {
	// Cooldown is the quiet time after a group's alert before a repeat may alert again.
	Cooldown Duration `yaml:"cooldown"`
	// KibanaURL, when set, makes alerts link to the group's events.
	KibanaURL string `yaml:"kibana_url"`
	// PublicURL is where faultline's own pages are reached from a browser
	// (behind any reverse proxy and path prefix); when set, alerts link to
	// <public_url>/groups/<fingerprint> and storm summaries to
	// <public_url>/storms/<id>.
	PublicURL string `yaml:"public_url"`
	// MinLevel is the lowest level that alerts (default ERROR); lower levels
	// are still grouped and searchable.
	MinLevel string `yaml:"min_level"`
	// Storm: more than Threshold groups announced within Window become one
	// summary naming each of them.
	Storm Storm `yaml:"storm"`
	// CatchUpAfter: a new group's alert that waited longer than this (a
	// backlog: a channel added later, a notifier that was down) goes into
	// one catch-up summary instead of its own late message.
	CatchUpAfter Duration `yaml:"catch_up_after"`
	// FlatlineAfter alerts once when a service that was sending has sent
	// nothing for this long (0 = off), and once when it is back.
	FlatlineAfter Duration `yaml:"flatline_after"`
	// LagThreshold is the processor backlog (events) that counts as pipeline trouble.
	LagThreshold int `yaml:"lag_threshold"`
	// CheckInterval is how often pipeline health and flatlines are checked.
	CheckInterval Duration `yaml:"check_interval"`
	// Replicas of the notifier's KV bucket; set from --stream-replicas.
	Replicas int `yaml:"-"`
}

// Storm tunes storm collapsing.
type Storm struct {
	Threshold int      `yaml:"threshold"`
	Window    Duration `yaml:"window"`
	// Top is read so that older files still load; summaries name every
	// group now.
	Top int `yaml:"top"`
}

// Duration reads YAML strings such as "5m", "24h" or "7d".
type Duration struct{ time.Duration }

// UnmarshalYAML parses a Go duration string, or one that starts with days
// or weeks (cli.ParseDuration).
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := cli.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	d.Duration = v
	return nil
}

// EnvName is the environment variable that backs a flag: FAULTLINE_HTTP_ADDR for http-addr.
func EnvName(flagName string) string {
	return "FAULTLINE_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// ServerFlags are the shared flags only the services and the embedded NATS
// use; the client commands (groups, dlq) accept them and leave them out of
// their help.
var ServerFlags = []string{"http-addr", "data-dir", "config", "log-level", "snapshot-location", "kibana-url", "stream-replicas",
	"allow-anonymous", "metrics-addr", "tls-cert", "tls-key", "jetstream-sync"}

// Flags registers the shared flags on fs, each defaulting to its environment
// variable, and returns a function that finishes parsing (the YAML file) once
// fs.Parse ran.
func Flags(fs *flag.FlagSet) (*Config, func() error) {
	c := &Config{}
	str := func(p *string, name, def, usage string) {
		if v, ok := os.LookupEnv(EnvName(name)); ok {
			def = v
		}
		fs.StringVar(p, name, def, usage+" (env "+EnvName(name)+")")
	}
	var esURL string
	str(&c.HTTPAddr, "http-addr", "127.0.0.1:8080", "HTTP listen address")
	str(&esURL, "es-url", "http://127.0.0.1:9200", "Elasticsearch URL(s), comma separated")
	str(&c.NATSURL, "nats-url", "", "NATS URL; empty runs an embedded server (in all)")
	str(&c.NATSListen, "nats-listen", "127.0.0.1:4222", "where the embedded NATS server listens for other faultline processes")
	str(&c.DataDir, "data-dir", "./data", "data directory of the embedded JetStream")
	str(&c.ConfigFile, "config", "", "YAML file with channels, routes and API keys")
	str(&c.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	str(&c.SnapshotLocation, "snapshot-location", "", "Elasticsearch snapshot locations, comma separated, each backup written to every one in order: a directory under path.repo or s3://bucket/path; empty = no backups")
	str(&c.KibanaURL, "kibana-url", "", "Kibana URL; when set, setup imports the saved objects")
	replicas := "1"
	str(&replicas, "stream-replicas", "1", "replicas of the JetStream streams and KV (3 on a NATS cluster)")
	var badBools []string
	boolean := func(p *bool, name, usage string) {
		def := false
		if v, ok := os.LookupEnv(EnvName(name)); ok {
			b, err := strconv.ParseBool(v)
			if err != nil {
				badBools = append(badBools, fmt.Sprintf("%s: %q is not true or false", EnvName(name), v))
			}
			def = b
		}
		fs.BoolVar(p, name, def, usage+" (env "+EnvName(name)+")")
	}
	boolean(&c.AllowAnonymous, "allow-anonymous", "serve without API keys (or run the embedded NATS without credentials) beyond loopback")
	str(&c.MetricsAddr, "metrics-addr", "", "separate listen address for unauthenticated /metrics; empty = on http-addr behind a read key")
	str(&c.TLS.Cert, "tls-cert", "", "PEM certificate chain: serve HTTPS (reloaded when the file changes)")
	str(&c.TLS.Key, "tls-key", "", "PEM private key of --tls-cert")
	str(&c.ES.CAFile, "es-ca-file", "", "PEM CA certificate(s) that sign Elasticsearch's certificate")
	str(&c.ES.CAFingerprint, "es-ca-fingerprint", "", "SHA-256 fingerprint (hex) of Elasticsearch's CA certificate")
	str(&c.ES.APIKey, "es-api-key", "", "Elasticsearch API key (base64 id:key); prefer the environment variable")
	str(&c.ES.Username, "es-username", "", "Elasticsearch basic-auth user")
	str(&c.ES.Password, "es-password", "", "Elasticsearch basic-auth password; prefer the environment variable")
	str(&c.NATS.Creds, "nats-creds", "", "NATS credentials file (JWT and NKey seed)")
	str(&c.NATS.NKey, "nats-nkey", "", "file holding a NATS NKey seed")
	str(&c.NATS.User, "nats-user", "", "NATS user")
	str(&c.NATS.Password, "nats-password", "", "NATS password; prefer the environment variable")
	str(&c.NATS.Token, "nats-token", "", "NATS token; prefer the environment variable")
	str(&c.NATS.CAFile, "nats-ca-file", "", "PEM CA certificate(s) that sign the NATS server's certificate")
	str(&c.NATS.Cert, "nats-cert", "", "PEM client certificate for NATS (mutual TLS)")
	str(&c.NATS.Key, "nats-key", "", "PEM key of --nats-cert")
	boolean(&c.JetStreamSync, "jetstream-sync", "embedded JetStream: sync every write to disk (RPO 0 under power loss, slower)")
	// -h must not print a secret taken from the environment as a default.
	for _, name := range secretFlags {
		fs.Lookup(name).DefValue = ""
	}
	// Every problem at once: a deploy that fails should name all it must fix.
	return c, func() error {
		var errs []error
		for _, b := range badBools {
			errs = append(errs, errors.New(b))
		}
		n, err := strconv.Atoi(replicas)
		if err != nil || n < 1 || n > 5 {
			errs = append(errs, fmt.Errorf("stream-replicas: %q is not a number from 1 to 5", replicas))
		}
		c.Replicas = n
		if _, ok := logLevels[strings.ToLower(c.LogLevel)]; !ok {
			errs = append(errs, fmt.Errorf("log-level (%s): unknown level %q (want trace, debug, info, warn or error)", EnvName("log-level"), c.LogLevel))
		}
		for _, u := range strings.Split(esURL, ",") {
			if u = strings.TrimSpace(u); u != "" {
				c.ESURLs = append(c.ESURLs, u)
				errs = append(errs, checkServiceURL("es-url", u, "http", "https"))
			}
		}
		if c.NATSURL != "" {
			for _, u := range strings.Split(c.NATSURL, ",") {
				errs = append(errs, checkServiceURL("nats-url", strings.TrimSpace(u), "nats", "tls", "ws", "wss"))
			}
		}
		if c.KibanaURL != "" {
			errs = append(errs, checkServiceURL("kibana-url", c.KibanaURL, "http", "https"))
		}
		c.File = Defaults()
		if c.ConfigFile != "" {
			f, err := Load(c.ConfigFile)
			if err == nil {
				c.File = f
			}
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	}
}

// logLevels are what --log-level takes; "" is the default, info.
var logLevels = map[string]bool{"": true, "trace": true, "debug": true, "info": true, "warn": true, "error": true}

// Load reads and validates a YAML configuration file.
func Load(file string) (File, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return File{}, fmt.Errorf("config: %w", err)
	}
	f, err := Parse(raw)
	if err != nil {
		return File{}, fmt.Errorf("config %s: %w", file, err)
	}
	return f, nil
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// Parse expands ${VAR} references from the environment, decodes strictly and
// validates, so a typo fails at start-up instead of silently dropping alerts.
func Parse(raw []byte) (File, error) {
	var missing []string
	expanded := envRef.ReplaceAllFunc(raw, func(m []byte) []byte {
		name := string(envRef.FindSubmatch(m)[1])
		v, ok := os.LookupEnv(name)
		if !ok {
			missing = append(missing, name)
		}
		return []byte(v)
	})
	if len(missing) > 0 {
		return File{}, fmt.Errorf("environment variable(s) not set: %s", strings.Join(missing, ", "))
	}
	var f File
	dec := yaml.NewDecoder(strings.NewReader(string(expanded)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return File{}, fmt.Errorf("yaml: %w", err)
	}
	f.defaults()
	return f, f.Validate()
}

func (f *File) defaults() {
	n := &f.Notify
	if n.Cooldown.Duration == 0 {
		n.Cooldown.Duration = 5 * time.Minute
	}
	n.PublicURL = strings.TrimRight(n.PublicURL, "/")
	if n.MinLevel == "" {
		n.MinLevel = "ERROR"
	}
	n.MinLevel = strings.ToUpper(n.MinLevel)
	if n.Storm.Threshold == 0 {
		n.Storm.Threshold = 10
	}
	if n.Storm.Window.Duration == 0 {
		n.Storm.Window.Duration = time.Minute
	}
	if n.Storm.Top == 0 {
		n.Storm.Top = 10
	}
	if n.CatchUpAfter.Duration == 0 {
		n.CatchUpAfter.Duration = 5 * time.Minute
	}
	if n.LagThreshold == 0 {
		n.LagThreshold = 10000
	}
	if n.CheckInterval.Duration == 0 {
		n.CheckInterval.Duration = 30 * time.Second
	}
}

// WithDefaults fills what f leaves unset.
func (f File) WithDefaults() File {
	f.defaults()
	return f
}

// Defaults returns an empty file with every default filled in, for runs
// without a configuration file.
func Defaults() File {
	var f File
	f.defaults()
	return f
}

// Levels orders log levels for min_level.
var Levels = map[string]int{"TRACE": 0, "DEBUG": 1, "INFO": 2, "WARN": 3, "ERROR": 4, "FATAL": 5}

// levelNames lists Levels in order, for messages.
const levelNames = "TRACE, DEBUG, INFO, WARN, ERROR or FATAL"

// checkPattern checks one match glob: it must parse, and a level glob must
// match a level ingest gives events (upper case), or the route or rule
// would never fire.
func checkPattern(where, key, pattern string) error {
	if _, err := path.Match(pattern, ""); err != nil {
		return fmt.Errorf("%s: bad pattern %q for %s: %w", where, pattern, key, err)
	}
	if key != MatchLevel {
		return nil
	}
	for l := range Levels {
		if ok, _ := path.Match(pattern, l); ok {
			return nil
		}
	}
	return fmt.Errorf("%s: level %q matches no level (want %s, or a glob of them; levels are upper case)", where, pattern, levelNames)
}

// checkServiceURL says what is wrong with a URL faultline connects to, the
// flag it came from first; it never quotes the URL, which may carry a
// password.
func checkServiceURL(flagName, raw string, schemes ...string) error {
	if !strings.Contains(raw, "://") {
		return fmt.Errorf("%s: a URL without a scheme: add %s:// in front (as in %s://%s)", flagName, schemes[0], schemes[0], hostOnly(raw))
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%s: not a valid URL", flagName)
	}
	if !slices.Contains(schemes, u.Scheme) {
		return fmt.Errorf("%s: scheme %q (want %s://)", flagName, u.Scheme, strings.Join(schemes, ":// or "))
	}
	if u.Host == "" {
		return fmt.Errorf("%s: the URL has no host", flagName)
	}
	return nil
}

// hostOnly is the host:port of a URL written without a scheme, without a
// user:password@ that may precede it.
func hostOnly(raw string) string {
	if i := strings.LastIndex(raw, "@"); i >= 0 {
		raw = raw[i+1:]
	}
	host, _, _ := strings.Cut(raw, "/")
	return host
}

// Validate reports every problem at once, each naming where it is.
func (f File) Validate() error {
	var errs []error
	names := map[string]bool{}
	for i, ch := range f.Channels {
		where := fmt.Sprintf("channels[%d]", i)
		switch {
		case ch.Name == "":
			errs = append(errs, fmt.Errorf("%s: name is empty", where))
		case names[ch.Name]:
			errs = append(errs, fmt.Errorf("%s: duplicate channel name %q", where, ch.Name))
		}
		names[ch.Name] = true
		if !slices.Contains(ChannelTypes, ch.Type) {
			errs = append(errs, fmt.Errorf("%s (%s): unknown type %q (want %s)", where, ch.Name, ch.Type, oneOf(ChannelTypes)))
		}
		if ch.Type == Console {
			// The terminal of the process: there is nowhere to point it.
			if ch.URL != "" {
				errs = append(errs, fmt.Errorf("%s (%s): a console channel takes no url (it prints to standard output)", where, ch.Name))
			}
		} else if ch.URL == "" {
			errs = append(errs, fmt.Errorf("%s (%s): url is empty", where, ch.Name))
		} else if err := checkChannelURL(ch.URL); err != nil {
			errs = append(errs, fmt.Errorf("%s (%s): %w", where, ch.Name, err))
		}
	}
	for i, r := range f.Routes {
		where := fmt.Sprintf("routes[%d]", i)
		for k, pattern := range r.Match {
			if !slices.Contains(RouteMatchKeys, k) {
				errs = append(errs, fmt.Errorf("%s: unknown match key %q (want %s)", where, k, oneOf(RouteMatchKeys)))
			}
			errs = append(errs, checkPattern(where, k, pattern))
		}
		if len(r.Channels) == 0 {
			errs = append(errs, fmt.Errorf("%s: no channels", where))
		}
		for _, c := range r.Channels {
			if !names[c] {
				errs = append(errs, fmt.Errorf("%s: unknown channel %q", where, c))
			}
		}
	}
	if _, err := auth.New(f.Auth.Keys); err != nil {
		errs = append(errs, err)
	}
	for i, r := range f.Grouping.Rules {
		where := fmt.Sprintf("grouping.rules[%d]", i)
		if r.Fingerprint == "" {
			errs = append(errs, fmt.Errorf("%s: fingerprint is empty", where))
		}
		if len(r.Match) == 0 {
			errs = append(errs, fmt.Errorf("%s: match is empty (it would catch every event)", where))
		}
		for k, pattern := range r.Match {
			if !slices.Contains(RuleMatchKeys, k) {
				errs = append(errs, fmt.Errorf("%s: unknown match key %q (want %s)", where, k, oneOf(RuleMatchKeys)))
			}
			errs = append(errs, checkPattern(where, k, pattern))
		}
	}
	if p := f.Processor; p.BatchTimeout.Duration < 0 || p.CountSettle.Duration < 0 || p.RecountEvery.Duration < 0 || p.LateWrites.Duration < 0 {
		errs = append(errs, errors.New("processor: batch_timeout, count_settle, recount_every and late_writes cannot be negative"))
	} else if p.CountSettle.Duration > 0 {
		batch := p.BatchTimeout.Duration
		if batch == 0 {
			batch = 2 * time.Minute
		}
		if p.CountSettle.Duration <= batch {
			errs = append(errs, fmt.Errorf("processor.count_settle: %v must exceed batch_timeout (%v), or counts could be recounted while a batch still adds to them", p.CountSettle.Duration, batch))
		}
	}
	if t := f.Grouping.Threshold; t.Count < 0 || (t.Count > 0 && t.Window.Duration <= 0) {
		errs = append(errs, errors.New("grouping.threshold: count must be positive with a positive window"))
	}
	if _, ok := Levels[f.Notify.MinLevel]; !ok {
		errs = append(errs, fmt.Errorf("notify.min_level: unknown level %q (want %s)", f.Notify.MinLevel, levelNames))
	}
	if f.Notify.CatchUpAfter.Duration < 0 {
		errs = append(errs, fmt.Errorf("notify.catch_up_after: %v must not be negative", f.Notify.CatchUpAfter.Duration))
	}
	if u := f.Notify.PublicURL; u != "" {
		if err := checkPublicURL(u); err != nil {
			errs = append(errs, fmt.Errorf("notify.public_url: %w", err))
		}
	}
	if f.Notify.Storm.Threshold < 0 || f.Notify.Storm.Top < 0 || f.Notify.LagThreshold < 0 {
		errs = append(errs, errors.New("notify: storm.threshold, storm.top and lag_threshold must not be negative"))
	}
	if f.Ingest.RateLimit < 0 || f.Ingest.Burst < 0 || f.Ingest.MaxBodyBytes < 0 || f.Ingest.PublishTimeout.Duration < 0 {
		errs = append(errs, errors.New("ingest: rate_limit, burst, max_body_bytes and publish_timeout must not be negative"))
	}
	if e, body := f.Ingest.MaxEventBytes, f.Ingest.MaxBodyBytes; e != 0 && (e < 1<<10 || (body > 0 && int64(e) > body) || (body == 0 && e > 5<<20)) {
		errs = append(errs, fmt.Errorf("ingest.max_event_bytes: %d is outside 1 KiB to max_body_bytes (default 5 MiB)", e))
	}
	if b := f.Processor.MaxBulkBytes; b != 0 && (b < MinMaxBulkBytes || b > 90<<20) {
		errs = append(errs, fmt.Errorf("processor.max_bulk_bytes: %d is outside %d bytes to 90 MiB (Elasticsearch refuses requests over 100 MB)", b, MinMaxBulkBytes))
	}
	if b := f.Ingest.MaxInflightBytes; b != 0 && f.Ingest.MaxBodyBytes > 0 && int64(b) < f.Ingest.MaxBodyBytes {
		errs = append(errs, fmt.Errorf("ingest.max_inflight_bytes: %d is less than max_body_bytes (%d), so a request of the allowed size could never be read", b, f.Ingest.MaxBodyBytes))
	}
	quotas := map[string]Quota{"default": f.Ingest.Quotas.Default}
	for name, q := range f.Ingest.Quotas.Services {
		quotas["services."+name] = q
	}
	for name, q := range quotas {
		if q.EventsPerSecond < 0 {
			errs = append(errs, fmt.Errorf("ingest.quotas.%s.events_per_second: %g must not be negative", name, q.EventsPerSecond))
		}
	}
	for name, b := range map[string]Size{"events_max_bytes": f.Streams.EventsMaxBytes, "dlq_max_bytes": f.Streams.DLQMaxBytes, "alerts_max_bytes": f.Streams.AlertsMaxBytes} {
		if b != 0 && b < 1<<20 {
			errs = append(errs, fmt.Errorf("streams.%s: %d bytes is less than 1 MiB, too small to hold one event", name, b))
		}
	}
	return errors.Join(errs...)
}
