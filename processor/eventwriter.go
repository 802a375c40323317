package processor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/typedapi/core/search"
	"github.com/elastic/go-elasticsearch/v8/typedapi/types"

	"github.com/faultline/faultline/internal/elastic"
	"github.com/faultline/faultline/internal/event"
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

// EventWriter writes events to the events data stream, and tells which are
// stored already.
//
// It builds bulk requests itself rather than through esutil.BulkIndexer: the
// processor must know the outcome of every item of a batch before it updates
// groups and acks, and the indexer's background flushing would hide that
// boundary.
type EventWriter struct {
	*store
	// MaxBulkBytes bounds the body of one bulk request of events.
	MaxBulkBytes int
}

// DefaultMaxBulkBytes is well under Elasticsearch's 100 MB
// http.max_content_length, near the few MB per bulk its guide advises.
const DefaultMaxBulkBytes = 10 << 20

// NewEventWriter wraps a client.
func NewEventWriter(es *elasticsearch.Client) *EventWriter {
	return newEventWriter(newStore(es, nil))
}

func newEventWriter(s *store) *EventWriter {
	return &EventWriter{store: s, MaxBulkBytes: DefaultMaxBulkBytes}
}

// CreateEvents writes the events with op "create" and _id = event id. An
// error means the whole request failed (transport or cluster), and nothing
// can be assumed about any item.
func (s *EventWriter) CreateEvents(ctx context.Context, evs []*event.Event) ([]ItemResult, error) {
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
	// stamp is added to JSON as it goes into the body: the processor's
	// documents are their messages, never copied before the body.
	stamp event.Stamp
}

// len is the length of the document in a bulk body.
func (d *Doc) len() int { return d.stamp.Len(d.JSON) }

// CreateDocs is CreateEvents for events already encoded. The documents go
// in as many bulk requests as MaxBulkBytes needs, in order; a document that
// alone exceeds it is answered Oversize without being sent. A request that
// Elasticsearch refuses as too large (413: a cluster whose
// http.max_content_length is below the cap) is sent again in halves, down
// to the document that alone is too large, which is Oversize too. A request
// that fails as a whole otherwise answers its documents Retry; the error is
// for all of them failing so.
func (s *EventWriter) CreateDocs(ctx context.Context, docs []Doc) ([]ItemResult, error) {
	out := make([]ItemResult, len(docs))
	actions := make([][]byte, len(docs))
	sizes := make([]int, len(docs))
	var chunks [][]int // indices into docs, one bulk request each
	var chunk []int
	chunkSize := 0
	for i := range docs {
		d := &docs[i]
		id, err := json.Marshal(d.ID)
		if err != nil {
			return nil, fmt.Errorf("encode bulk action: %w", err)
		}
		actions[i] = append(append([]byte(`{"create":{"_id":`), id...), "}}\n"...)
		size := len(actions[i]) + d.len() + 1
		sizes[i] = size
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
	var body []byte
	var errs []error
	requests := 0
	var send func(idx []int)
	send = func(idx []int) {
		// Sized exactly, once for the largest request: a body grown by
		// doubling would hold up to twice the batch's documents.
		size := 0
		for _, i := range idx {
			size += sizes[i]
		}
		if cap(body) < size {
			body = make([]byte, 0, size)
		}
		body = body[:0]
		for _, i := range idx {
			body = append(body, actions[i]...)
			body = docs[i].stamp.AppendTo(body, docs[i].JSON)
			body = append(body, '\n')
		}
		s.metrics.bulkBytes.Observe(float64(size))
		items, err := s.bulk(ctx, elastic.EventsDataStream, bytes.NewBuffer(body), len(idx))
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

// storedIDs returns which of the event ids any backing index of the events
// data stream holds.
func (s *EventWriter) storedIDs(ctx context.Context, ids []string) (map[string]struct{}, error) {
	out := make(map[string]struct{}, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	found, err := s.searchIDs(ctx, elastic.EventsDataStream, &search.Request{
		Size:  new(len(ids)),
		Query: &types.Query{Ids: &types.IdsQuery{Values: ids}},
	})
	if err != nil {
		return nil, fmt.Errorf("find stored events: %w", err)
	}
	for _, id := range found {
		out[id] = struct{}{}
	}
	return out, nil
}

// countEvents counts every event of the data stream (0 when it is missing).
func (s *EventWriter) countEvents(ctx context.Context) (int64, error) {
	var sr totalHits
	req := &search.Request{Size: new(0), TrackTotalHits: true}
	if err := s.search(ctx, elastic.EventsDataStream, req, &sr); err != nil {
		return 0, fmt.Errorf("count events: %w", err)
	}
	return sr.Total(), nil
}
