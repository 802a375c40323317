package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/faultline/faultline/dlqadmin"
	"github.com/faultline/faultline/groupadmin"
	"github.com/faultline/faultline/internal/auth"
	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/redact"
	"github.com/faultline/faultline/notifier"
	"github.com/faultline/faultline/processor"
)

// Pipeline is what the pipeline page reads besides Elasticsearch: the
// JetStream streams and the processor's consumer, the dead letters through
// dlqadmin (the code `faultline dlq` and the API use, which also replays
// them), and the notifier of this process.
type Pipeline struct {
	JS jetstream.JetStream
	// DeadLetters lists and replays dead letters for the signed-in key.
	DeadLetters *dlqadmin.Admin
	// Notifier is nil where no notifier runs in this process.
	Notifier *notifier.Service
}

// pipelineTimeout bounds each part of the page: a part whose dependency
// is down says so instead of holding up the others.
const pipelineTimeout = 3 * time.Second

// deadLettersShown bounds the page's list; the count says how many there
// are in all.
const deadLettersShown = 100

// ingestMinutes is the span of the ingest chart, one bar a minute.
const ingestMinutes = 60

type pipelineView struct {
	Ingest      ingestView
	Processor   processorView
	DeadLetters deadLettersView
	ES          esView
	Notifier    *notifier.Status
	NotifierErr string
	Storms      int
	At          time.Time
}

type ingestView struct {
	// LastMinute is the events the events stream accepted in the last
	// minute; Stored the stream's events and bytes now.
	LastMinute int64
	StreamMsgs int64
	StreamSize string
	StreamErr  string
	// Chart is the events stored per minute; Total and Peak its sum and
	// busiest minute.
	Chart       template.HTML
	Total, Peak int64
	ChartErr    string
}

type processorView struct {
	Pending, AckPending, Redelivered int64
	Lag                              int64
	LastActive                       time.Time
	Err                              string
}

type deadLettersView struct {
	List  []deadLetterRow
	Total int64
	Err   string
}

type deadLetterRow struct {
	Seq     uint64
	Time    time.Time
	Reason  string
	EventID string
	Service string
}

type esView struct {
	Status            string
	Nodes             int
	ActiveShards      int
	UnassignedShards  int
	PendingTasks      int
	Took              time.Duration
	Err               string
	ActiveShardsRatio string
}

// pipelinePage shows each part of the pipeline, every part read at once
// and on its own deadline.
func (h *Handler) pipelinePage(w http.ResponseWriter, r *http.Request, c *call) {
	v := pipelineView{At: h.now().UTC()}
	var wg sync.WaitGroup
	part := func(f func(ctx context.Context)) {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(r.Context(), pipelineTimeout)
			defer cancel()
			f(ctx)
		})
	}
	part(func(ctx context.Context) { v.ES = h.esHealth(ctx) })
	part(func(ctx context.Context) { h.ingestChart(ctx, &v.Ingest, v.At) })
	if p := h.pipeline; p != nil && p.JS != nil {
		part(func(ctx context.Context) { h.ingestStream(ctx, &v.Ingest, v.At) })
		part(func(ctx context.Context) { v.Processor = h.processorLag(ctx) })
		part(func(ctx context.Context) { v.DeadLetters = h.deadLetters(ctx, c.principal) })
	} else {
		v.Ingest.StreamErr = "JetStream is not connected in this process"
		v.Processor.Err = v.Ingest.StreamErr
		v.DeadLetters.Err = v.Ingest.StreamErr
	}
	if p := h.pipeline; p != nil && p.Notifier != nil {
		part(func(ctx context.Context) {
			st := p.Notifier.Status(ctx)
			v.Notifier = &st
			if storms, err := p.Notifier.Storms(); err == nil {
				if list, err := storms.List(ctx, 0); err == nil {
					v.Storms = len(list)
				}
			}
		})
	} else {
		v.NotifierErr = "no notifier runs in this process"
	}
	wg.Wait()
	h.render(w, r, c, http.StatusOK, "pipeline.html", "Pipeline", "pipeline", v)
}

// ingestStream counts what the events stream accepted in the last minute:
// an ordered consumer starting at that time has exactly those pending.
func (h *Handler) ingestStream(ctx context.Context, v *ingestView, now time.Time) {
	js := h.pipeline.JS
	s, err := js.Stream(ctx, broker.EventsStream)
	if err != nil {
		v.StreamErr = errText(fmt.Errorf("events stream: %w", err))
		return
	}
	info, err := s.Info(ctx)
	if err != nil {
		v.StreamErr = errText(fmt.Errorf("events stream: %w", err))
		return
	}
	v.StreamMsgs, v.StreamSize = int64(info.State.Msgs), humanize.IBytes(info.State.Bytes)
	since := now.Add(-time.Minute)
	oc, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverByStartTimePolicy, OptStartTime: &since})
	if err != nil {
		v.StreamErr = errText(fmt.Errorf("events stream: count the last minute: %w", err))
		return
	}
	ci, err := oc.Info(ctx)
	if err != nil {
		v.StreamErr = errText(fmt.Errorf("events stream: count the last minute: %w", err))
		return
	}
	v.LastMinute = int64(ci.NumPending)
	// It would expire unused anyway; deleting it keeps page views from
	// piling consumers on the stream meanwhile.
	_ = js.DeleteConsumer(context.WithoutCancel(ctx), broker.EventsStream, ci.Name)
}

// ingestChart is the events stored per minute of the last hour, by when
// ingest accepted them (event.ingested).
func (h *Handler) ingestChart(ctx context.Context, v *ingestView, now time.Time) {
	end := now.Truncate(time.Minute).Add(time.Minute)
	start := end.Add(-ingestMinutes * time.Minute)
	q := map[string]any{
		"size":             0,
		"track_total_hits": false,
		"query":            map[string]any{"range": map[string]any{"event.ingested": map[string]any{"gte": start, "lt": end}}},
		"aggs": map[string]any{"per_minute": map[string]any{"date_histogram": map[string]any{
			"field": "event.ingested", "fixed_interval": "1m", "min_doc_count": 0,
			"extended_bounds": map[string]any{"min": start.UnixMilli(), "max": end.Add(-time.Minute).UnixMilli()},
		}}},
	}
	var res struct {
		Aggregations struct {
			PerMinute struct {
				Buckets []struct {
					Key   int64 `json:"key"`
					Count int64 `json:"doc_count"`
				} `json:"buckets"`
			} `json:"per_minute"`
		} `json:"aggregations"`
	}
	if err := h.data.search(ctx, h.data.eventsIndex(), q, &res); err != nil {
		v.ChartErr = errText(err)
		return
	}
	counts := make([]int64, ingestMinutes)
	for _, b := range res.Aggregations.PerMinute.Buckets {
		if i := int(time.UnixMilli(b.Key).Sub(start) / time.Minute); i >= 0 && i < len(counts) {
			counts[i] = b.Count
			v.Total += b.Count
			v.Peak = max(v.Peak, b.Count)
		}
	}
	v.Chart = barChart(counts, start, time.Minute, fmt.Sprintf("%d events stored in the last hour, per minute", v.Total))
}

func (h *Handler) processorLag(ctx context.Context) processorView {
	var v processorView
	c, err := h.pipeline.JS.Consumer(ctx, broker.EventsStream, processor.ConsumerName)
	if err != nil {
		v.Err = errText(fmt.Errorf("processor consumer: %w", err))
		return v
	}
	info, err := c.Info(ctx)
	if err != nil {
		v.Err = errText(fmt.Errorf("processor consumer: %w", err))
		return v
	}
	v.Pending, v.AckPending, v.Redelivered = int64(info.NumPending), int64(info.NumAckPending), int64(info.NumRedelivered)
	v.Lag = v.Pending + v.AckPending
	if info.Delivered.Last != nil {
		v.LastActive = *info.Delivered.Last
	}
	return v
}

func (h *Handler) deadLetters(ctx context.Context, p *auth.Principal) deadLettersView {
	var v deadLettersView
	if s, err := h.pipeline.JS.Stream(ctx, broker.DLQStream); err == nil {
		if info, err := s.Info(ctx); err == nil {
			v.Total = int64(info.State.Msgs)
		}
	}
	if h.pipeline.DeadLetters == nil {
		v.Err = "dead letters are not readable in this process"
		return v
	}
	dls, err := h.pipeline.DeadLetters.List(ctx, p, deadLettersShown)
	if err != nil {
		v.Err = errText(err)
		return v
	}
	for _, dl := range dls {
		v.List = append(v.List, deadLetterRow{Seq: dl.Seq, Time: dl.Time, Reason: dl.Reason, EventID: dl.EventID, Service: dl.Service})
	}
	return v
}

func (h *Handler) esHealth(ctx context.Context) esView {
	var v esView
	start := time.Now()
	es := h.data.ES
	res, err := es.Cluster.Health(es.Cluster.Health.WithContext(ctx))
	if err != nil {
		v.Err = errText(fmt.Errorf("elasticsearch unreachable: %w", err))
		return v
	}
	defer res.Body.Close()
	v.Took = time.Since(start).Round(time.Millisecond)
	if res.IsError() {
		v.Err = fmt.Sprintf("elasticsearch answered %s", res.Status())
		return v
	}
	var hl struct {
		Status           string  `json:"status"`
		Nodes            int     `json:"number_of_nodes"`
		ActiveShards     int     `json:"active_shards"`
		UnassignedShards int     `json:"unassigned_shards"`
		PendingTasks     int     `json:"number_of_pending_tasks"`
		ActivePercent    float64 `json:"active_shards_percent_as_number"`
	}
	if err := json.NewDecoder(res.Body).Decode(&hl); err != nil {
		v.Err = errText(fmt.Errorf("elasticsearch health: %w", err))
		return v
	}
	v.Status, v.Nodes, v.ActiveShards, v.UnassignedShards, v.PendingTasks = hl.Status, hl.Nodes, hl.ActiveShards, hl.UnassignedShards, hl.PendingTasks
	v.ActiveShardsRatio = strconv.FormatFloat(hl.ActivePercent, 'f', 1, 64) + " %"
	return v
}

// replayDeadLetters puts dead letters back on the events stream through
// dlqadmin, as `faultline dlq replay` does: the seq fields of the form,
// or every one the key may replay with all=true.
func (h *Handler) replayDeadLetters(w http.ResponseWriter, r *http.Request, c *call) {
	if h.pipeline == nil || h.pipeline.DeadLetters == nil {
		h.fail(w, r, c, http.StatusServiceUnavailable, errors.New("dead letters are not reachable from this process"))
		return
	}
	var seqs []uint64
	for _, s := range r.PostForm["seq"] {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || n == 0 {
			h.fail(w, r, c, http.StatusBadRequest, fmt.Errorf("seq %q: want a dead letter's sequence number", s))
			return
		}
		seqs = append(seqs, n)
	}
	if len(seqs) == 0 && r.PostFormValue("all") != "true" {
		h.fail(w, r, c, http.StatusBadRequest, errors.New("nothing to replay: choose a dead letter, or replay all"))
		return
	}
	n, err := h.pipeline.DeadLetters.Replay(r.Context(), c.principal, seqs)
	if err != nil {
		code := status(err)
		if groupadmin.IsNotFound(err) {
			code = http.StatusNotFound
		}
		h.fail(w, r, c, code, err)
		return
	}
	done := fmt.Sprintf("Replayed %d dead letter%s onto the events stream.", n, plural(n))
	http.Redirect(w, r, h.base+"/pipeline?"+url.Values{"done": {done}}.Encode(), http.StatusSeeOther)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// errText is an error as a page may show it: no credentials of a URL.
func errText(err error) string { return redact.String(err.Error()) }
