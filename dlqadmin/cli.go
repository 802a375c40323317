package dlqadmin

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/faultline/faultline/groupadmin"
)

// Command runs `faultline dlq list|replay …`. With --api-url (or
// FAULTLINE_API_URL) it goes through the API on the notifier's address with
// the key in FAULTLINE_API_KEY; without, it calls direct, which reaches NATS
// itself and returns a cleanup.
func Command(ctx context.Context, args []string, out io.Writer, direct func(ctx context.Context) (DeadLetters, func(), error)) error {
	if len(args) == 0 {
		return errors.New("dlq: want list or replay")
	}
	action := args[0]
	fs := flag.NewFlagSet("faultline dlq "+action, flag.ContinueOnError)
	fs.SetOutput(out)
	apiURL := fs.String("api-url", os.Getenv(groupadmin.URLEnv), "the notifier's API, e.g. http://127.0.0.1:8080; the key comes from "+groupadmin.KeyEnv+" (env "+groupadmin.URLEnv+")")
	var limit *int
	switch action {
	case "list":
		limit = fs.Int("limit", DefaultLimit, "how many to show")
	case "replay":
	default:
		return fmt.Errorf("dlq: unknown action %q (want list or replay)", action)
	}
	// Sequence numbers and flags in any order: flag stops at the first
	// argument that is not one.
	var seqs []uint64
	for rest := args[1:]; ; {
		if err := fs.Parse(rest); err != nil {
			return err
		}
		if rest = fs.Args(); len(rest) == 0 {
			break
		}
		if action != "replay" {
			return fmt.Errorf("dlq %s: unexpected argument %q", action, rest[0])
		}
		n, err := strconv.ParseUint(rest[0], 10, 64)
		if err != nil {
			return fmt.Errorf("dlq replay: %q is not a sequence number", rest[0])
		}
		seqs, rest = append(seqs, n), rest[1:]
	}
	var dl DeadLetters
	if *apiURL != "" {
		dl = &Client{BaseURL: *apiURL, Key: os.Getenv(groupadmin.KeyEnv)}
	} else {
		var done func()
		var err error
		if dl, done, err = direct(ctx); err != nil {
			return err
		}
		defer done()
	}
	if action == "list" {
		dls, err := dl.List(ctx, *limit)
		if err != nil {
			return err
		}
		for _, d := range dls {
			fmt.Fprintf(out, "%d\t%s\t%s\t%s\n", d.Seq, d.Time.UTC().Format(time.RFC3339), d.EventID, d.Reason)
		}
		fmt.Fprintf(out, "%d dead letter(s)\n", len(dls))
		return nil
	}
	n, err := dl.Replay(ctx, seqs)
	fmt.Fprintf(out, "replayed %d dead letter(s)\n", n)
	return err
}
