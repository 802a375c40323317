package notifier

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/faultline/faultline/internal/config"
	"github.com/faultline/faultline/internal/group"
)

// Console prints alerts to the terminal: the channel of a trial run, where
// no chat is set up yet. Alerts go to standard output, one framed block
// each, while the log (JSON) stays on standard error, so `2>/dev/null`
// shows the alerts alone.
type Console struct {
	mu sync.Mutex
	w  io.Writer
}

// ConsoleChannel is the channel added when none is configured.
var ConsoleChannel = config.Channel{Name: "terminal", Type: config.Console}

// The frame makes an alert stand out from the JSON log lines around it.
var (
	consoleTop    = "━━ faultline alert " + strings.Repeat("━", 53)
	consoleBottom = strings.Repeat("━", 72)
)

// Notify writes one block; a failed write (a closed terminal) is not
// retried.
func (c *Console) Notify(_ context.Context, a Alert) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := c.w
	if w == nil {
		w = os.Stdout
	}
	if _, err := io.WriteString(w, consoleBlock(a)); err != nil {
		return false, fmt.Errorf("console: %w", err)
	}
	return false, nil
}

// consoleBlock is the alert as a person reads it in a terminal. Event text
// has its control characters made visible: an escape sequence in a log
// message must not restyle or rewrite the user's terminal.
func consoleBlock(a Alert) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, "  "+format+"\n", args...) }
	b.WriteString("\n" + consoleTop + "\n")
	g := a.Group
	if a.Kind == group.KindStorm && a.StormPage != nil {
		p := *a.StormPage
		b.WriteString(stormTitle(p) + "\n")
		for _, sg := range p.Groups {
			count, service, title := stormLine(sg)
			line("%s %s: %s", count, terminalSafe(service), terminalSafe(title))
		}
		if more := moreLine(p, func(text, u string) string { return text + ": " + u }); more != "" {
			line("%s", more)
		}
	} else {
		fmt.Fprintf(&b, "%s in %s: %s\n", alertHeading(a.Kind), terminalSafe(g.Service.Name), terminalSafe(g.Title))
		if a.Kind == group.KindRepeat {
			line("%s", digestLine(a))
		}
		if m := strings.TrimSpace(g.Message); m != "" && m != g.Title {
			line("%s", terminalSafe(truncateRunes(m, 500)))
		}
		facts := []string{plural(int(g.Count), "event", "events")}
		if !g.FirstSeen.IsZero() {
			facts = append(facts, "first seen "+g.FirstSeen.UTC().Format(time.RFC3339), "last seen "+g.LastSeen.UTC().Format(time.RFC3339))
		}
		if env := g.Service.Environment; env != "" {
			facts = append(facts, "environment "+terminalSafe(env))
		}
		line("%s", strings.Join(facts, " · "))
		if g.Culprit != "" {
			line("at %s", terminalSafe(g.Culprit))
		}
		if g.Fingerprint != "" {
			line("fingerprint %s", terminalSafe(g.Fingerprint))
		}
		if st := stackHead(g.Sample.StackTrace, 8); strings.TrimSpace(st) != "" {
			for _, l := range strings.Split(terminalSafe(st), "\n") {
				line("  %s", l)
			}
		}
		if a.Page != "" {
			line("→ %s", a.Page)
		}
		if a.Link != "" {
			line("→ Kibana: %s", a.Link)
		}
	}
	b.WriteString(consoleBottom + "\n")
	return b.String()
}

// terminalSafe shows control characters (ESC above all) as U+FFFD, keeping
// newlines and tabs.
func terminalSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f:
			return '\ufffd'
		}
		return r
	}, inertText(s))
}

// consoleInactive is how long NATS keeps a console channel's consumer
// that nobody reads.
const consoleInactive = time.Hour

// isConsole tells whether channel prints to the terminal.
func (s *Service) isConsole(channel string) bool {
	n, ok := s.channels[channel]
	if l, isLimited := n.(*limited); isLimited {
		n = l.Notifier
	}
	_, console := n.(*Console)
	return ok && console
}

// ConsoleTo sends this service's console channels to w instead of
// standard output.
func (s *Service) ConsoleTo(w io.Writer) {
	for _, n := range s.channels {
		if l, ok := n.(*limited); ok {
			n = l.Notifier
		}
		if c, ok := n.(*Console); ok {
			c.mu.Lock()
			c.w = w
			c.mu.Unlock()
		}
	}
}

// WithTerminalDefault is f with the console channel added when f has no
// channel, for `faultline all` always and for `faultline notifier` when
// run from a terminal: a trial run should show its first alert, not drop
// it. It logs, among the first lines, where alerts go and where to add a
// channel.
func WithTerminalDefault(f config.File, cmd string, interactive bool, log zerolog.Logger) config.File {
	if len(f.Channels) > 0 || cmd != "all" && cmd != "notifier" {
		return f
	}
	if cmd == "all" || interactive {
		f.Channels = append(f.Channels, ConsoleChannel)
		log.Warn().Str("channel", ConsoleChannel.Name).
			Msg("no alert channel configured: alerts are printed to this terminal (standard output); add channels (discord, slack, webhook, sentry) to a --config file to send them to chat (README: Configuration)")
		return f
	}
	log.Warn().Msg("no alert channel configured: alerts go nowhere; add channels (discord, slack, webhook, sentry or console) to a --config file (README: Configuration)")
	return f
}
