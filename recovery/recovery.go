package recovery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/elastic"
	"github.com/faultline/faultline/processor"
)

// DefaultMargin is how far before the snapshot's start the replay begins: an
// event accepted before the snapshot but stored after it began (a processor
// behind) is not in the snapshot. The overlap costs only lookups.
const DefaultMargin = time.Hour

// Options say what to restore and how.
type Options struct {
	Repo string
	// Snapshot to restore; empty = the latest.
	Snapshot string
	// Tag, Force: see elastic.RestoreOptions. A tagged restore replays
	// nothing: it is a copy beside the live data.
	Tag   string
	Force bool
	// JS is the JetStream holding the events stream; nil restores without
	// replaying.
	JS jetstream.JetStream
	// ReplayOnly skips the restore: the replay of a restore that stopped
	// after restoring.
	ReplayOnly bool
	// Margin overrides DefaultMargin.
	Margin time.Duration
	// Processor configures the replay's writes (grouping rules, tally).
	Processor processor.Config
}

// Report says what a restore did and how long it took.
type Report struct {
	Snapshot elastic.SnapshotInfo
	Restore  elastic.RestoreResult
	// Replay is nil when nothing was replayed.
	Replay *processor.ReplayReport
	// RestoreTook, ReplayTook and Took (the whole: the RTO) are wall times.
	RestoreTook, ReplayTook, Took time.Duration
}

// Run restores a snapshot and replays the events stream from its start
// time, less the margin, into Elasticsearch.
func Run(ctx context.Context, es *elasticsearch.Client, o Options, log zerolog.Logger) (Report, error) {
	start := time.Now()
	var rep Report
	name := o.Snapshot
	if name == "" {
		names, err := elastic.Snapshots(ctx, es, o.Repo)
		if err != nil {
			return rep, err
		}
		if len(names) == 0 {
			return rep, errors.New("restore: no snapshots in the repository")
		}
		name = names[len(names)-1]
	}
	info, err := elastic.Describe(ctx, es, o.Repo, name)
	if err != nil {
		return rep, err
	}
	rep.Snapshot = info
	if o.JS != nil && o.Tag == "" {
		// Before anything is deleted: a replay that cannot run would leave
		// only the snapshot.
		if _, err := o.JS.Stream(ctx, broker.EventsStream); err != nil {
			return rep, fmt.Errorf("restore: the events stream, needed for the replay: %w", err)
		}
	}
	if !o.ReplayOnly {
		res, err := elastic.Restore(ctx, es, o.Repo, name, elastic.RestoreOptions{Tag: o.Tag, Force: o.Force})
		rep.Restore = res
		if err != nil {
			return rep, err
		}
		for _, d := range res.Deleted {
			log.Warn().Str("deleted", d.String()).Msg("replaced by the snapshot")
		}
		rep.RestoreTook = time.Since(start)
		log.Info().Str("snapshot", name).Time("snapshot_start", info.Start).Strs("restored", res.Restored).Dur("took", rep.RestoreTook).Msg("restored")
	}
	if o.Tag != "" || o.JS == nil {
		rep.Took = time.Since(start)
		return rep, nil
	}
	// The restored data stream's write index must follow the current
	// template, and a new cluster has no templates at all.
	if err := elastic.Setup(ctx, es); err != nil {
		return rep, fmt.Errorf("restore: templates: %w", err)
	}
	margin := o.Margin
	if margin <= 0 {
		margin = DefaultMargin
	}
	replayStart := time.Now()
	p := processor.New(o.JS, es, log, o.Processor)
	rr, err := p.Replay(ctx, info.Start.Add(-margin))
	rep.Replay = &rr
	rep.ReplayTook = time.Since(replayStart)
	rep.Took = time.Since(start)
	if err != nil {
		return rep, fmt.Errorf("restore: done, but the replay failed (run the restore's replay again with --replay-only): %w", err)
	}
	return rep, nil
}

// Print writes the report for a person.
func (r Report) Print(w io.Writer) {
	if len(r.Restore.Restored) == 0 && r.Replay == nil {
		return
	}
	if len(r.Restore.Restored) == 0 {
		fmt.Fprintf(w, "snapshot %s (started %s) not restored again\n", r.Snapshot.Name, r.Snapshot.Start.Format(time.RFC3339))
	} else {
		r.printRestore(w)
	}
	if rr := r.Replay; rr != nil {
		r.printReplay(w, rr)
	}
	fmt.Fprintf(w, "recovery time: %s\n", r.Took.Round(time.Millisecond))
}

func (r Report) printRestore(w io.Writer) {
	fmt.Fprintf(w, "restored snapshot %s (started %s)", r.Snapshot.Name, r.Snapshot.Start.Format(time.RFC3339))
	if len(r.Restore.Deleted) > 0 {
		var d []string
		for _, e := range r.Restore.Deleted {
			d = append(d, e.String())
		}
		fmt.Fprintf(w, ", replacing %s", strings.Join(d, " and "))
	}
	fmt.Fprintf(w, " as %s in %s\n", strings.Join(r.Restore.Restored, ", "), r.RestoreTook.Round(time.Millisecond))
}

func (r Report) printReplay(w io.Writer, rr *processor.ReplayReport) {
	fmt.Fprintf(w, "replayed %d events from the stream since %s: %d already present, %d written, %d refused",
		rr.Replayed, rr.From.Format(time.RFC3339), rr.Present, rr.Written, rr.Refused)
	if rr.Refused > 0 {
		fmt.Fprintf(w, " (in the dead-letter stream since they were first processed; first reason: %s)", rr.RefusedReason)
	}
	fmt.Fprintf(w, "; %d groups recounted; in %s\n", rr.Groups, r.ReplayTook.Round(time.Millisecond))
	if rr.Gap {
		fmt.Fprintf(w, "beyond reach: the stream's oldest event (sequence %d) is from %s, after the replay's start: events accepted in between are lost, at most %d of them\n",
			rr.FirstSeq, rr.FirstTime.Format(time.RFC3339), rr.BeyondReachAtMost)
	} else {
		fmt.Fprintln(w, "nothing beyond reach: the stream holds every event since the replay's start")
	}
}
