package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
	"golang.org/x/sync/errgroup"

	"github.com/faultline/faultline/dlqadmin"
	"github.com/faultline/faultline/groupadmin"
	"github.com/faultline/faultline/ingest"
	"github.com/faultline/faultline/ingest/loki"
	"github.com/faultline/faultline/ingest/otlp"
	"github.com/faultline/faultline/ingest/sentry"
	"github.com/faultline/faultline/internal/auth"
	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/cli"
	"github.com/faultline/faultline/internal/config"
	"github.com/faultline/faultline/internal/elastic"
	"github.com/faultline/faultline/internal/kibana"
	"github.com/faultline/faultline/internal/ops"
	"github.com/faultline/faultline/internal/redact"
	"github.com/faultline/faultline/loadgen"
	"github.com/faultline/faultline/notifier"
	"github.com/faultline/faultline/processor"
	"github.com/faultline/faultline/recovery"
	"github.com/faultline/faultline/schemas"
	"github.com/faultline/faultline/web"
)

const usage = `faultline turns application error logs into grouped, searchable, rate-limited alerts.

Usage:
  faultline all        ingest + processor + notifier in one process (embedded NATS unless --nats-url)
  faultline ingest     the HTTP intake
  faultline processor  fingerprinting, grouping, Elasticsearch writes
  faultline notifier   chat and Sentry alerts
  faultline setup      install templates, the groups index and the snapshot repository, then exit
  faultline backup [--every 24h] [--keep 14]     snapshot events and groups (once, or on a timer)
  faultline restore [--snapshot NAME] [--force]  restore the latest (or named) snapshot in place, then replay JetStream since it
  faultline restore --tag T [--snapshot NAME]    a copy beside the live data, as restored-faultline-T-*
  faultline groups list [--service GLOB] [--limit N] [--json]
  faultline groups show FINGERPRINT [--events N] [--json]   the group and its latest events
  faultline groups resolve|unmute FINGERPRINT
  faultline groups mute FINGERPRINT [--for 24h|7d]   (0 = until unmuted)
  faultline dlq list [--limit N] [--json]   show dead-lettered events and why
  faultline dlq replay [SEQ ...]            put dead letters back on the stream (all without SEQs)
                       groups and dlq: with --api-url through the API, the key in FAULTLINE_API_KEY
  faultline loadgen [--url U] [--events N] [--rate R] [--services S] [--bugs B]   realistic logback load
  faultline healthcheck --url URL [--tls-cert F]   exit 0 when URL answers 200 (for container health checks)
  faultline --version

Run "faultline <command> -h" for its flags; the shared ones (addresses, URLs,
config, data dir, replicas) may come anywhere after the command and also read
FAULTLINE_<NAME>, as their help says. Data goes to stdout, logs and errors to
stderr.
`

// synopses are the first lines of each command's -h.
var synopses = map[string]string{
	"all":       "faultline all [flags]\n\ningest + processor + notifier in one process (embedded NATS unless --nats-url).",
	"ingest":    "faultline ingest [flags]\n\nThe HTTP intake.",
	"processor": "faultline processor [flags]\n\nFingerprinting, grouping, Elasticsearch writes.",
	"notifier":  "faultline notifier [flags]\n\nChat and Sentry alerts, the group and dead-letter API.",
	"setup":     "faultline setup [flags]\n\nInstall templates, the groups index, the snapshot repository and Kibana's objects, then exit.",
	"backup":    "faultline backup [--every 24h] [--keep 14] [flags]\n\nSnapshot events and groups, once or on a timer.",
	"restore":   "faultline restore [--snapshot NAME] [--force | --tag T] [flags]\n\nRestore the latest (or named) snapshot, then replay JetStream since it.",
}

func main() {
	// Ingest keeps a live heap of a few MB and allocates per event; at the
	// default GOGC=100 that means dozens of collections a second under load,
	// each taking CPU from parsing. 400 trades tens of MB for a fraction of
	// them. The processor keeps large caches, where the same setting would
	// cost hundreds of MB, so it stays at Go's default, under a soft memory
	// limit (processor.Config.MemoryLimit). GOGC and GOMEMLIMIT in the
	// environment win.
	if len(os.Args) > 1 && os.Args[1] == "ingest" && os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) > 1 {
		stopProfile, err := ops.Profile(ctx, os.Args[1], os.Getenv("FAULTLINE_CPUPROFILE_DIR"), os.Getenv("FAULTLINE_HEAPPROFILE_DIR"))
		if err != nil {
			fmt.Fprintln(os.Stderr, "faultline:", err)
		}
		defer stopProfile()
	}
	switch err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil); {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.Is(err, cli.ErrUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(redact.Writer(os.Stderr), "faultline:", err)
		os.Exit(1)
	}
}

// hooks let tests learn the addresses chosen at start-up.
type hooks struct {
	httpReady, metricsReady func(net.Addr)
}

// run runs the command of args: data on stdout, logs and errors on stderr.
// flag.ErrHelp means help was asked for and printed; cli.ErrUsage, that
// args named no command.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, h *hooks) error {
	// The console channel asks whether stdout is a terminal.
	terminal := isTerminal(stdout)
	// Everything printed (logs, CLI output, usage, console alerts) goes
	// through the redaction: a library error that echoes a URL is masked too.
	stdout, stderr = redact.Writer(stdout), redact.Writer(stderr)
	std := cli.IO{Out: stdout, Err: stderr}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return cli.ErrUsage
	}
	if h == nil {
		h = &hooks{}
	}
	cmd := args[0]
	switch cmd {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return flag.ErrHelp
	case "--version", "-version", "version":
		fmt.Fprintln(stdout, "faultline", cli.Version())
		return nil
	case "healthcheck":
		return healthcheck(ctx, args[1:], std)
	case "loadgen":
		return runLoadgen(ctx, args[1:], std)
	}
	fs := flag.NewFlagSet("faultline "+cmd, flag.ContinueOnError)
	cfg, finish := config.Flags(fs)
	rest, synopsis, hide := args[1:], synopses[cmd], []string(nil)
	var bf *backupFlags
	var groupsCmd *groupadmin.Command
	var dlqCmd *dlqadmin.Command
	switch cmd {
	case "backup", "restore":
		bf = newBackupFlags(fs)
	case "groups":
		groupsCmd, rest = groupadmin.NewCommand(fs, rest)
		synopsis, hide = groupsCmd.Synopsis(), config.ServerFlags
	case "dlq":
		dlqCmd, rest = dlqadmin.NewCommand(fs, rest)
		synopsis, hide = dlqCmd.Synopsis(), config.ServerFlags
	default:
		if synopsis == "" {
			fmt.Fprint(stderr, usage)
			return fmt.Errorf("unknown command %q", cmd)
		}
	}
	pos, err := cli.Parse(fs, synopsis, rest, stdout, hide...)
	if err != nil {
		return err
	}
	if len(pos) > 0 && groupsCmd == nil && dlqCmd == nil {
		return fmt.Errorf("%s: unexpected argument %q (see faultline %s -h)", cmd, pos[0], cmd)
	}
	err = finish()
	// Registered before anything is logged, and even when the file did not
	// load: its channels' secrets may be in the error.
	redact.Register(cfg.Secrets()...)
	for _, u := range cfg.URLs() {
		redact.RegisterURL(u)
	}
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogLevel)
	switch cmd {
	case "all", "ingest", "processor", "notifier":
		return serve(ctx, cmd, cfg, log, console{stdout, terminal}, h)
	case "setup":
		return setup(ctx, cfg, log)
	case "backup":
		return backup(ctx, cmd, cfg, bf, log)
	case "restore":
		return restore(ctx, cfg, bf, stdout, log)
	case "groups":
		return groupsCmd.Run(ctx, pos, std, directGroups(cfg, stderr))
	default: // dlq
		return dlqCmd.Run(ctx, pos, std, directDLQ(cfg))
	}
}

func newLogger(w io.Writer, level string) zerolog.Logger {
	lvl, err := zerolog.ParseLevel(level)
	if err != nil || level == "" {
		lvl = zerolog.InfoLevel
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger()
}

// serve wires the services that cmd names and runs them until ctx ends.
func serve(ctx context.Context, cmd string, cfg *config.Config, log zerolog.Logger, out console, h *hooks) error {
	keys, err := auth.New(cfg.File.Auth.Keys)
	if err != nil {
		return err
	}
	cfg.File = notifier.WithTerminalDefault(cfg.File, cmd, out.terminal, log)
	natsURL := cfg.NATSURL
	embeds := natsURL == "" && cmd == "all"
	if cmd != "processor" {
		if err := auth.CheckListen(cmd, cfg.HTTPAddr, keys.Enabled(), cfg.AllowAnonymous); err != nil {
			return err
		}
	}
	if embeds {
		n := cfg.NATS
		if err := auth.CheckListen("embedded NATS", cfg.NATSListen, n.User != "" || n.Token != "" || n.NKey != "" || n.Creds != "", cfg.AllowAnonymous); err != nil {
			return err
		}
	}
	var embedded *server.Server
	if embeds {
		if cfg.NATS.CAFile != "" || cfg.NATS.Cert != "" {
			return errors.New("--nats-ca-file, --nats-cert and --nats-key are for an external NATS (--nats-url); the embedded one listens without TLS")
		}
		embedded, err = broker.StartEmbedded(cfg.DataDir, cfg.NATSListen,
			broker.RequireAuth(cfg.NATS.User, cfg.NATS.Password, cfg.NATS.Token), broker.SyncAlways(cfg.JetStreamSync))
		if err != nil {
			return err
		}
		defer embedded.Shutdown()
		natsURL = embedded.ClientURL()
		log.Info().Str("nats", natsURL).Str("data_dir", cfg.DataDir).Bool("auth", cfg.NATS.User != "" || cfg.NATS.Token != "").
			Bool("sync_always", cfg.JetStreamSync).Msg("embedded NATS JetStream started")
	} else if natsURL == "" {
		natsURL = nats.DefaultURL
	}
	// Nothing below waits for NATS or Elasticsearch: the listener comes
	// first, and what needs them is set up in the background, retried, and
	// named on /readyz until it is there.
	nc, err := connectNATS(cfg, natsURL, "faultline-"+cmd, log)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096))
	if err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	limits := broker.LimitsFrom(cfg.File.Streams)
	streams := broker.Streams(natsURL)

	runs := cmd == "all"
	checks := map[string]ops.Check{"nats": streams.Err}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return streams.Run(gctx, log, broker.EnsureStreamsNow(nc, js, cfg.Replicas, limits)) })
	// One registry per process: each service it runs registers its own
	// metrics there, and /metrics serves only those.
	reg := ops.NewRegistry()
	muxMetrics := reg
	if cfg.MetricsAddr != "" {
		muxMetrics = nil
	}
	mux := ops.Mux(checks, keys, muxMetrics)
	if runs || cmd == "processor" {
		es, err := newES(cfg)
		if err != nil {
			return err
		}
		pcfg := processor.ConfigFrom(cfg.File)
		pcfg.ESURLs = cfg.ESURLs
		pcfg.Metrics = processor.NewMetrics(reg)
		if cmd == "processor" && os.Getenv("GOMEMLIMIT") == "" {
			debug.SetMemoryLimit(pcfg.MemoryLimit())
		}
		p := processor.New(js, es, log, pcfg)
		checks["dead letters"] = p.DeadLetters
		checks["processor"] = p.Readiness
		g.Go(func() error { return p.Run(gctx) })
	}
	if runs || cmd == "notifier" {
		es, err := newES(cfg)
		if err != nil {
			return err
		}
		probes := map[string]notifier.Probe{
			"elasticsearch": func(ctx context.Context) error { return elastic.Ping(ctx, es) },
			"consumer lag":  notifier.LagProbe(js, processor.ConsumerName, cfg.File.Notify.LagThreshold),
			"dead letters":  notifier.DLQProbe(js),
		}
		cfg.File.Notify.Replicas = cfg.Replicas
		n, err := notifier.Prepare(js, log, cfg.File, probes, notifier.NewMetrics(reg))
		if err != nil {
			return err
		}
		n.ConsoleTo(out.w)
		checks["notifier state"] = n.Readiness
		store := processor.NewGroups(es)
		n.ReadGroupsFrom(store)
		n.RegisterAPI(mux, store, keys)
		dead := &dlqadmin.Admin{JS: js, Log: log}
		pages, err := web.New(web.Config{Keys: keys, Data: web.NewData(es), PublicURL: cfg.File.Notify.PublicURL, KibanaURL: cfg.File.Notify.KibanaURL,
			SessionKey: web.SessionKey(cfg.File.Auth.Keys, cfg.Secrets()), Explain: web.GroupingFrames(cfg.File.Grouping), Log: log, Admin: func() (*groupadmin.Admin, error) { return n.GroupAdmin(store) },
			Pipeline: &web.Pipeline{JS: js, DeadLetters: dead, Notifier: n}})
		if err != nil {
			return err
		}
		pages.Register(mux)
		dlqadmin.Register(mux, dead, keys)
		g.Go(func() error { return n.Run(gctx) })
	}
	if runs || cmd == "ingest" {
		icfg := ingest.ConfigFrom(cfg.File.Ingest)
		icfg.Auth, icfg.Streams, icfg.Metrics = keys, streams, ingest.NewMetrics(reg)
		srv, err := ingest.New(nc, js, log, icfg)
		if err != nil {
			return err
		}
		checks["jetstream"] = srv.Ready
		srv.ShareLogs(otlp.New(srv, log, otlp.NewMetrics(reg)).Wrap)
		srv.Register(mux)
		sentry.New(srv, sentry.NewMetrics(reg)).Register(mux)
		loki.New(srv, log, loki.NewMetrics(reg)).Register(mux)
	}
	g.Go(func() error {
		return ops.Serve(gctx, ops.ServeConfig{Addr: cfg.HTTPAddr, Handler: mux, CertFile: cfg.TLS.Cert, KeyFile: cfg.TLS.Key, Log: log, Ready: h.httpReady})
	})
	if cfg.MetricsAddr != "" {
		g.Go(func() error {
			return ops.Serve(gctx, ops.ServeConfig{Addr: cfg.MetricsAddr, Handler: ops.Metrics(reg), CertFile: cfg.TLS.Cert, KeyFile: cfg.TLS.Key, Log: log, Ready: h.metricsReady})
		})
	}
	log.Info().Str("command", cmd).Str("http", cfg.HTTPAddr).Bool("https", cfg.TLS.Cert != "").Strs("elasticsearch", redact.URLs(cfg.ESURLs)).
		Str("nats", redact.URL(natsURL)).Msg("faultline running; logs go to stderr")
	err = g.Wait()
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		err = nil
	}
	// Flush acks and publishes still in flight before the server goes.
	broker.Drain(nc, 5*time.Second)
	return err
}

// isTerminal tells whether w is a terminal a person is watching.
// console is where the console channel prints: the command's stdout.
type console struct {
	w        io.Writer
	terminal bool
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// connectNATS dials with the configured credentials and TLS; extra
// options override the defaults (the CLI fails fast instead of retrying).
func connectNATS(cfg *config.Config, url, name string, log zerolog.Logger, extra ...nats.Option) (*nats.Conn, error) {
	opts, err := broker.Auth(cfg.NATS).Options()
	if err != nil {
		return nil, err
	}
	opts = append(append(opts, broker.Logged(log)...), extra...)
	return broker.Connect(url, name, opts...)
}

// newES builds the Elasticsearch client with the configured credentials and
// trust.
func newES(cfg *config.Config) (*elasticsearch.Client, error) {
	return elastic.NewClient(cfg.ESURLs, elastic.WithAuth(elastic.Auth(cfg.ES)))
}

// healthcheck lets a distroless container check itself without curl.
func healthcheck(ctx context.Context, args []string, std cli.IO) error {
	fs := flag.NewFlagSet("faultline healthcheck", flag.ContinueOnError)
	url := fs.String("url", "http://127.0.0.1:8080/readyz", "URL that must answer 200")
	cert := fs.String("tls-cert", os.Getenv(config.EnvName("tls-cert")), "for an https URL: accept only this certificate, whatever its name (env FAULTLINE_TLS_CERT)")
	if err := parseOnly(fs, "faultline healthcheck [--url URL] [--tls-cert F]\n\nExit 0 when URL answers 200.", args, std); err != nil {
		return err
	}
	client := http.DefaultClient
	if *cert != "" && strings.HasPrefix(*url, "https:") {
		var err error
		if client, err = ops.PinnedClient(*cert, 3*time.Second); err != nil {
			return fmt.Errorf("healthcheck: %w", err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", redact.Error(err))
	}
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", redact.Error(err))
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s", redact.URL(*url), res.Status)
	}
	return nil
}

// parseOnly parses a command that takes flags and no arguments.
func parseOnly(fs *flag.FlagSet, synopsis string, args []string, std cli.IO) error {
	pos, err := cli.Parse(fs, synopsis, args, std.Out)
	if err == nil && len(pos) > 0 {
		err = fmt.Errorf("%s: unexpected argument %q (see %s -h)", fs.Name(), pos[0], fs.Name())
	}
	return err
}

// directDLQ lists or replays dead letters on the NATS server of --nats-url
// (or the embedded server's listen address of a running "faultline all").
func directDLQ(cfg *config.Config) func(ctx context.Context) (dlqadmin.DeadLetters, func(), error) {
	return func(ctx context.Context) (dlqadmin.DeadLetters, func(), error) {
		url := cfg.NATSURL
		if url == "" {
			url = "nats://" + cfg.NATSListen
		}
		nc, err := connectNATS(cfg, url, "faultline-dlq", zerolog.Nop(), nats.RetryOnFailedConnect(false))
		if err != nil {
			return nil, nil, fmt.Errorf("dlq: %w", err)
		}
		js, err := jetstream.New(nc)
		if err != nil {
			nc.Close()
			return nil, nil, fmt.Errorf("dlq: %w", err)
		}
		admin := &dlqadmin.Admin{JS: js, Log: zerolog.Nop()}
		return admin.As(auth.Local(groupadmin.CLIName())), nc.Close, nil
	}
}

// directGroups lists groups or changes their status directly:
// Elasticsearch, and the notifiers' state in NATS so a mute also silences
// alerts already on their way; warnings go to stderr.
func directGroups(cfg *config.Config, stderr io.Writer) func(ctx context.Context, change bool) (groupadmin.Groups, func(), error) {
	return func(ctx context.Context, change bool) (groupadmin.Groups, func(), error) {
		es, err := newES(cfg)
		if err != nil {
			return nil, nil, err
		}
		admin := &groupadmin.Admin{Store: processor.NewGroups(es)}
		who := auth.Local(groupadmin.CLIName())
		if !change {
			return admin.As(who), func() {}, nil
		}
		done := func() {}
		url := cfg.NATSURL
		if url == "" {
			url = "nats://" + cfg.NATSListen
		}
		nc, err := connectNATS(cfg, url, "faultline-groups", zerolog.Nop(), nats.RetryOnFailedConnect(false), nats.Timeout(3*time.Second))
		if err != nil {
			fmt.Fprintf(stderr, "warning: NATS at %s unreachable (%v); only Elasticsearch is changed, alerts already in flight may still go out\n", redact.URL(url), err)
		} else {
			done = nc.Close
			js, err := jetstream.New(nc)
			if err != nil {
				nc.Close()
				return nil, nil, fmt.Errorf("groups: %w", err)
			}
			if admin.Mutes, err = notifier.OpenMutes(ctx, js); err != nil {
				nc.Close()
				return nil, nil, fmt.Errorf("groups: %w", err)
			}
		}
		return admin.As(who), done, nil
	}
}

// setup is idempotent: run it at every deploy.
func setup(ctx context.Context, cfg *config.Config, log zerolog.Logger) error {
	es, err := newES(cfg)
	if err != nil {
		return err
	}
	if err := elastic.Setup(ctx, es); err != nil {
		return fmt.Errorf("setup: elasticsearch %s: %w", strings.Join(redact.URLs(cfg.ESURLs), ","), redact.Error(err))
	}
	log.Info().Strs("elasticsearch", redact.URLs(cfg.ESURLs)).Msg("elasticsearch templates and groups index installed")
	if cfg.KibanaURL != "" {
		client := &http.Client{Timeout: 30 * time.Second}
		wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		st, err := kibana.WaitReady(wctx, client, cfg.KibanaURL)
		if err != nil {
			return fmt.Errorf("setup: kibana %s: %w", redact.URL(cfg.KibanaURL), redact.Error(err))
		}
		if st.Degraded() {
			log.Warn().Str("kibana", redact.URL(cfg.KibanaURL)).Str("summary", st.Summary).
				Msg("kibana is degraded; importing the saved objects anyway")
		}
		if err := kibana.Import(ctx, client, cfg.KibanaURL, schemas.KibanaSavedObjects); err != nil {
			return fmt.Errorf("setup: kibana %s: %w", redact.URL(cfg.KibanaURL), redact.Error(err))
		}
		log.Info().Str("kibana", redact.URL(cfg.KibanaURL)).Msg("kibana data views, searches and dashboard imported")
	}
	if repos := recovery.Repositories(cfg.SnapshotLocation); len(repos) > 0 {
		if err := recovery.EnsureRepositories(ctx, es, repos); err != nil {
			return fmt.Errorf("setup: %w", err)
		}
		slm := false
		for _, r := range repos {
			if slm, err = elastic.EnsureSLM(ctx, es, r.Name); err != nil {
				return fmt.Errorf("setup: %w", err)
			}
		}
		if slm {
			log.Info().Int("repositories", len(repos)).Msg("snapshot repositories and nightly SLM policies installed")
		} else {
			log.Warn().Int("repositories", len(repos)).Msg("snapshot repositories installed; this cluster has no SLM, so run `faultline backup --every 24h`")
		}
	}
	return nil
}

type backupFlags struct {
	every, margin             *time.Duration
	keep                      *int
	name, tag, from           *string
	force, replay, replayOnly *bool
}

func newBackupFlags(fs *flag.FlagSet) *backupFlags {
	return &backupFlags{
		every:      cli.DurationFlag(fs, "every", 0, "backup: take a snapshot this often, such as 24h or 1d (0 = once)"),
		keep:       fs.Int("keep", 14, "backup: snapshots to keep"),
		name:       fs.String("snapshot", "", "restore: the snapshot (default: the latest)"),
		from:       fs.String("from", "", "restore: the snapshot location to restore from (another region's copy: a directory under path.repo or s3://bucket/path), registered read-only; default: the first of --snapshot-location"),
		tag:        fs.String("tag", "", "restore: beside the live data, as the indices restored-faultline-<tag>-events-… and restored-faultline-<tag>-groups"),
		force:      fs.Bool("force", false, "restore: delete the live events data stream and groups index when they hold documents, and restore over them"),
		replay:     fs.Bool("replay", true, "restore: then replay from JetStream (--nats-url) every event accepted since the snapshot began"),
		replayOnly: fs.Bool("replay-only", false, "restore: only the replay, for a restore whose replay failed"),
		margin:     cli.DurationFlag(fs, "replay-margin", recovery.DefaultMargin, "restore: start the replay this long before the snapshot began (events stored late)"),
	}
}

// backup takes snapshots (once, or every --every) and keeps the newest
// --keep; restore brings one back.
func backup(ctx context.Context, cmd string, cfg *config.Config, f *backupFlags, log zerolog.Logger) error {
	every, keep := f.every, f.keep
	es, repos, err := snapshotClient(cmd, cfg)
	if err != nil {
		return err
	}
	for {
		if _, err := recovery.Backup(ctx, es, repos, *keep, log); err != nil {
			if *every == 0 {
				return err
			}
			log.Error().Err(err).Msg("backup failed; trying again at the next interval")
		}
		if *every == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(*every):
		}
	}
}

// snapshotClient connects to Elasticsearch for the snapshot repositories.
func snapshotClient(cmd string, cfg *config.Config) (*elasticsearch.Client, []recovery.Repository, error) {
	repos := recovery.Repositories(cfg.SnapshotLocation)
	if len(repos) == 0 {
		return nil, nil, errors.New(cmd + ": set --snapshot-location (FAULTLINE_SNAPSHOT_LOCATION) to a directory under the node's path.repo")
	}
	es, err := newES(cfg)
	if err != nil {
		return nil, nil, err
	}
	return es, repos, nil
}

// restore brings the latest (or named) snapshot back and replays the events
// accepted since from JetStream.
func restore(ctx context.Context, cfg *config.Config, f *backupFlags, out io.Writer, log zerolog.Logger) error {
	var es *elasticsearch.Client
	var repo string
	var err error
	if *f.from != "" {
		// The copy elsewhere: the configured repositories may be gone
		// with the site that held them, so they are not needed.
		if es, err = newES(cfg); err != nil {
			return err
		}
		if repo, err = recovery.UseSource(ctx, es, *f.from); err != nil {
			return err
		}
	} else {
		var repos []recovery.Repository
		if es, repos, err = snapshotClient("restore", cfg); err != nil {
			return err
		}
		repo = repos[0].Name
		if err := elastic.EnsureRepository(ctx, es, repo, repos[0].Location); err != nil {
			return err
		}
	}
	o := recovery.Options{Repo: repo, Snapshot: *f.name, Tag: *f.tag, Force: *f.force, ReplayOnly: *f.replayOnly, Margin: *f.margin}
	if *f.replay && o.Tag == "" {
		url := cfg.NATSURL
		if url == "" {
			url = "nats://" + cfg.NATSListen
		}
		nc, err := connectNATS(cfg, url, "faultline-restore", zerolog.Nop(), nats.RetryOnFailedConnect(false))
		if err != nil {
			return fmt.Errorf("restore: NATS at %s, for the replay (--replay=false restores without it): %w", redact.URL(url), err)
		}
		defer nc.Close()
		if o.JS, err = jetstream.New(nc); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		o.Processor = processor.ConfigFrom(cfg.File)
	}
	rep, err := recovery.Run(ctx, es, o, log)
	if rep.Snapshot.Name != "" {
		rep.Print(out)
	}
	return err
}

func runLoadgen(ctx context.Context, args []string, std cli.IO) error {
	fs := flag.NewFlagSet("faultline loadgen", flag.ContinueOnError)
	c := loadgen.Flags(fs)
	if err := parseOnly(fs, "faultline loadgen [flags]\n\nRealistic logback error load against ingest.", args, std); err != nil {
		return err
	}
	res, err := loadgen.Run(ctx, *c)
	fmt.Fprintf(std.Out, "loadgen: %d events accepted in %s (%.0f events/s), %d retries\n", res.Accepted, res.Elapsed.Round(time.Millisecond), res.Rate(), res.Retries)
	return err
}
