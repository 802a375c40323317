package groupadmin

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/faultline/faultline/internal/group"
)

// KeyEnv holds the API key of the CLI's remote mode. There is no flag for
// it: a command line is visible to every user of the machine in ps.
const KeyEnv = "FAULTLINE_API_KEY"

// URLEnv is the environment fallback of --api-url.
const URLEnv = "FAULTLINE_API_URL"

// Command runs `faultline groups list|mute|resolve|unmute …`. With --api-url
// (or FAULTLINE_API_URL) it goes through the group API with the key in
// FAULTLINE_API_KEY; without, it calls direct, which reaches Elasticsearch
// (and, to change a status, NATS) itself and returns a cleanup.
func Command(ctx context.Context, args []string, out io.Writer, direct func(ctx context.Context, change bool) (Groups, func(), error)) error {
	if len(args) == 0 {
		return errors.New("groups: want list, mute, unmute or resolve")
	}
	action := args[0]
	fs := flag.NewFlagSet("faultline groups "+action, flag.ContinueOnError)
	fs.SetOutput(out)
	service := fs.String("service", "", "only this service's groups")
	limit := fs.Int("limit", 50, "how many groups")
	muteFor := fs.Duration("for", 0, "how long a mute lasts (0 = until unmuted)")
	apiURL := fs.String("api-url", os.Getenv(URLEnv), "the notifier's group API, e.g. http://127.0.0.1:8080; the key comes from "+KeyEnv+" (env "+URLEnv+")")
	rest := args[1:]
	var fingerprint string
	switch action {
	case "list":
	case "mute", "resolve", "unmute":
		if len(rest) == 0 || strings.HasPrefix(rest[0], "-") {
			return fmt.Errorf("groups %s: want a fingerprint", action)
		}
		fingerprint, rest = rest[0], rest[1:]
	default:
		return fmt.Errorf("groups: unknown action %q (want list, mute, unmute or resolve)", action)
	}
	if err := fs.Parse(rest); err != nil {
		return err
	}
	var gs Groups
	if *apiURL != "" {
		gs = &Client{BaseURL: *apiURL, Key: os.Getenv(KeyEnv)}
	} else {
		var done func()
		var err error
		if gs, done, err = direct(ctx, action != "list"); err != nil {
			return err
		}
		defer done()
	}
	if action == "list" {
		list, err := gs.List(ctx, *service, *limit)
		if err != nil {
			return err
		}
		for _, g := range list {
			fmt.Fprintf(out, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", g.Fingerprint, g.Status, g.Count, g.LastSeen.UTC().Format(time.RFC3339), g.Service.Name, g.Title, LastChange(g))
		}
		return nil
	}
	g, err := gs.Change(ctx, fingerprint, action, *muteFor)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s is now %s (%s)\n", g.Fingerprint, g.Status, LastChange(g))
	return nil
}

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
	s := fmt.Sprintf("%s by %s at %s", done, c.By, c.At.UTC().Format(time.RFC3339))
	if c.Until != nil {
		s += " until " + c.Until.UTC().Format(time.RFC3339)
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
