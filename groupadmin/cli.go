package groupadmin

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"time"

	"github.com/faultline/faultline/internal/cli"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/group"
)

// KeyEnv holds the API key of the CLI's remote mode. There is no flag for
// it: a command line is visible to every user of the machine in ps.
const KeyEnv = "FAULTLINE_API_KEY"

// URLEnv is the environment fallback of --api-url.
const URLEnv = "FAULTLINE_API_URL"

// APIURLFlag registers --api-url, the CLI's remote mode, on fs.
func APIURLFlag(fs *flag.FlagSet) *string {
	return fs.String("api-url", os.Getenv(URLEnv), "the notifier's API, e.g. http://127.0.0.1:8080, instead of Elasticsearch and NATS; the key comes from "+KeyEnv+" (env "+URLEnv+")")
}

var synopses = map[string]string{
	"list":    "faultline groups list [--service GLOB] [--limit N] [--json] [shared flags]",
	"show":    "faultline groups show FINGERPRINT [--events N] [--json] [shared flags]",
	"mute":    "faultline groups mute FINGERPRINT [--for 24h|1d] [--json] [shared flags]",
	"resolve": "faultline groups resolve FINGERPRINT [--json] [shared flags]",
	"unmute":  "faultline groups unmute FINGERPRINT [--json] [shared flags]",
}

// Command is one `faultline groups ACTION` with its flags, registered on
// the command's flag set beside the shared ones so they may come in any
// order.
type Command struct {
	action  string
	service *string
	limit   *int
	events  *int
	muteFor time.Duration
	json    *bool
	apiURL  *string
}

// NewCommand takes the action out of args (list, show, mute, resolve,
// unmute) and registers its flags on fs; the rest of args is for
// cli.Parse. An unknown or missing action fails in Run, after -h had its
// chance.
func NewCommand(fs *flag.FlagSet, args []string) (*Command, []string) {
	action, rest := cli.Action(fs, args)
	c := &Command{action: action, apiURL: APIURLFlag(fs)}
	switch action {
	case "list":
		c.service = fs.String("service", "", "only services matching this glob, as in routes (checkout, checkout-*)")
		c.limit = fs.Int("limit", 50, "how many groups, from 1 to 1000")
	case "show":
		c.events = fs.Int("events", 10, "how many of its latest events, from 1 to 1000")
	case "mute":
		cli.DurationVar(fs, &c.muteFor, "for", 0, "how long the mute lasts, such as 90m, 24h or 7d (0 = until unmuted)")
	}
	if _, ok := synopses[action]; ok {
		c.json = fs.Bool("json", false, "print JSON instead of a table")
	}
	return c, rest
}

// Synopsis is the usage line of the action, or of every action when there
// is none.
func (c *Command) Synopsis() string {
	if s, ok := synopses[c.action]; ok {
		return s
	}
	return synopses["list"] + "\n       " + synopses["show"] + "\n       " + synopses["mute"] + "\n       " +
		synopses["resolve"] + "\n       " + synopses["unmute"] +
		"\nEach reaches Elasticsearch (and NATS, to change a status) itself, or with --api-url the group API."
}

// Run runs the action on args (the positional arguments cli.Parse left):
// data on io.Out, nothing else. With --api-url (or FAULTLINE_API_URL) it
// goes through the group API with the key in FAULTLINE_API_KEY; without,
// it calls direct, which reaches Elasticsearch (and, to change a status,
// NATS) itself and returns a cleanup.
func (c *Command) Run(ctx context.Context, args []string, io cli.IO, direct func(ctx context.Context, change bool) (Groups, func(), error)) error {
	if _, ok := synopses[c.action]; !ok {
		if c.action == "" {
			return errors.New("groups: want an action: list, show, mute, resolve or unmute (see faultline groups -h)")
		}
		return fmt.Errorf("groups: unknown action %q (want list, show, mute, resolve or unmute)", c.action)
	}
	var fingerprint string
	if c.action != "list" {
		if len(args) == 0 {
			return fmt.Errorf("groups %s: want a fingerprint (see faultline groups list)", c.action)
		}
		fingerprint, args = args[0], args[1:]
	}
	if len(args) > 0 {
		return fmt.Errorf("groups %s: unexpected argument %q", c.action, args[0])
	}
	var gs Groups
	if *c.apiURL != "" {
		gs = &Client{BaseURL: *c.apiURL, Key: os.Getenv(KeyEnv)}
	} else {
		var done func()
		var err error
		if gs, done, err = direct(ctx, c.action != "list" && c.action != "show"); err != nil {
			return err
		}
		defer done()
	}
	switch c.action {
	case "list":
		list, err := gs.List(ctx, *c.service, *c.limit)
		if err != nil {
			return err
		}
		return c.printList(io, list)
	case "show":
		g, err := gs.Get(ctx, fingerprint)
		if err != nil {
			return err
		}
		evs, err := gs.Events(ctx, fingerprint, *c.events)
		if err != nil {
			return err
		}
		return c.printShow(io, g, evs)
	}
	g, err := gs.Change(ctx, fingerprint, c.action, c.muteFor)
	if err != nil {
		return err
	}
	if *c.json {
		return cli.JSON(io.Out, g)
	}
	_, err = fmt.Fprintf(io.Out, "%s is now %s (%s)\n", g.Fingerprint, g.Status, LastChange(g))
	return err
}

func (c *Command) printList(io cli.IO, list []group.Group) error {
	if *c.json {
		if list == nil {
			list = []group.Group{}
		}
		return cli.JSON(io.Out, list)
	}
	t := cli.NewTable(io.Out, "FINGERPRINT", "STATUS", "COUNT", "LAST SEEN", "SERVICE", "TITLE", "CHANGED")
	for _, g := range list {
		t.Row(g.Fingerprint, g.Status, strconv.FormatInt(g.Count, 10), stamp(g.LastSeen), g.Service.Name, cli.Short(g.Title, 80), LastChange(g))
	}
	return t.Flush()
}

func (c *Command) printShow(io cli.IO, g group.Group, evs []event.Event) error {
	if *c.json {
		if evs == nil {
			evs = []event.Event{}
		}
		return cli.JSON(io.Out, map[string]any{"group": g, "events": evs})
	}
	t := cli.NewTable(io.Out, "fingerprint", g.Fingerprint)
	t.Row("title", g.Title)
	t.Row("service", g.Service.Name)
	t.Row("level", g.Log.Level)
	t.Row("status", g.Status)
	t.Row("changed", LastChange(g))
	t.Row("count", strconv.FormatInt(g.Count, 10))
	t.Row("first seen", stamp(g.FirstSeen))
	t.Row("last seen", stamp(g.LastSeen))
	if g.Culprit != "" {
		t.Row("culprit", g.Culprit)
	}
	if err := t.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(io.Out, "\nlatest %d event(s):\n", len(evs))
	t = cli.NewTable(io.Out, "TIME", "LEVEL", "SERVICE", "ID", "MESSAGE")
	for _, e := range evs {
		t.Row(stamp(e.Timestamp), e.Log.Level, e.Service.Name, e.Event.ID, cli.Short(e.Message, 120))
	}
	return t.Flush()
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// LastChange says who last changed a group's status: "muted by ops at …
// until …", or "-" when nobody did.
func LastChange(g group.Group) string {
	if len(g.StatusChanges) == 0 {
		return "-"
	}
	c := g.StatusChanges[len(g.StatusChanges)-1]
	done := map[string]string{"mute": "muted", "resolve": "resolved", "unmute": "unmuted"}[c.Action]
	if done == "" {
		done = c.Action
	}
	s := fmt.Sprintf("%s by %s at %s", done, c.By, stamp(c.At))
	if c.Until != nil {
		s += " until " + stamp(*c.Until)
	}
	return s
}

// CLIName is who the CLI's direct mode records in audits: cli:<os user>@<host>.
func CLIName() string {
	name := "unknown"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	return "cli:" + name + "@" + host
}
