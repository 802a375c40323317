package dlqadmin

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/faultline/faultline/groupadmin"
	"github.com/faultline/faultline/internal/cli"
	"github.com/faultline/faultline/processor"
)

var synopses = map[string]string{
	"list":   "faultline dlq list [--limit N] [--json] [shared flags]",
	"replay": "faultline dlq replay [SEQ ...] [shared flags]   (every dead letter without SEQs)",
}

// Command is one `faultline dlq ACTION` with its flags, registered on the
// command's flag set beside the shared ones.
type Command struct {
	action string
	limit  *int
	json   *bool
	apiURL *string
}

// NewCommand takes the action (list, replay) out of args and registers its
// flags on fs; the rest of args is for cli.Parse.
func NewCommand(fs *flag.FlagSet, args []string) (*Command, []string) {
	action, rest := cli.Action(fs, args)
	c := &Command{action: action, apiURL: groupadmin.APIURLFlag(fs)}
	if action == "list" {
		c.limit = fs.Int("limit", DefaultLimit, fmt.Sprintf("how many to show, from 1 to %d", MaxLimit))
		c.json = fs.Bool("json", false, "print JSON instead of a table")
	}
	return c, rest
}

// Synopsis is the usage line of the action, or of both.
func (c *Command) Synopsis() string {
	if s, ok := synopses[c.action]; ok {
		return s
	}
	return synopses["list"] + "\n       " + synopses["replay"] +
		"\nEach reaches NATS (--nats-url) itself, or with --api-url the API on the notifier's address."
}

// Run runs the action on args (the positional arguments cli.Parse left):
// data on io.Out, the count of a listing on io.Err. With --api-url (or
// FAULTLINE_API_URL) it goes through the API on the notifier's address with
// the key in FAULTLINE_API_KEY; without, it calls direct, which reaches NATS
// itself and returns a cleanup.
func (c *Command) Run(ctx context.Context, args []string, io cli.IO, direct func(ctx context.Context) (DeadLetters, func(), error)) error {
	var seqs []uint64
	switch c.action {
	case "list":
		if len(args) > 0 {
			return fmt.Errorf("dlq list: unexpected argument %q", args[0])
		}
	case "replay":
		for _, a := range args {
			n, err := strconv.ParseUint(a, 10, 64)
			if err != nil {
				return fmt.Errorf("dlq replay: %q is not a sequence number", a)
			}
			seqs = append(seqs, n)
		}
	case "":
		return errors.New("dlq: want an action: list or replay (see faultline dlq -h)")
	default:
		return fmt.Errorf("dlq: unknown action %q (want list or replay)", c.action)
	}
	var dl DeadLetters
	if *c.apiURL != "" {
		dl = &Client{BaseURL: *c.apiURL, Key: os.Getenv(groupadmin.KeyEnv)}
	} else {
		var done func()
		var err error
		if dl, done, err = direct(ctx); err != nil {
			return err
		}
		defer done()
	}
	if c.action == "replay" {
		n, err := dl.Replay(ctx, seqs)
		fmt.Fprintf(io.Out, "replayed %d dead letter(s)\n", n)
		return err
	}
	dls, err := dl.List(ctx, *c.limit)
	if err != nil {
		return err
	}
	fmt.Fprintf(io.Err, "%d dead letter(s)\n", len(dls))
	if *c.json {
		if dls == nil {
			dls = []processor.DeadLetter{}
		}
		return cli.JSON(io.Out, dls)
	}
	t := cli.NewTable(io.Out, "SEQ", "TIME", "SERVICE", "EVENT ID", "REASON")
	for _, d := range dls {
		t.Row(strconv.FormatUint(d.Seq, 10), d.Time.UTC().Format(time.RFC3339), d.Service, d.EventID, d.Reason)
	}
	return t.Flush()
}
