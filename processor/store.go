package processor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/faultline/faultline/grouping"
	"net/http"
	"strconv"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/hashicorp/golang-lru/v2"

	"github.com/faultline/faultline/internal/config"
	"github.com/faultline/faultline/internal/elastic"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/group"
)

// Outcome of one document in a bulk request.
type Outcome int

// Outcomes. Duplicate is a success: the event was written by an earlier
// delivery, which is how redelivery stays idempotent.
const (
	Created Outcome = iota
	Duplicate
	Retry
	Permanent
	// Oversize is a document larger than a bulk request may be: it can
	// never be written, and Reason names both sizes.
	Oversize
)

// ItemResult is the outcome of one event write, with Elasticsearch's reason
// when it failed.
type ItemResult struct {
	Outcome Outcome
	Reason  string
}

// Store writes events and groups to Elasticsearch.
//
// It builds bulk requests itself rather than through esutil.BulkIndexer: the
// processor must know the outcome of every item of a batch before it updates
// groups and acks, and the indexer's background flushing would hide that
// boundary.
type Store struct {
	es *elasticsearch.Client
	// Threshold raises KindThreshold when a group sees Count events in Window.
	Threshold config.Threshold
	// groups caches the groups this store last wrote, with their sequence
	// numbers, so a burst of one group skips the read before each write. A
	// stale entry (another replica wrote since) fails its conditional write
	// with a conflict and is read afresh.
	groups *lru.Cache[string, storedGroup]
	// Tally sets the time scales of exact counting (tally.go).
	Tally TallyConfig
	// MaxBulkBytes bounds the body of one bulk request of events.
	MaxBulkBytes int
	now          func() time.Time
	// metrics are the processor's when it built the store (New).
	metrics *Metrics
}

// DefaultMaxBulkBytes is well under Elasticsearch's 100 MB
// http.max_content_length, near the few MB per bulk its guide advises.
const DefaultMaxBulkBytes = 10 << 20

// DefaultGroupCacheSize bounds the cache of recently written groups.
const DefaultGroupCacheSize = 10000

// NewStore wraps a client.
func NewStore(es *elasticsearch.Client) *Store {
	cache, _ := lru.New[string, storedGroup](DefaultGroupCacheSize)
	s := &Store{es: es, groups: cache, now: time.Now, MaxBulkBytes: DefaultMaxBulkBytes, metrics: NewMetrics(nil)}
	s.Tally.defaults(defaultBatchTimeout)
	return s
}

type bulkResponse struct {
	Items []map[string]bulkItemOutcome `json:"items"`
}

type bulkItemOutcome struct {
	Status      int   `json:"status"`
	SeqNo       int64 `json:"_seq_no"`
	PrimaryTerm int64 `json:"_primary_term"`
	Error       *struct {
		Type   string `json:"type"`
		Reason string `json:"reason"`
	} `json:"error"`
}

func (o bulkItemOutcome) reason() string {
	if o.Error == nil {
		return fmt.Sprintf("status %d", o.Status)
	}
	return fmt.Sprintf("status %d: %s: %s", o.Status, o.Error.Type, o.Error.Reason)
}

func (s *Store) bulk(ctx context.Context, index string, body *bytes.Buffer, want int) ([]bulkItemOutcome, error) {
	// Only what the outcome needs: the full answer is about 250 bytes per
	// item that Elasticsearch would write and the processor read. The
	// top-level error stays, for a request refused as a whole.
	res, err := s.es.Bulk(body, s.es.Bulk.WithIndex(index), s.es.Bulk.WithContext(ctx),
		s.es.Bulk.WithFilterPath("error", "items.*.status", "items.*.error.type", "items.*.error.reason", "items.*._seq_no", "items.*._primary_term"))
	if err != nil {
		return nil, fmt.Errorf("bulk %s: %w", index, err)
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusRequestEntityTooLarge {
		return nil, fmt.Errorf("bulk %s: %w: %w", index, errRequestTooLarge, elastic.Check(res, nil))
	}
	if res.IsError() {
		return nil, fmt.Errorf("bulk %s: %w", index, elastic.Check(res, nil))
	}
	var br bulkResponse
	if err := json.NewDecoder(res.Body).Decode(&br); err != nil {
		return nil, fmt.Errorf("bulk %s: decode response: %w", index, err)
	}
	if len(br.Items) != want {
		return nil, fmt.Errorf("bulk %s: %d items answered for %d sent", index, len(br.Items), want)
	}
	out := make([]bulkItemOutcome, len(br.Items))
	for i, it := range br.Items {
		for _, o := range it {
			out[i] = o
		}
	}
	return out, nil
}

// CreateEvents writes the events with op "create" and _id = event id. An
// error means the whole request failed (transport or cluster), and nothing
// can be assumed about any item.
func (s *Store) CreateEvents(ctx context.Context, evs []*event.Event) ([]ItemResult, error) {
	docs := make([]Doc, len(evs))
	for i, ev := range evs {
		b, err := event.Marshal(ev)
		if err != nil {
			return nil, fmt.Errorf("encode event %s: %w", ev.Event.ID, err)
		}
		docs[i] = Doc{ID: ev.Event.ID, JSON: b}
	}
	return s.CreateDocs(ctx, docs)
}

// Doc is an event ready for a bulk body: its id and its JSON.
type Doc struct {
	ID   string
	JSON []byte
}

// CreateDocs is CreateEvents for events already encoded. The documents go
// in as many bulk requests as MaxBulkBytes needs, in order; a document that
// alone exceeds it is answered Oversize without being sent. A request that
// Elasticsearch refuses as too large (413: a cluster whose
// http.max_content_length is below the cap) is sent again in halves, down
// to the document that alone is too large, which is Oversize too. A request
// that fails as a whole otherwise answers its documents Retry; the error is
// for all of them failing so.
func (s *Store) CreateDocs(ctx context.Context, docs []Doc) ([]ItemResult, error) {
	out := make([]ItemResult, len(docs))
	actions := make([][]byte, len(docs))
	var chunks [][]int // indices into docs, one bulk request each
	var chunk []int
	chunkSize := 0
	for i, d := range docs {
		id, err := json.Marshal(d.ID)
		if err != nil {
			return nil, fmt.Errorf("encode bulk action: %w", err)
		}
		actions[i] = append(append([]byte(`{"create":{"_id":`), id...), "}}\n"...)
		size := len(actions[i]) + len(d.JSON) + 1
		if s.MaxBulkBytes > 0 && size > s.MaxBulkBytes {
			out[i] = ItemResult{Outcome: Oversize, Reason: fmt.Sprintf("event document is %d bytes with its bulk action, more than the %d byte bulk request cap (processor.max_bulk_bytes)", size, s.MaxBulkBytes)}
			continue
		}
		if s.MaxBulkBytes > 0 && chunkSize+size > s.MaxBulkBytes && len(chunk) > 0 {
			chunks, chunk, chunkSize = append(chunks, chunk), nil, 0
		}
		chunk, chunkSize = append(chunk, i), chunkSize+size
	}
	if len(chunk) > 0 {
		chunks = append(chunks, chunk)
	}
	var buf bytes.Buffer
	var errs []error
	requests := 0
	var send func(idx []int)
	send = func(idx []int) {
		buf.Reset()
		for _, i := range idx {
			buf.Write(actions[i])
			buf.Write(docs[i].JSON)
			buf.WriteByte('\n')
		}
		size := buf.Len()
		s.metrics.bulkBytes.Observe(float64(size))
		items, err := s.bulk(ctx, elastic.EventsDataStream, &buf, len(idx))
		switch {
		case errors.Is(err, errRequestTooLarge) && len(idx) > 1:
			send(idx[:len(idx)/2])
			send(idx[len(idx)/2:])
		case errors.Is(err, errRequestTooLarge):
			out[idx[0]] = ItemResult{Outcome: Oversize, Reason: fmt.Sprintf("Elasticsearch refused the %d byte bulk request of this event alone as too large (its http.max_content_length)", size)}
		case err != nil:
			requests++
			errs = append(errs, err)
			for _, i := range idx {
				out[i] = ItemResult{Outcome: Retry, Reason: err.Error()}
			}
		default:
			requests++
			for k, i := range idx {
				out[i] = eventOutcome(items[k])
			}
		}
	}
	for _, c := range chunks {
		send(c)
	}
	if requests > 0 && len(errs) == requests {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// errRequestTooLarge is Elasticsearch's 413: the request is over its
// http.max_content_length, and sending it again as it is cannot help.
var errRequestTooLarge = errors.New("request too large")

func eventOutcome(it bulkItemOutcome) ItemResult {
	switch {
	case it.Status == http.StatusCreated || it.Status == http.StatusOK:
		return ItemResult{Outcome: Created}
	case it.Status == http.StatusConflict:
		return ItemResult{Outcome: Duplicate}
	case it.Status == http.StatusTooManyRequests || it.Status >= 500:
		return ItemResult{Outcome: Retry, Reason: it.reason()}
	default:
		return ItemResult{Outcome: Permanent, Reason: it.reason()}
	}
}

// Delta is what one batch adds to a group.
type Delta struct {
	Fingerprint string
	Culprit     string
	// Strategy is the grouping version that made Fingerprint.
	Strategy    string
	Count       int
	First, Last time.Time
	Sample      *event.Event
	// Stored splits Count by the bucket its events were stored in.
	Stored []Bucket
}

// add merges o, a delta of the same fingerprint, into d. The newest event
// is kept as the sample: an alert should show the problem as it looks now.
func (d *Delta) add(o Delta) {
	d.Count += o.Count
	d.Stored = mergeBuckets(d.Stored, o.Stored)
	if o.First.Before(d.First) {
		d.First = o.First
	}
	if o.Last.After(d.Last) {
		d.Last = o.Last
		d.Sample = o.Sample
	}
}

// deltaOf is one event's delta.
func deltaOf(ev *event.Event, fp grouping.Result) Delta {
	return Delta{Fingerprint: fp.Fingerprint, Culprit: fp.Culprit, Strategy: fp.Strategy, Count: 1, First: ev.Timestamp, Last: ev.Timestamp, Sample: ev}
}

// deltaSet sums deltas per fingerprint, in the order the fingerprints first
// appear, so group writes follow the order events arrived in.
type deltaSet struct {
	index map[string]int
	list  []Delta
}

func (s *deltaSet) add(d Delta) {
	if i, ok := s.index[d.Fingerprint]; ok {
		s.list[i].add(d)
		return
	}
	if s.index == nil {
		s.index = map[string]int{}
	}
	s.index[d.Fingerprint] = len(s.list)
	s.list = append(s.list, d)
}

type storedGroup struct {
	group.Group
	seqNo, primaryTerm int64
	found              bool
}

// UpdateGroups adds the deltas to their groups with optimistic concurrency
// (if_seq_no), so several processor replicas can update one group without a
// script engine on the cluster. It returns one alert candidate per group
// written, also when other groups of the same call failed: those were
// written, and a lost candidate would be a lost alert.
func (s *Store) UpdateGroups(ctx context.Context, deltas []Delta) ([]group.Candidate, error) {
	var candidates []group.Candidate
	var errs []error
	pending := deltas
	for attempt := 0; len(pending) > 0; attempt++ {
		if attempt == 20 {
			errs = append(errs, fmt.Errorf("update groups: %d groups still conflicting after %d attempts", len(pending), attempt))
			break
		}
		stored := map[string]storedGroup{}
		var uncached []Delta
		for _, d := range pending {
			if sg, ok := s.groups.Get(d.Fingerprint); ok {
				stored[d.Fingerprint] = sg
			} else {
				uncached = append(uncached, d)
			}
		}
		if len(uncached) > 0 {
			fetched, err := s.getGroups(ctx, uncached)
			if err != nil {
				errs = append(errs, err)
				break
			}
			for fp, sg := range fetched {
				stored[fp] = sg
			}
		}
		written, conflicts, err := s.putGroups(ctx, pending, stored)
		candidates = append(candidates, written...)
		if err != nil {
			errs = append(errs, err)
		}
		pending = conflicts
	}
	return candidates, errors.Join(errs...)
}

// putGroups applies each delta to its stored group (absent from stored: a
// new group) and writes them all in one bulk, each only if nobody wrote the
// group since it was read. It returns the candidates of the groups written
// and the deltas that met a conflict, to be read again and retried.
func (s *Store) putGroups(ctx context.Context, pending []Delta, stored map[string]storedGroup) ([]group.Candidate, []Delta, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	next := make([]group.Candidate, len(pending))
	for i, d := range pending {
		sg := stored[d.Fingerprint]
		next[i] = apply(sg, d, s.Threshold, s.Tally, s.now())
		id, err := json.Marshal(d.Fingerprint)
		if err != nil {
			return nil, nil, fmt.Errorf("encode group action: %w", err)
		}
		if sg.found {
			buf.WriteString(`{"index":{"_id":`)
			buf.Write(id)
			buf.WriteString(`,"if_seq_no":`)
			buf.WriteString(strconv.FormatInt(sg.seqNo, 10))
			buf.WriteString(`,"if_primary_term":`)
			buf.WriteString(strconv.FormatInt(sg.primaryTerm, 10))
			buf.WriteString("}}\n")
		} else {
			buf.WriteString(`{"create":{"_id":`)
			buf.Write(id)
			buf.WriteString("}}\n")
		}
		if err := enc.Encode(next[i].Group); err != nil {
			return nil, nil, fmt.Errorf("encode group %s: %w", d.Fingerprint, err)
		}
	}
	items, err := s.bulk(ctx, elastic.GroupsIndex, &buf, len(pending))
	if err != nil {
		return nil, nil, fmt.Errorf("update groups: %w", err)
	}
	var written []group.Candidate
	var conflicts []Delta
	var errs []error
	for i, it := range items {
		fp := pending[i].Fingerprint
		switch {
		case it.Status == http.StatusOK || it.Status == http.StatusCreated:
			s.groups.Add(fp, storedGroup{Group: next[i].Group, seqNo: it.SeqNo, primaryTerm: it.PrimaryTerm, found: true})
			c := next[i]
			c.Group.Tally = nil
			if c.Kind == group.KindNew {
				s.metrics.groupsNew.Inc()
			}
			written = append(written, c)
		case it.Status == http.StatusConflict:
			// Another writer changed (or created) the group since we read it.
			s.groups.Remove(fp)
			conflicts = append(conflicts, pending[i])
		default:
			errs = append(errs, fmt.Errorf("update group %s: %s", fp, it.reason()))
		}
	}
	return written, conflicts, errors.Join(errs...)
}

func (s *Store) getGroups(ctx context.Context, deltas []Delta) (map[string]storedGroup, error) {
	ids := make([]string, len(deltas))
	for i, d := range deltas {
		ids[i] = d.Fingerprint
	}
	var mr struct {
		Docs []struct {
			ID          string      `json:"_id"`
			Found       bool        `json:"found"`
			SeqNo       int64       `json:"_seq_no"`
			PrimaryTerm int64       `json:"_primary_term"`
			Source      group.Group `json:"_source"`
		} `json:"docs"`
	}
	if err := s.mgetGroups(ctx, ids, true, &mr); err != nil {
		return nil, err
	}
	out := make(map[string]storedGroup, len(mr.Docs))
	for _, d := range mr.Docs {
		if d.Found {
			out[d.ID] = storedGroup{Group: d.Source, seqNo: d.SeqNo, primaryTerm: d.PrimaryTerm, found: true}
		}
	}
	return out, nil
}

// mgetGroups reads the group documents of ids into mr, an _mget answer,
// without their _source unless withSource.
func (s *Store) mgetGroups(ctx context.Context, ids []string, withSource bool, mr any) error {
	body, err := json.Marshal(map[string]any{"ids": ids})
	if err != nil {
		return fmt.Errorf("encode mget: %w", err)
	}
	res, err := s.es.Mget(bytes.NewReader(body), s.es.Mget.WithIndex(elastic.GroupsIndex), s.es.Mget.WithSource(strconv.FormatBool(withSource)), s.es.Mget.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("get groups: %w", err)
	}
	defer res.Body.Close()
	if res.IsError() {
		return fmt.Errorf("get groups: %w", elastic.Check(res, nil))
	}
	if err := json.NewDecoder(res.Body).Decode(mr); err != nil {
		return fmt.Errorf("get groups: decode: %w", err)
	}
	return nil
}

// apply adds a delta to a stored (or absent) group and says what kind of
// alert that is.
func apply(sg storedGroup, d Delta, t config.Threshold, c TallyConfig, now time.Time) group.Candidate {
	now = now.UTC()
	if !sg.found {
		g := newGroup(d)
		g.Count = addTally(&g, true, d, c, now)
		if t.Count > 0 {
			g.WindowStart, g.WindowCount = &now, int64(d.Count)
		}
		cand := group.Candidate{Kind: group.KindNew, Occurrences: d.Count, Group: g, At: now}
		markRaised(&cand.Group, cand)
		return cand
	}
	g := sg.Group
	kind := group.KindRepeat
	g.Count += addTally(&g, false, d, c, now)
	if d.First.Before(g.FirstSeen) {
		g.FirstSeen = d.First
	}
	if d.Last.After(g.LastSeen) {
		g.LastSeen = d.Last
	}
	switch {
	case g.Status == group.StatusResolved:
		g.Status = group.StatusOpen
		g.ResolvedAt = nil
		kind = group.KindRegression
	case g.Status == group.StatusMuted && g.MutedUntil != nil && now.After(*g.MutedUntil):
		// The mute expired: the group is open again and alerts as usual.
		g.Status = group.StatusOpen
		g.MutedUntil = nil
	}
	if t.Count > 0 {
		if g.WindowStart == nil || now.Sub(*g.WindowStart) > t.Window.Duration {
			g.WindowStart, g.WindowCount = &now, 0
		}
		before := g.WindowCount
		g.WindowCount += int64(d.Count)
		if kind == group.KindRepeat && before < int64(t.Count) && g.WindowCount >= int64(t.Count) {
			kind = group.KindThreshold
		}
	}
	cand := group.Candidate{Kind: kind, Occurrences: d.Count, Group: g, At: now}
	markRaised(&cand.Group, cand)
	return cand
}

func newGroup(d Delta) group.Group {
	ev := d.Sample
	g := group.Group{
		Fingerprint:      d.Fingerprint,
		Title:            Title(ev),
		Message:          event.Truncate(ev.Message, 1024),
		Service:          ev.Service,
		Log:              ev.Log,
		Culprit:          d.Culprit,
		GroupingStrategy: d.Strategy,
		Count:            int64(d.Count),
		FirstSeen:        d.First,
		LastSeen:         d.Last,
		Status:           group.StatusOpen,
		Sample: group.Sample{
			EventID:   ev.Event.ID,
			Timestamp: ev.Timestamp,
			Message:   event.Truncate(ev.Message, 4096),
		},
	}
	if ev.Error != nil {
		g.Error.Type = ev.Error.Type
		g.Sample.StackTrace = event.Truncate(ev.Error.StackTrace, 8192)
	}
	if ev.Process != nil {
		g.Sample.Thread = ev.Process.Thread.Name
	}
	if ev.Host != nil {
		g.Sample.Host = ev.Host.Name
	}
	if ev.Trace != nil {
		g.Sample.TraceID = ev.Trace.ID
	}
	return g
}

// Title is "Type: first line of the message", or the message template or
// message for events without an exception.
func Title(ev *event.Event) string {
	first := func(s string) string {
		if i := bytes.IndexByte([]byte(s), '\n'); i >= 0 {
			s = s[:i]
		}
		return event.Truncate(s, 200)
	}
	if ev.Error != nil && ev.Error.Type != "" {
		if msg := first(ev.Error.Message); msg != "" {
			return shortType(ev.Error.Type) + ": " + msg
		}
		return shortType(ev.Error.Type)
	}
	if ev.Faultline.MessageTemplate != "" {
		return first(ev.Faultline.MessageTemplate)
	}
	return first(ev.Message)
}

func shortType(t string) string {
	for i := len(t) - 1; i >= 0; i-- {
		if t[i] == '.' {
			return t[i+1:]
		}
	}
	return t
}
