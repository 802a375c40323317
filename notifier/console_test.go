package notifier

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/faultline/faultline/internal/config"
	"github.com/faultline/faultline/internal/group"
	"github.com/faultline/faultline/internal/testenv"
)

func TestConsoleBlock(t *testing.T) {
	var out bytes.Buffer
	c := &Console{w: &out}
	a := Alert{Kind: group.KindNew, Group: sampleGroup(), Occurrences: 1, Page: testPage, Link: "https://kibana.example/x"}
	if retry, err := c.Notify(context.Background(), a); err != nil || retry {
		t.Fatal(retry, err)
	}
	want := "\n━━ faultline alert ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━\n" +
		"New error in checkout: IllegalStateException: Payment declined\n" +
		"  Order o-1 failed\n" +
		"  3 events · first seen 2026-11-25T01:02:03Z · last seen 2026-11-25T01:02:03Z · environment prod\n" +
		"  at com.acme.PaymentClient.post\n" +
		"  fingerprint abc123\n" +
		"    java.lang.IllegalStateException: Payment declined\n" +
		"    \tat com.acme.PaymentClient.post(PaymentClient.java:61)\n" +
		"  → " + testPage + "\n" +
		"  → Kibana: https://kibana.example/x\n" +
		"━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━\n"
	if out.String() != want {
		t.Errorf("block =\n%s\nwant\n%s", out.String(), want)
	}
}

// Event text cannot drive the terminal: escape sequences and other control
// characters are shown as U+FFFD.
func TestConsoleHostileText(t *testing.T) {
	cases := map[string]string{
		"\x1b[2J\x1b[31mred":       "\ufffd[2J\ufffd[31mred",
		"title\x1b]0;pwned\x07":    "title\ufffd]0;pwned\ufffd",
		"bell\x07 back\x08 \u009b": "bell\ufffd back\ufffd \ufffd",
		"line\nnext\ttab":          "line\nnext\ttab",
	}
	for in, want := range cases {
		if got := terminalSafe(in); got != want {
			t.Errorf("terminalSafe(%q) = %q, want %q", in, got, want)
		}
		g := sampleGroup()
		g.Title, g.Message, g.Service.Name = in, in, in
		if block := consoleBlock(Alert{Kind: group.KindNew, Group: g}); strings.ContainsAny(block, "\x1b\x07\x08\u009b") {
			t.Errorf("block for %q holds a control character: %q", in, block)
		}
	}
}

func TestConsoleStormAndSingular(t *testing.T) {
	g := sampleGroup()
	g.Count = 1
	block := consoleBlock(Alert{Kind: group.KindRepeat, Group: g, Occurrences: 1})
	if !strings.Contains(block, "\n  +1 occurrence since the last message\n") || !strings.Contains(block, "\n  1 event · ") {
		t.Errorf("singular wording:\n%s", block)
	}
	r := StormRecord{ID: "x", Kind: StormKind, Groups: []StormGroup{{Title: "A", Service: "s", Count: 2}, {Title: "B", Service: "s", Count: 1}}}
	p := singlePage(r, time.Minute, "https://f.example/storms/x")
	want := "Error storm: 2 new error groups within 1 min\n  2× s: A\n  1× s: B\n  Open this list in faultline: https://f.example/storms/x\n"
	if block := consoleBlock(Alert{Kind: group.KindStorm, StormPage: &p}); !strings.Contains(block, want) {
		t.Errorf("storm block:\n%s\nwant it to hold\n%s", block, want)
	}
}

// The terminal is the channel of a run without any: always for `all`, for
// `notifier` only when a person watches; and the log says so either way.
func TestWithTerminalDefault(t *testing.T) {
	chat := config.File{Channels: []config.Channel{{Name: "oncall", Type: "discord", URL: "https://discord.example/x"}}}
	cases := []struct {
		f           config.File
		cmd         string
		interactive bool
		console     bool
		log         string
	}{
		{config.File{}, "all", false, true, "alerts are printed to this terminal"},
		{config.File{}, "notifier", true, true, "alerts are printed to this terminal"},
		{config.File{}, "notifier", false, false, "alerts go nowhere"},
		{config.File{}, "ingest", true, false, ""},
		{chat, "all", true, false, ""},
	}
	for _, c := range cases {
		var logs bytes.Buffer
		f := WithTerminalDefault(c.f, c.cmd, c.interactive, zerolog.New(&logs))
		got := len(f.Channels) > 0 && f.Channels[len(f.Channels)-1] == ConsoleChannel
		if got != c.console || c.log == "" && logs.Len() > 0 || !strings.Contains(logs.String(), c.log) {
			t.Errorf("%s (interactive %v, %d channels): console %v, log %q", c.cmd, c.interactive, len(c.f.Channels), got, logs.String())
		}
		if err := f.WithDefaults().Validate(); err != nil {
			t.Errorf("%s: the file with the default channel does not validate: %v", c.cmd, err)
		}
	}
}

// Through the real pipeline: a console channel prints the alert of a
// candidate taken from JetStream.
func TestConsoleChannelDelivers(t *testing.T) {
	out := &testenv.Buffer{}
	f := config.File{Channels: []config.Channel{ConsoleChannel}, Notify: config0()}
	js, _ := runService(t, f, nil, func(s *Service) { s.ConsoleTo(out) })
	publish(t, js, newCandidate("console", 1, 1))
	if !testenv.Within(5*time.Second, func() bool { return strings.Contains(out.String(), "New error in console: Bug1: boom\n") }) {
		t.Fatalf("terminal shows %q", out.String())
	}
	// Left behind once a config names real channels, the consumer goes.
	if got := consumerInfo(t, channelConsumer(t, js, "terminal")).Config.InactiveThreshold; got != time.Hour {
		t.Errorf("console consumer InactiveThreshold = %v, want 1h", got)
	}
}
