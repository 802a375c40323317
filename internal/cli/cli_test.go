package cli

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{in: "90s", want: 90 * time.Second},
		{in: "24h", want: 24 * time.Hour},
		{in: "1d", want: 24 * time.Hour},
		{in: "7d", want: 7 * 24 * time.Hour},
		{in: "2w", want: 14 * 24 * time.Hour},
		{in: "1d12h", want: 36 * time.Hour},
		{in: "1d30m", want: 24*time.Hour + 30*time.Minute},
		{in: "0", want: 0},
		{in: "0d", want: 0},
		{in: " 1d ", want: 24 * time.Hour},
		{in: "-1d", want: -24 * time.Hour},
		{in: "", err: true},
		{in: "d", err: true},
		{in: "1.5d", err: true},
		{in: "1x", err: true},
		{in: "1d1d", err: true},
		{in: "1dd", err: true},
		{in: "99999999999d", err: true},
		{in: "106752d", err: true}, // past time.Duration's 292 years
		{in: "106751d23h48m", err: true},
	} {
		got, err := ParseDuration(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"1d", "2w", "1d12h", "90s", "-3d", "1d-1h", "9223372036854775807d", "1w1d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			return
		}
		if !strings.ContainsAny(s, "dw") {
			if want, err := time.ParseDuration(strings.TrimSpace(s)); err != nil || want != d {
				t.Errorf("%q: %v, time.ParseDuration says %v %v", s, d, want, err)
			}
		}
	})
}

func testFlags() *flag.FlagSet {
	fs := flag.NewFlagSet("faultline groups", flag.ContinueOnError)
	fs.String("es-url", "", "")
	fs.Bool("json", false, "")
	return fs
}

func TestAction(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		action string
		rest   []string
	}{
		{[]string{"list"}, "list", []string{}},
		{[]string{"--es-url", "list", "show"}, "show", []string{"--es-url", "list"}},
		{[]string{"--es-url=x", "list", "--limit", "3"}, "list", []string{"--es-url=x", "--limit", "3"}},
		{[]string{"--json", "mute", "fp"}, "mute", []string{"--json", "fp"}},
		{[]string{"-h"}, "", []string{"-h"}},
		{[]string{"--", "list"}, "list", []string{"--"}},
		{nil, "", nil},
	} {
		action, rest := Action(testFlags(), tc.args)
		if action != tc.action || !slices.Equal(rest, tc.rest) {
			t.Errorf("Action(%q) = %q %q, want %q %q", tc.args, action, rest, tc.action, tc.rest)
		}
	}
}

func TestParseInterspersed(t *testing.T) {
	fs := testFlags()
	pos, err := Parse(fs, "x", []string{"fp1", "--es-url", "u", "fp2", "--json", "--", "-x"}, io.Discard)
	if err != nil || !slices.Equal(pos, []string{"fp1", "fp2", "-x"}) || fs.Lookup("es-url").Value.String() != "u" || fs.Lookup("json").Value.String() != "true" {
		t.Errorf("Parse: %q %v", pos, err)
	}
	var out bytes.Buffer
	if _, err := Parse(testFlags(), "faultline groups", []string{"--help"}, &out); !errors.Is(err, flag.ErrHelp) || !strings.HasPrefix(out.String(), "Usage: faultline groups\n\nFlags:\n  -es-url") {
		t.Errorf("--help: %v %q", err, out.String())
	}
	if _, err := Parse(testFlags(), "x", []string{"--nope"}, &out); err == nil || !strings.Contains(err.Error(), "-nope (see faultline groups -h)") {
		t.Errorf("unknown flag: %v", err)
	}
}

func TestVersionOf(t *testing.T) {
	for _, tc := range []struct {
		bi   debug.BuildInfo
		want string
	}{
		{debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}, "v1.4.0"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0fe63df0123456789"}, {Key: "vcs.modified", Value: "true"}}}, "devel-0fe63df01234-dirty"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "devel"},
	} {
		if got := versionOf(&tc.bi); got != tc.want {
			t.Errorf("versionOf = %q, want %q", got, tc.want)
		}
	}
}

func TestShort(t *testing.T) {
	for in, want := range map[string]string{
		"short":                 "short",
		"first\nsecond":         "first …",
		strings.Repeat("é", 12): "ééééééééé…",
		"":                      "",
	} {
		if got := Short(in, 10); got != want {
			t.Errorf("Short(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTableKeepsRowsWhole(t *testing.T) {
	var out bytes.Buffer
	tb := NewTable(&out, "A", "B")
	tb.Row("x", "two\nlines\tand a tab")
	tb.Row("y", "\x1b]0;pwned\x07\x9b2J")
	tb.Flush()
	if got := out.String(); got != "A  B\nx  two lines and a tab\ny  \ufffd]0;pwned\ufffd\ufffd2J\n" {
		t.Errorf("%q", got)
	}
}
