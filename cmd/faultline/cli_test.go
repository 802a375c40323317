package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/faultline/faultline/internal/cli"
)

// TestMain lets a test run this binary's main as the faultline command, to
// see its exit status and streams as a shell does.
func TestMain(m *testing.M) {
	if os.Getenv("FAULTLINE_TEST_RUN_MAIN") == "1" {
		os.Args = append([]string{"faultline"}, os.Args[1:]...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// faultline runs the command in a process of its own and returns its
// stdout, stderr and exit status.
func faultline(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), "FAULTLINE_TEST_RUN_MAIN=1")
	var out, diag bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &diag
	err = cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), diag.String(), code
}

// TestExitStatus: what a shell sees of help, usage, version and mistakes.
func TestExitStatus(t *testing.T) {
	for _, tc := range []struct {
		args           []string
		code           int
		stdout, stderr string // prefixes; "" = must be empty
	}{
		{args: nil, code: 2, stderr: "faultline turns application error logs"},
		{args: []string{"-h"}, stdout: "faultline turns application error logs"},
		{args: []string{"--help"}, stdout: "faultline turns application error logs"},
		{args: []string{"help"}, stdout: "faultline turns application error logs"},
		{args: []string{"--version"}, stdout: "faultline "},
		{args: []string{"ingest", "--help"}, stdout: "Usage: faultline ingest [flags]"},
		{args: []string{"groups", "mute", "-h"}, stdout: "Usage: faultline groups mute FINGERPRINT"},
		{args: []string{"frobnicate"}, code: 1, stderr: "faultline turns application error logs"},
		{args: []string{"ingest", "--no-such-flag"}, code: 1, stderr: "faultline: faultline ingest: flag provided but not defined: -no-such-flag (see faultline ingest -h)"},
		{args: []string{"groups"}, code: 1, stderr: "faultline: groups: want an action"},
		{args: []string{"processor", "stray"}, code: 1, stderr: `faultline: processor: unexpected argument "stray"`},
		{args: []string{"restore", "--es-url", "http://127.0.0.1:1", "--from", "gs://bucket/faultline"}, code: 1,
			stderr: `faultline: restore --from: snapshot repository faultline-restore-source: location "gs://bucket/faultline": want a directory under path.repo or s3://bucket/base/path`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, diag, code := faultline(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit status %d, want %d (stderr %q)", code, tc.code, diag)
			}
			for _, s := range []struct{ name, got, want string }{{"stdout", out, tc.stdout}, {"stderr", diag, tc.stderr}} {
				if (s.want == "") != (s.got == "") || !strings.HasPrefix(s.got, s.want) {
					t.Errorf("%s %q, want it to start with %q", s.name, s.got, s.want)
				}
			}
		})
	}
}

// TestHelp: -h and --help on every command and action print that command's
// flags, and only those, on stdout, and succeed.
func TestHelp(t *testing.T) {
	for _, tc := range []struct {
		args       []string
		want, not  []string
		notShared  bool // a command without the shared flags
		synopsisOf string
	}{
		{args: []string{"all"}, want: []string{"-http-addr", "-nats-url", "-es-url"}, not: []string{"-every", "-limit", "-json"}},
		{args: []string{"ingest"}, want: []string{"-http-addr"}, not: []string{"-every"}},
		{args: []string{"processor"}, want: []string{"-es-url"}},
		{args: []string{"notifier"}, want: []string{"-config"}},
		{args: []string{"setup"}, want: []string{"-kibana-url"}},
		{args: []string{"backup"}, want: []string{"-every", "-keep"}},
		{args: []string{"restore"}, want: []string{"-snapshot", "-force", "-replay-margin", "-from"}},
		{args: []string{"groups"}, want: []string{"faultline groups list", "faultline groups show", "-api-url", "-es-url"}, not: []string{"-limit", "-for"}},
		{args: []string{"groups", "list"}, want: []string{"-service", "-limit", "-json", "-es-url", "-es-password", "-api-url", "-nats-url"}, not: []string{"-for", "-events", "-http-addr", "-jetstream-sync", "-tls-cert"}},
		{args: []string{"groups", "show"}, want: []string{"-events", "-json"}, not: []string{"-for", "-limit"}},
		{args: []string{"groups", "mute"}, want: []string{"-for", "1d"}, not: []string{"-limit", "-service"}},
		{args: []string{"groups", "resolve"}, want: []string{"-json"}, not: []string{"-for"}},
		{args: []string{"groups", "unmute"}, want: []string{"-json"}, not: []string{"-for"}},
		{args: []string{"groups", "--es-url", "http://127.0.0.1:9200", "list"}, want: []string{"-limit"}},
		{args: []string{"dlq"}, want: []string{"faultline dlq list", "faultline dlq replay"}, not: []string{"-limit"}},
		{args: []string{"dlq", "list"}, want: []string{"-limit", "-json", "-nats-url", "-nats-token"}, not: []string{"-metrics-addr", "-data-dir"}},
		{args: []string{"dlq", "replay"}, want: []string{"SEQ", "-api-url"}, not: []string{"-limit"}},
		{args: []string{"loadgen"}, want: []string{"-url", "-events", "FAULTLINE_HTTP_ADDR"}, notShared: true},
		{args: []string{"healthcheck"}, want: []string{"-url", "-tls-cert"}, notShared: true},
	} {
		for _, h := range []string{"-h", "--help"} {
			args := append(append([]string{}, tc.args...), h)
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				var out, diag bytes.Buffer
				err := run(context.Background(), args, &out, &diag, nil)
				if !errors.Is(err, flag.ErrHelp) {
					t.Fatalf("run: %v, want flag.ErrHelp (exit 0)", err)
				}
				if diag.Len() > 0 {
					t.Errorf("stderr: %q, want nothing", diag.String())
				}
				if !strings.HasPrefix(out.String(), "Usage: faultline "+tc.args[0]) {
					t.Errorf("stdout does not start with the command's usage:\n%s", out.String())
				}
				for _, w := range tc.want {
					if !strings.Contains(out.String(), w) {
						t.Errorf("help lacks %q:\n%s", w, out.String())
					}
				}
				not := tc.not
				if tc.notShared {
					not = append(not, "-es-url", "-nats-url")
				}
				for _, n := range not {
					if strings.Contains(out.String(), "  "+n+" ") || strings.Contains(out.String(), "  "+n+"\n") {
						t.Errorf("help lists %q, another command's flag:\n%s", n, out.String())
					}
				}
			})
		}
	}
}

// TestSharedFlagsAfterTheAction: the shared flags are accepted before and
// after the action and its argument, and a flag value that looks like an
// action is not taken for one.
func TestSharedFlagsAfterTheAction(t *testing.T) {
	down := "http://127.0.0.1:1"
	for _, args := range [][]string{
		{"groups", "--es-url", down, "list"},
		{"groups", "list", "--es-url", down},
		{"groups", "list", "--es-url=" + down, "--limit", "3"},
		{"groups", "--log-level", "warn", "show", "abc", "--es-url", down},
		{"groups", "show", "--es-url", down, "abc"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var out, diag bytes.Buffer
			err := run(context.Background(), args, &out, &diag, nil)
			// Parsed as meant: the Elasticsearch given after the action was
			// the one tried.
			if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
				t.Errorf("run: %v, want a failure to reach the Elasticsearch of --es-url", err)
			}
			if out.Len() > 0 {
				t.Errorf("stdout %q on failure", out.String())
			}
		})
	}
	var out, diag bytes.Buffer
	if err := run(context.Background(), []string{"groups", "list", "extra"}, &out, &diag, nil); err == nil || !strings.Contains(err.Error(), `unexpected argument "extra"`) {
		t.Errorf("groups list extra: %v", err)
	}
	if err := run(context.Background(), []string{"groups", "mute", "fp", "--for", "1x"}, &out, &diag, nil); err == nil || !strings.Contains(err.Error(), "such as 90s, 30m, 24h, 1d or 2w") {
		t.Errorf("groups mute --for 1x: %v", err)
	}
}

// TestLoadgenReadsHTTPAddr: like every other command, loadgen finds ingest
// at FAULTLINE_HTTP_ADDR when --url is not given, and prints its result on
// stdout.
func TestLoadgenReadsHTTPAddr(t *testing.T) {
	var posts atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.URL.Path == "/v1/logs" {
			posts.Add(1)
		}
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, `{"accepted":5}`)
	}))
	defer srv.Close()
	t.Setenv("FAULTLINE_HTTP_ADDR", strings.TrimPrefix(srv.URL, "http://"))
	var out, diag bytes.Buffer
	if err := run(context.Background(), []string{"loadgen", "--events", "5", "--batch", "5", "--workers", "1"}, &out, &diag, nil); err != nil {
		t.Fatalf("loadgen: %v (stderr %q)", err, diag.String())
	}
	if posts.Load() == 0 {
		t.Errorf("nothing posted to FAULTLINE_HTTP_ADDR")
	}
	if !strings.HasPrefix(out.String(), "loadgen: 5 events accepted") || diag.Len() > 0 {
		t.Errorf("stdout %q, stderr %q", out.String(), diag.String())
	}
}

// TestVersion: --version prints the version the build carries.
func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--version"}, &out, io.Discard, nil); err != nil {
		t.Fatal(err)
	}
	if want := "faultline " + cli.Version() + "\n"; out.String() != want || cli.Version() == "" {
		t.Errorf("--version: %q, want %q", out.String(), want)
	}
}
