package processor

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"

	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/elastic"
)

// Replaying the events stream into a restored Elasticsearch.
//
// After a restore, Elasticsearch lacks what the processor stored after the
// snapshot began, though JetStream still holds those events (acked, so the
// durable consumer will not deliver them again). Replay reads them through an
// ordered consumer of its own from a start time on and writes them through
// the processor's own path: the same fingerprints and documents, the same
// bulk writes by event id, the same group updates. An event already stored
// (the overlap before the snapshot) is skipped, found by id in every backing
// index, since an id is unique only within one index and the overlap can
// reach back past a rollover. The groups the replayed events belong to are
// recounted from the data stream at the end, which also creates a group whose
// events the snapshot holds but whose document it does not.
//
// Alert candidates are not published: these events raised theirs when they
// were first processed (the processor acks only after its candidates were
// taken), and those not yet acked are the live processors'.

// ReplayReport says what Replay did, and what it could not reach.
type ReplayReport struct {
	// From is when the replay started reading the stream.
	From time.Time
	// The stream's oldest message when the replay began, and its newest: the
	// replay ends there; later events are the live processors'.
	FirstSeq, LastSeq uint64
	FirstTime         time.Time
	// Replayed messages, of which Present were stored already, Written
	// were written now, and Refused can never be written (dead-lettered
	// when first processed; the first reason is in RefusedReason).
	Replayed, Present, Written, Refused int
	RefusedReason                       string
	// Groups were recounted (or created) from the data stream.
	Groups int
	// Gap is set when the stream's oldest message is younger than From:
	// events accepted in between left the stream (its retention or cap) and
	// are beyond reach. At most BeyondReachAtMost of them: the stream's
	// messages before FirstSeq less the events Elasticsearch held before the
	// replay (dead letters and an Elasticsearch older than the stream make
	// the true number smaller).
	Gap               bool
	BeyondReachAtMost int64
}

// replayRetries bounds the attempts at writing one batch while
// Elasticsearch answers with retryable failures.
const replayRetries = 10

// Replay writes every event the events stream holds from from on that
// Elasticsearch lacks, and recounts their groups. The processor replicas
// should be stopped meanwhile (faultline restore runs it before they come
// back): a recount takes every bucket before its own time as final.
// Running it again is harmless.
func (p *Processor) Replay(ctx context.Context, from time.Time) (ReplayReport, error) {
	rep := ReplayReport{From: from.UTC()}
	stream, err := p.js.Stream(ctx, broker.EventsStream)
	if err != nil {
		return rep, fmt.Errorf("replay: events stream: %w", err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		return rep, fmt.Errorf("replay: events stream: %w", err)
	}
	st := info.State
	rep.FirstSeq, rep.LastSeq, rep.FirstTime = st.FirstSeq, st.LastSeq, st.FirstTime.UTC()
	if st.Msgs == 0 {
		return rep, nil
	}
	if st.FirstTime.After(from) && st.FirstSeq > 1 {
		rep.Gap = true
		held, err := p.events.countEvents(ctx)
		if err != nil {
			return rep, fmt.Errorf("replay: %w", err)
		}
		rep.BeyondReachAtMost = max(int64(st.FirstSeq-1)-held, 0)
	}
	if st.LastTime.Before(from) {
		return rep, nil
	}
	cc := jetstream.OrderedConsumerConfig{FilterSubjects: []string{broker.EventsSubject}, DeliverPolicy: jetstream.DeliverAllPolicy}
	if st.FirstTime.Before(from) {
		// By start time only within the stream: from before its oldest
		// message, after a purge, the server delivered nothing.
		cc.DeliverPolicy, cc.OptStartTime = jetstream.DeliverByStartTimePolicy, &from
	}
	cons, err := p.js.OrderedConsumer(ctx, broker.EventsStream, cc)
	if err != nil {
		return rep, fmt.Errorf("replay: consumer: %w", err)
	}
	touched := deltaSet{}
	last := st.FirstSeq - 1 // the last stream sequence read
	for done := false; !done; {
		// No more than are left, so the last fetch does not wait out its
		// time for messages that will not come.
		want := int(min(uint64(p.cfg.BatchSize), st.LastSeq-last))
		batch, err := cons.Fetch(want, jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			return rep, fmt.Errorf("replay: fetch: %w", err)
		}
		var msgs []jetstream.Msg
		for m := range batch.Messages() {
			md, err := m.Metadata()
			if err != nil {
				return rep, fmt.Errorf("replay: message metadata: %w", err)
			}
			if md.Sequence.Stream > st.LastSeq {
				done = true
				continue
			}
			msgs, last = append(msgs, m), md.Sequence.Stream
			done = done || md.Sequence.Stream == st.LastSeq || md.NumPending == 0
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) {
			return rep, fmt.Errorf("replay: fetch: %w", err)
		}
		if len(msgs) == 0 {
			// Nothing came within the wait: nothing is left to read.
			break
		}
		if err := p.replayBatch(ctx, msgs, &rep, &touched); err != nil {
			return rep, err
		}
	}
	return rep, p.recountReplayed(ctx, touched.list, &rep)
}

// replayBatch writes the messages Elasticsearch lacks and counts them in
// their groups.
func (p *Processor) replayBatch(ctx context.Context, msgs []jetstream.Msg, rep *ReplayReport, touched *deltaSet) error {
	rep.Replayed += len(msgs)
	stamp := time.Now().UTC().Truncate(time.Millisecond)
	refuse := func(why string) {
		rep.Refused++
		if rep.RefusedReason == "" {
			rep.RefusedReason = why
		}
	}
	var items []pending
	for _, m := range msgs {
		it, err := p.prepare(m)
		switch {
		case err != nil:
			refuse(err.Error())
		case it == nil:
			rep.Present++
		default:
			items = append(items, *it)
		}
	}
	if err := p.keepOlderGroups(ctx, items); err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	kept := items[:0]
	for _, it := range items {
		if err := it.document(stamp); err != nil {
			refuse(err.Error())
			continue
		}
		kept = append(kept, it)
	}
	items = kept
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.id
	}
	stored, err := p.events.storedIDs(ctx, ids)
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	var todo []pending
	for _, it := range items {
		touched.add(it.delta())
		if _, ok := stored[it.id]; ok {
			rep.Present++
		} else {
			todo = append(todo, it)
		}
	}
	var created deltaSet
	for attempt := 1; len(todo) > 0; attempt++ {
		docs := make([]Doc, len(todo))
		for i, it := range todo {
			docs[i] = it.doc
		}
		results, err := p.events.CreateDocs(ctx, docs)
		var again []pending
		why := err
		for i, it := range todo {
			r := ItemResult{Outcome: Retry}
			if err == nil {
				r = results[i]
			}
			switch r.Outcome {
			case Created:
				rep.Written++
				created.add(it.delta())
			case Duplicate:
				rep.Present++
			case Retry:
				again = append(again, it)
				if why == nil {
					why = errors.New(r.Reason)
				}
			default:
				refuse(r.Reason)
			}
		}
		todo = again
		if len(todo) == 0 {
			break
		}
		if attempt == replayRetries {
			return fmt.Errorf("replay: %d events still not written after %d attempts: %w", len(todo), attempt, why)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("replay: %w", ctx.Err())
		case <-time.After(time.Duration(attempt) * time.Second):
		}
	}
	if len(created.list) == 0 {
		return nil
	}
	bucket := p.counter.Tally.bucket(stamp)
	for i := range created.list {
		created.list[i].Stored = []Bucket{{Start: bucket, N: created.list[i].Count}}
	}
	if _, err := p.counter.UpdateGroups(ctx, created.list); err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	return nil
}

// recountReplayed recounts the groups of the replayed events once what the
// replay wrote is searchable, creating those the restored index lacks.
func (p *Processor) recountReplayed(ctx context.Context, touched []Delta, rep *ReplayReport) error {
	if len(touched) == 0 {
		return nil
	}
	if err := elastic.Check(p.es.Indices.Refresh(p.es.Indices.Refresh.WithIndex(elastic.EventsDataStream, elastic.GroupsIndex),
		p.es.Indices.Refresh.WithContext(ctx))); err != nil {
		return fmt.Errorf("replay: refresh before the recount: %w", err)
	}
	// Every bucket before now is final: the replay's writes are done and
	// the processors are stopped.
	horizon := p.counter.Tally.bucket(time.Now())
	var g errgroup.Group
	g.SetLimit(4)
	for _, d := range touched {
		g.Go(func() error {
			_, err := p.counter.recountGroup(ctx, d.Fingerprint, &d, horizon)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	rep.Groups = len(touched)
	return nil
}
