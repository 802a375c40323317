package processor

import (
	"context"
	"errors"
	"fmt"
	"github.com/faultline/faultline/grouping"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/hashicorp/golang-lru/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/config"
	"github.com/faultline/faultline/internal/elastic"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/redact"
	"github.com/faultline/faultline/internal/retry"
)

// ConsumerName is the durable consumer every processor replica shares.
const ConsumerName = "processor"

// Config tunes batching.
type Config struct {
	// BatchSize bounds the events per bulk request.
	BatchSize int
	// Linger is how long a batch waits for more events after the first one;
	// it bounds the latency a batch adds.
	Linger time.Duration
	// AckWait must exceed Linger plus the slowest bulk request, or JetStream
	// redelivers events that are still being written.
	AckWait time.Duration
	// SeenCacheSize bounds the LRU of event ids known to be written, which
	// lets bursts of client retries and redeliveries skip Elasticsearch.
	SeenCacheSize int
	// Grouping is the configuration's grouping section.
	Grouping config.Grouping
	// Workers is the number of batches in flight at once.
	Workers int
	// BatchTimeout bounds a batch from its event write to its group update.
	BatchTimeout time.Duration
	// Tally sets the time scales of exact group counts (tally.go).
	Tally TallyConfig
	// AuditEvery is how often the processor looks for groups due for a
	// recount.
	AuditEvery time.Duration
	// MaxBulkBytes bounds one bulk request of events; a batch over it is
	// split, and an event over it alone is dead-lettered.
	MaxBulkBytes int
	// TrimEvery is how often the events and alerts streams are checked for
	// acknowledged messages to free (broker.Trim).
	TrimEvery time.Duration
	// ESURLs are where es points, named (redacted) when the processor says
	// why it is not ready.
	ESURLs []string
	// Metrics count what the processor and its store do; nil: counted,
	// served by nobody (NewMetrics(nil)).
	Metrics *Metrics
}

func (c *Config) defaults() {
	if c.Metrics == nil {
		c.Metrics = NewMetrics(nil)
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 1000
	}
	if c.Linger <= 0 {
		c.Linger = 50 * time.Millisecond
	}
	if c.AckWait <= 0 {
		// Short, so a crashed replica's messages come back within seconds;
		// handle() keeps a slow batch alive with InProgress.
		c.AckWait = 15 * time.Second
	}
	if c.Workers <= 0 {
		// Enough that Elasticsearch's write threads always have a bulk
		// queued while other batches are decoded or wait for their group
		// update. Each batch in flight holds its messages, and its bulk
		// body while that is sent, so more cost memory (README, Performance).
		c.Workers = 8
	}
	if c.BatchTimeout <= 0 {
		c.BatchTimeout = defaultBatchTimeout
	}
	c.Tally.defaults(c.BatchTimeout)
	if c.AuditEvery <= 0 {
		c.AuditEvery = min(max(c.Tally.Settle/6, time.Second), 30*time.Second)
	}
	if c.SeenCacheSize <= 0 {
		c.SeenCacheSize = 100_000
	}
	if c.MaxBulkBytes <= 0 {
		c.MaxBulkBytes = DefaultMaxBulkBytes
	}
	if c.TrimEvery <= 0 {
		c.TrimEvery = 5 * time.Second
	}
}

// MemoryLimit is the soft memory limit (runtime/debug.SetMemoryLimit) for
// a process running a processor of this configuration: what its batches
// and prefetch hold at most, (Workers + 2) × MaxBulkBytes, and 96 MiB for
// its caches and the runtime; 196 MiB by default, so that with the
// program's own pages the process stays under 256 MiB. Without it the heap
// grows to twice the live heap between collections (GOGC=100), and the
// messages in flight alone are a few tens of MB of it; with it, collections
// come more often only near the limit.
func (c Config) MemoryLimit() int64 {
	c.defaults()
	return 96<<20 + int64(c.Workers+2)*int64(c.MaxBulkBytes)
}

// Processor is one replica of the processor service.
type Processor struct {
	js    jetstream.JetStream
	es    *elasticsearch.Client
	fp    *grouping.Fingerprinter
	log   zerolog.Logger
	cfg   Config
	ready atomic.Bool
	// templates and consumer are set up by Run, retried while
	// Elasticsearch or NATS is unreachable; writeErr is the last bulk
	// request's failure as a whole, nil after a success.
	templates, consumer *retry.Dependency
	writeErr            atomic.Pointer[error]
	// dlqFull holds why the last dead letter was refused (a string), or ""
	// after one was taken again.
	dlqFull atomic.Value
	seen    *lru.Cache[string, struct{}]
	// older remembers whether a group exists for a fingerprint an older
	// grouping strategy gives (transition.go).
	older *lru.Cache[string, bool]
	// events and counter share one store (store.go).
	events  *EventWriter
	counter *Counter
	// groupReqs feeds the group writer while Run runs (see groupwriter.go).
	groupReqs chan groupRequest
	// unsent is the group writer's: candidates JetStream has not
	// acknowledged yet (alerts.go).
	unsent outbox
}

// New creates a processor.
func New(js jetstream.JetStream, es *elasticsearch.Client, log zerolog.Logger, cfg Config) *Processor {
	cfg.defaults()
	seen, _ := lru.New[string, struct{}](cfg.SeenCacheSize)
	older, _ := lru.New[string, bool](olderGroupsCacheSize)
	shared := newStore(es, cfg.Metrics)
	events, counter := newEventWriter(shared), newCounter(shared)
	counter.Threshold = cfg.Grouping.Threshold
	counter.Tally = cfg.Tally
	events.MaxBulkBytes = cfg.MaxBulkBytes
	natsURL := ""
	if nc := js.Conn(); nc != nil {
		natsURL = nc.Opts.Url
	}
	return &Processor{js: js, es: es, events: events, counter: counter, fp: grouping.NewFingerprinterFrom(cfg.Grouping), log: log.With().Str("service", "processor").Logger(), cfg: cfg, seen: seen, older: older,
		templates: retry.New("elasticsearch", "index templates", cfg.ESURLs...),
		consumer:  retry.New("nats", "processor consumer", natsURL)}
}

// Ready is false until Elasticsearch took the templates and the consumer
// exists, and whenever the last bulk request failed as a whole.
func (p *Processor) Ready() bool { return p.ready.Load() }

// Readiness is nil when Ready, else why not: the dependency, its redacted
// URL and the last error.
func (p *Processor) Readiness() error {
	if err := p.templates.Err(); err != nil {
		return err
	}
	if err := p.consumer.Err(); err != nil {
		return err
	}
	if p.Ready() {
		return nil
	}
	if err := p.writeErr.Load(); err != nil {
		return fmt.Errorf("elasticsearch at %s: writes failing: %w", strings.Join(redact.URLs(p.cfg.ESURLs), ","), redact.Error(*err))
	}
	return errors.New("not consuming")
}

// DeadLetters is a readiness check: it fails while the dead-letter stream
// refuses what the processor moves there (the events wait, nacked).
func (p *Processor) DeadLetters() error {
	if why, _ := p.dlqFull.Load().(string); why != "" {
		return errors.New(why)
	}
	return nil
}

// Run consumes until ctx is cancelled, then finishes the batch in hand. It
// returns an error when consuming can no longer go on (the consumer was
// deleted), so the service exits and is restarted rather than idling as
// ready.
func (p *Processor) Run(ctx context.Context) error {
	// Both retried while their server is unreachable: the events wait in
	// JetStream meanwhile, and Readiness says which one is missing.
	if err := p.templates.Run(ctx, p.log, func(ctx context.Context) error { return elastic.Setup(ctx, p.es) }); err != nil {
		return err
	}
	var cons jetstream.Consumer
	if err := p.consumer.Run(ctx, p.log, func(ctx context.Context) error {
		if nc := p.js.Conn(); nc != nil {
			if err := broker.Connected(nc); err != nil {
				return err
			}
		}
		var err error
		cons, err = p.js.CreateOrUpdateConsumer(ctx, broker.EventsStream, jetstream.ConsumerConfig{
			Durable:    ConsumerName,
			AckPolicy:  jetstream.AckExplicitPolicy,
			AckWait:    p.cfg.AckWait,
			MaxDeliver: -1,
			// The batches in flight, the prefetch below, and one batch of slack.
			MaxAckPending: (p.cfg.Workers + 3) * p.cfg.BatchSize,
			FilterSubject: broker.EventsSubject,
		})
		return err
	}); err != nil {
		return err
	}
	p.ready.Store(true)
	// Two batches ahead: the next batch is ready when a worker frees, and
	// the rest waits in JetStream, where it is not held in memory or at
	// risk of its AckWait running out. Counted in bytes, two bulk requests'
	// worth, so large events cannot fill memory; MaxAckPending bounds the
	// count. The pull must fit the largest message, or the consumer stalls.
	iter, err := cons.Messages(jetstream.PullMaxBytes(p.prefetchBytes()))
	if err != nil {
		return fmt.Errorf("processor consume: %w", err)
	}
	defer iter.Stop()
	// The background loops get their own context, since Run also returns
	// before ctx ends.
	bgCtx, stopBG := context.WithCancel(ctx)
	lagDone, auditDone, trimDone := make(chan struct{}), make(chan struct{}), make(chan struct{})
	defer func() {
		stopBG()
		<-lagDone
		<-auditDone
		<-trimDone
	}()
	go func() {
		defer close(trimDone)
		p.trimStreams(bgCtx)
	}()
	gone := make(chan error, 1)
	go func() {
		defer close(lagDone)
		if err := p.watchLag(bgCtx, cons); err != nil {
			gone <- err
			iter.Stop()
		}
	}()
	go func() {
		defer close(auditDone)
		p.auditDue(bgCtx)
	}()
	p.log.Info().Int("workers", p.cfg.Workers).Msg("processor consuming")
	// Several batches in flight keep Elasticsearch busy while one batch
	// waits for its group updates. One goroutine collects batches (the
	// iterator's Next holds a lock while it waits, so collectors would block
	// each other with a batch in hand) and the workers write them.
	batches := make(chan []jetstream.Msg)
	// One writer updates groups for all workers, so concurrent batches never
	// collide on a group and their updates merge.
	p.groupReqs = make(chan groupRequest, p.cfg.Workers)
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		p.writeGroups(context.WithoutCancel(ctx), p.groupReqs)
	}()
	var wg sync.WaitGroup
	for w := 0; w < p.cfg.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for batch := range batches {
				// The batch in hand is finished even on shutdown, so that its
				// events are acked rather than redelivered to another replica.
				wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.cfg.BatchTimeout)
				p.handle(wctx, batch)
				cancel()
			}
		}()
	}
	var runErr error
	for ctx.Err() == nil {
		batch, err := p.collect(ctx, iter)
		if err != nil {
			p.ready.Store(false)
			select {
			case err = <-gone:
			default:
			}
			runErr = fmt.Errorf("processor consume: %w", err)
			break
		}
		if len(batch) > 0 {
			batches <- batch
		}
	}
	close(batches)
	wg.Wait()
	close(p.groupReqs)
	<-writerDone
	return runErr
}

// watchLag publishes the consumer's backlog, the number to alert on when
// the processor falls behind or Elasticsearch is down, until ctx ends. Its
// error is the consumer gone: the iterator hears of a deletion only from a
// pull request waiting at that moment, and passes over the answer to one
// issued after it, so without this check the processor could wait for
// events forever while saying it is ready.
func (p *Processor) watchLag(ctx context.Context, cons jetstream.Consumer) error {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		info, err := cons.Info(ctx)
		switch {
		case err == nil:
			p.cfg.Metrics.consumerLag.Set(float64(info.NumPending + uint64(info.NumAckPending)))
		case errors.Is(err, jetstream.ErrConsumerNotFound):
			return fmt.Errorf("consumer %s on %s: %w", ConsumerName, broker.EventsStream, err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// prefetchBytes is two bulk requests, and at least two of the largest
// messages the server accepts.
func (p *Processor) prefetchBytes() int {
	n := 2 * p.cfg.MaxBulkBytes
	if nc := p.js.Conn(); nc != nil {
		n = max(n, 2*int(nc.MaxPayload()))
	}
	return n
}

// trimStreams frees acknowledged events and alerts from streams nearing
// their cap (broker.Trim): both streams keep new messages when full and
// refuse publishes, so history must never be what fills them.
func (p *Processor) trimStreams(ctx context.Context) {
	t := time.NewTicker(p.cfg.TrimEvery)
	defer t.Stop()
	for {
		for _, stream := range []string{broker.EventsStream, broker.AlertsStream} {
			n, err := broker.Trim(ctx, p.js, stream)
			switch {
			case err != nil && ctx.Err() == nil:
				p.log.Warn().Err(err).Str("stream", stream).Msg("trimming acknowledged messages failed")
			case n > 0:
				p.cfg.Metrics.streamTrimmed.WithLabelValues(stream).Add(float64(n))
				p.log.Info().Uint64("messages", n).Str("stream", stream).Msg("stream near its max_bytes: acknowledged messages purged")
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// auditDue recounts the groups due for it (tally.go) until ctx ends. Every
// replica does, so a recount marked due survives any one of them; two
// recounting one group meet in its sequence number.
func (p *Processor) auditDue(ctx context.Context) {
	t := time.NewTicker(p.cfg.AuditEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		const page = 100
		for {
			n, err := p.counter.RecountDue(ctx, page)
			if err != nil {
				if ctx.Err() == nil {
					p.log.Warn().Err(err).Msg("recounting due groups failed; retrying on the next round")
				}
				break
			}
			if n < page {
				break
			}
		}
	}
}

// collect blocks for the first message, then gathers more for at most
// Linger, up to BatchSize messages or MaxBulkBytes.
// Its error means the iterator is closed for good: every further Next would
// fail at once.
func (p *Processor) collect(ctx context.Context, iter jetstream.MessagesContext) ([]jetstream.Msg, error) {
	first, err := iter.Next(jetstream.NextContext(ctx))
	if err != nil {
		switch {
		case ctx.Err() != nil:
		case errors.Is(err, jetstream.ErrMsgIteratorClosed):
			return nil, err
		default:
			p.log.Warn().Err(err).Msg("fetch events")
			time.Sleep(100 * time.Millisecond)
		}
		return nil, nil
	}
	batch := []jetstream.Msg{first}
	// A batch also ends at a bulk request's worth of bytes, so the batches
	// in flight hold about Workers bulk requests, whatever the event size.
	size := len(first.Data())
	deadline := time.Now().Add(p.cfg.Linger)
	for len(batch) < p.cfg.BatchSize && size < p.cfg.MaxBulkBytes {
		wait := time.Until(deadline)
		if wait <= 0 {
			break
		}
		m, err := iter.Next(jetstream.NextMaxWait(wait))
		if err != nil {
			break
		}
		batch = append(batch, m)
		size += len(m.Data())
	}
	return batch, nil
}

// pending is one event of a batch on its way to Elasticsearch. Its message
// is the only copy of it the batch holds: the decoded event is dropped once
// fingerprinted, the document is written from the message straight into
// the bulk body (Doc), and a new group's sample is decoded from it again
// (Delta).
type pending struct {
	msg jetstream.Msg
	id  string
	at  time.Time // the event's @timestamp
	fp  grouping.Result
	// slot is where the fingerprint goes in the message.
	slot event.FingerprintSlot
	doc  Doc
	dup  bool // stored by an earlier delivery
}

// delta is what the event adds to its group.
func (it *pending) delta() Delta {
	return Delta{Fingerprint: it.fp.Fingerprint, Culprit: it.fp.Culprit, Strategy: it.fp.Strategy, Count: 1, First: it.at, Last: it.at, wire: it.msg.Data()}
}

// written is what a batch's bulk write settled: the events stored (now or
// by an earlier delivery) and what they add to their groups.
type written struct {
	items []pending
	// created are the deltas of the events this delivery created;
	// duplicates, those of events an earlier one did, whose groups are
	// reconciled, and dupIDs their ids.
	created, duplicates deltaSet
	dupIDs              []string
}

// handle writes one batch. Every message ends acked (written, duplicate or
// dead-lettered) or nacked with a delay (to be retried).
func (p *Processor) handle(ctx context.Context, msgs []jetstream.Msg) {
	start := time.Now()
	defer func() { p.cfg.Metrics.batchSeconds.Observe(time.Since(start).Seconds()) }()
	stop := broker.KeepAlive(p.cfg.AckWait/3, msgs...)
	defer stop()

	// The write time every event of the batch carries, which group counts
	// are recounted by (tally.go). Milliseconds, as Elasticsearch keeps it.
	stamp := time.Now().UTC().Truncate(time.Millisecond)
	items := p.decode(ctx, msgs)
	if len(items) == 0 {
		return
	}
	if err := p.keepOlderGroups(ctx, items); err != nil {
		p.failBatch(items, err)
		return
	}
	if items = p.documents(ctx, items, stamp); len(items) == 0 {
		return
	}
	w, err := p.writeEvents(ctx, items)
	if err != nil {
		p.failBatch(items, err)
		return
	}
	if len(w.created.list) == 0 && len(w.duplicates.list) == 0 {
		return
	}
	p.settle(w, p.countInGroups(ctx, w, stamp))
}

// decode prepares each message of a batch, dead-lettering those that can
// never be written and acking those written already.
func (p *Processor) decode(ctx context.Context, msgs []jetstream.Msg) []pending {
	items := make([]pending, 0, len(msgs))
	for _, m := range msgs {
		it, err := p.prepare(m)
		switch {
		case err != nil:
			p.deadLetter(ctx, m, err.Error())
		case it == nil:
			p.cfg.Metrics.eventsWritten.WithLabelValues("duplicate").Inc()
			_ = m.Ack()
		default:
			items = append(items, *it)
		}
	}
	return items
}

// documents makes each item's document, stamped with stamp, and returns the
// items that have one; the others are dead-lettered.
func (p *Processor) documents(ctx context.Context, items []pending, stamp time.Time) []pending {
	kept := items[:0]
	for _, it := range items {
		if err := it.document(stamp); err != nil {
			p.deadLetter(ctx, it.msg, err.Error())
			continue
		}
		kept = append(kept, it)
	}
	return kept
}

// writeEvents writes the items' documents in bulk and settles the items
// whose write failed (nacked to be retried, or dead-lettered). Its error is
// the bulk write failing as a whole, with nothing settled.
func (p *Processor) writeEvents(ctx context.Context, items []pending) (written, error) {
	docs := make([]Doc, len(items))
	for i := range items {
		docs[i] = items[i].doc
	}
	results, err := p.events.CreateDocs(ctx, docs)
	if err != nil {
		return written{}, err
	}
	p.writeErr.Store(nil)
	p.ready.Store(true)
	var w written
	for i, r := range results {
		it := items[i]
		switch r.Outcome {
		case Created:
			p.cfg.Metrics.eventsWritten.WithLabelValues("created").Inc()
			w.items = append(w.items, it)
			// Only events this delivery created count towards their group, so
			// a redelivered event (a 409) is never counted twice.
			w.created.add(it.delta())
		case Duplicate:
			p.cfg.Metrics.eventsWritten.WithLabelValues("duplicate").Inc()
			it.dup = true
			w.items = append(w.items, it)
			w.duplicates.add(it.delta())
			w.dupIDs = append(w.dupIDs, it.id)
		case Retry:
			p.cfg.Metrics.eventsWritten.WithLabelValues("retry").Inc()
			p.nak(it.msg, r.Reason)
		case Permanent:
			p.deadLetter(ctx, it.msg, "elasticsearch rejected the event: "+r.Reason)
		case Oversize:
			p.deadLetter(ctx, it.msg, r.Reason)
		}
	}
	return w, nil
}

// countInGroups adds the created events to their groups, counted in the
// tally bucket of stamp, and reconciles the groups of the duplicates,
// through the group writer.
func (p *Processor) countInGroups(ctx context.Context, w written, stamp time.Time) groupResult {
	bucket := p.counter.Tally.bucket(stamp)
	for i := range w.created.list {
		w.created.list[i].Stored = []Bucket{{Start: bucket, N: w.created.list[i].Count}}
	}
	res := p.writeGroupsFor(ctx, w.created.list, w.duplicates.list, w.dupIDs)
	if res.reconcile != nil {
		p.log.Warn().Err(res.reconcile).Int("groups", len(w.duplicates.list)).Msg("reconciling group counts after a redelivery failed")
	}
	return res
}

// settle acks the written events once their groups are counted, or nacks
// them for whatever the group writer could not do.
func (p *Processor) settle(w written, res groupResult) {
	if res.update != nil {
		// The events are stored but some of their counts may not be. Their
		// redelivery comes back as duplicates, and Reconcile then recounts
		// (or creates) their groups from the data stream.
		p.log.Error().Err(res.update).Int("groups", len(w.created.list)).Msg("group update failed; the batch will be redelivered to repair the counts")
		for _, it := range w.items {
			p.nak(it.msg, "group update failed")
		}
		return
	}
	if res.publish != nil {
		// Acked, the events would take their alerts with them if this
		// process stopped: they come back as duplicates, which publish
		// their groups' escalations again (alerts.go).
		p.log.Error().Err(res.publish).Int("groups", len(w.created.list)+len(w.duplicates.list)).Msg("alert candidates not published; the batch will be redelivered")
		for _, it := range w.items {
			p.nak(it.msg, "alert candidates not published")
		}
		return
	}
	for _, it := range w.items {
		if it.dup && res.reconcile != nil {
			// Its group may be missing events: the duplicate comes back to
			// try the repair again.
			p.nak(it.msg, "reconciling its group failed")
			continue
		}
		if due, ok := res.deferred[it.fp.Fingerprint]; ok && it.dup {
			// Its group is missing and cannot be created before its events'
			// count is final: the duplicate comes back then.
			if err := it.msg.NakWithDelay(time.Until(due)); err != nil {
				p.log.Warn().Err(err).Str("event_id", it.id).Msg("nak failed; JetStream redelivers after AckWait")
			}
			continue
		}
		p.seen.Add(it.id, struct{}{})
		if err := it.msg.Ack(); err != nil {
			p.log.Warn().Err(err).Str("event_id", it.id).Msg("ack failed; the event will be redelivered as a duplicate")
		}
	}
}

// prepare decodes m and fingerprints it. Its error is why m can never be
// written; nil and no error is an event known to be written already.
func (p *Processor) prepare(m jetstream.Msg) (*pending, error) {
	var ev event.Event
	// Not goccy/go-json: its strings can share the message's buffer, and
	// the LRUs keep event ids and samples, which would pin every buffer
	// they came from. event.ReadWire copies.
	slot, err := event.ReadWire(m.Data(), &ev)
	if err != nil {
		return nil, fmt.Errorf("decode event: %w", err)
	}
	if ev.Event.ID == "" {
		return nil, errors.New("event has no event.id")
	}
	if p.seen.Contains(ev.Event.ID) {
		return nil, nil
	}
	return &pending{msg: m, id: ev.Event.ID, at: ev.Timestamp, fp: p.fp.Compute(&ev), slot: slot}, nil
}

// document makes the event's document once its fingerprint is settled: the
// message with the fingerprint added, written out with the bulk body, so the
// event is not encoded a second time.
func (it *pending) document(stamp time.Time) error {
	data := it.msg.Data()
	if st, ok := it.slot.Stamp(data, it.fp.Fingerprint, it.fp.Strategy, stamp); ok {
		it.doc = Doc{ID: it.id, JSON: data, stamp: st}
		return nil
	}
	// A message not in Marshal's form has no slot: the event is decoded
	// again, which prepare did without error, and encoded whole.
	var ev event.Event
	if err := event.Unmarshal(data, &ev); err != nil {
		return fmt.Errorf("decode event: %w", err)
	}
	ev.Faultline.Fingerprint, ev.Faultline.GroupingStrategy, ev.Faultline.StoredAt = it.fp.Fingerprint, it.fp.Strategy, &stamp
	doc, err := event.Marshal(&ev)
	if err != nil {
		return fmt.Errorf("encode event: %w", err)
	}
	it.doc = Doc{ID: it.id, JSON: doc}
	return nil
}

func (p *Processor) failBatch(items []pending, err error) {
	p.cfg.Metrics.bulkFailures.Inc()
	p.writeErr.Store(&err)
	p.ready.Store(false)
	p.log.Error().Err(err).Int("events", len(items)).Msg("bulk write failed; events stay in JetStream")
	for _, it := range items {
		p.nak(it.msg, err.Error())
	}
}

// nak asks for redelivery later, with a delay growing with the number of
// deliveries so a struggling cluster is not hammered.
func (p *Processor) nak(m jetstream.Msg, reason string) {
	delay := time.Second
	if md, err := m.Metadata(); err == nil {
		delay = min(time.Duration(md.NumDelivered)*time.Second, 30*time.Second)
	}
	if err := m.NakWithDelay(delay); err != nil {
		p.log.Warn().Err(err).Str("reason", reason).Msg("nak failed; JetStream redelivers after AckWait")
	}
}

// deadLetter moves a message that can never be written to the DLQ stream with
// its original bytes and the reason, then acks it. If the DLQ publish fails
// the message is nacked instead: nothing is dropped.
func (p *Processor) deadLetter(ctx context.Context, m jetstream.Msg, reason string) {
	dl := nats.NewMsg(broker.DLQSubject)
	dl.Data = m.Data()
	dl.Header.Set("Faultline-Reason", reason)
	dl.Header.Set("Faultline-Subject", m.Subject())
	if md, err := m.Metadata(); err == nil {
		dl.Header.Set("Faultline-Stream-Seq", fmt.Sprint(md.Sequence.Stream))
		dl.Header.Set(jetstream.MsgIDHeader, fmt.Sprintf("dlq-%d", md.Sequence.Stream))
	}
	if _, err := p.js.PublishMsg(ctx, dl); err != nil {
		p.cfg.Metrics.deadLetterRefused.Inc()
		if broker.IsStreamFull(err) {
			why := "dead-letter stream full"
			if u, uerr := broker.StreamUsage(ctx, p.js, broker.DLQStream); uerr == nil {
				why += ": " + u.String()
			}
			p.dlqFull.Store(why + " (streams.dlq_max_bytes); events that cannot be written wait in the events stream")
		}
		p.log.Error().Err(err).Str("reason", reason).Msg("dead-letter publish failed; will retry the event")
		p.nak(m, reason)
		return
	}
	p.dlqFull.Store("")
	p.cfg.Metrics.eventsWritten.WithLabelValues("dead_letter").Inc()
	p.log.Warn().Str("reason", reason).Msg("event dead-lettered")
	if err := m.Ack(); err != nil {
		p.log.Warn().Err(err).Msg("ack of dead-lettered event failed")
	}
}
