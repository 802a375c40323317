package processor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esapi"
	"github.com/elastic/go-elasticsearch/v8/typedapi/core/search"
	"github.com/elastic/go-elasticsearch/v8/typedapi/types"
	"github.com/elastic/go-elasticsearch/v8/typedapi/types/enums/sortorder"
	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/faultline/faultline/internal/elastic"
	"github.com/faultline/faultline/internal/group"
)

// store is the plumbing EventWriter, Counter and Groups share: one
// Elasticsearch client, the clock, the processor's metrics, and the cache of
// group documents last written. The processor's EventWriter and Counter hold
// the same one.
type store struct {
	es *elasticsearch.Client
	// groups caches the groups this store last wrote, with their sequence
	// numbers, so a burst of one group skips the read before each write. A
	// stale entry (another replica wrote since) fails its conditional write
	// with a conflict and is read afresh.
	groups *lru.Cache[string, storedGroup]
	now    func() time.Time
	// metrics are the processor's when it built the store (New).
	metrics *Metrics
}

// DefaultGroupCacheSize bounds the cache of recently written groups.
const DefaultGroupCacheSize = 10000

// newStore wraps a client; nil metrics are counted but not registered.
func newStore(es *elasticsearch.Client, m *Metrics) *store {
	if m == nil {
		m = NewMetrics(nil)
	}
	cache, _ := lru.New[string, storedGroup](DefaultGroupCacheSize)
	return &store{es: es, groups: cache, now: time.Now, metrics: m}
}

type storedGroup struct {
	group.Group
	seqNo, primaryTerm int64
	found              bool
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

func (s *store) bulk(ctx context.Context, index string, body *bytes.Buffer, want int) ([]bulkItemOutcome, error) {
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

func (s *store) getGroups(ctx context.Context, deltas []Delta) (map[string]storedGroup, error) {
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
func (s *store) mgetGroups(ctx context.Context, ids []string, withSource bool, mr any) error {
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

// putGroup writes g over sg (creating it when sg was not found), only if
// nobody wrote it since sg was read, and keeps the cache in step.
func (s *store) putGroup(ctx context.Context, sg storedGroup, g group.Group) (conflict bool, err error) {
	body, err := json.Marshal(g)
	if err != nil {
		return false, fmt.Errorf("encode group: %w", err)
	}
	opts := []func(*esapi.IndexRequest){s.es.Index.WithDocumentID(g.Fingerprint), s.es.Index.WithContext(ctx)}
	if sg.found {
		opts = append(opts, s.es.Index.WithIfSeqNo(int(sg.seqNo)), s.es.Index.WithIfPrimaryTerm(int(sg.primaryTerm)))
	} else {
		opts = append(opts, s.es.Index.WithOpType("create"))
	}
	res, err := s.es.Index(elastic.GroupsIndex, bytes.NewReader(body), opts...)
	if err != nil {
		s.groups.Remove(g.Fingerprint)
		return false, err
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusConflict {
		s.groups.Remove(g.Fingerprint)
		return true, nil
	}
	if res.IsError() {
		s.groups.Remove(g.Fingerprint)
		return false, elastic.Check(res, nil)
	}
	var ir struct {
		SeqNo       int64 `json:"_seq_no"`
		PrimaryTerm int64 `json:"_primary_term"`
	}
	if err := json.NewDecoder(res.Body).Decode(&ir); err != nil {
		// Written, but the cache cannot know its sequence number.
		s.groups.Remove(g.Fingerprint)
		return false, nil
	}
	s.groups.Add(g.Fingerprint, storedGroup{Group: g, seqNo: ir.SeqNo, primaryTerm: ir.PrimaryTerm, found: true})
	return false, nil
}

// modifyGroup reads fp's group, lets change edit it, and writes it back only
// if nobody wrote the group in between, reading it again after a conflict.
// change returns false to write nothing. found is false, and change not
// called, when there is no such group.
func (s *store) modifyGroup(ctx context.Context, fp string, change func(*group.Group) (bool, error)) (found bool, err error) {
	for attempt := 0; attempt < 10; attempt++ {
		stored, err := s.getGroups(ctx, []Delta{{Fingerprint: fp}})
		if err != nil {
			return false, err
		}
		sg, ok := stored[fp]
		if !ok {
			return false, nil
		}
		g := sg.Group
		write, err := change(&g)
		if err != nil || !write {
			return true, err
		}
		conflict, err := s.putGroup(ctx, sg, g)
		if err != nil || !conflict {
			return true, err
		}
	}
	return true, errors.New("still conflicting after 10 attempts")
}

// search runs a search request on an index and decodes its answer.
func (s *store) search(ctx context.Context, index string, req *search.Request, out any) error {
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("encode query: %w", err)
	}
	res, err := s.es.Search(s.es.Search.WithIndex(index), s.es.Search.WithBody(bytes.NewReader(body)),
		s.es.Search.WithContext(ctx))
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.IsError() {
		return elastic.Check(res, nil)
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return nil
}

// searchIDs runs a search request on an index and returns the ids of its
// hits.
func (s *store) searchIDs(ctx context.Context, index string, req *search.Request) ([]string, error) {
	req.Source_ = false
	var sr struct {
		Hits struct {
			Hits []struct {
				ID string `json:"_id"`
			} `json:"hits"`
		} `json:"hits"`
	}
	if err := s.search(ctx, index, req, &sr); err != nil {
		return nil, err
	}
	ids := make([]string, len(sr.Hits.Hits))
	for i, h := range sr.Hits.Hits {
		ids[i] = h.ID
	}
	return ids, nil
}

// term matches the documents whose field holds value.
func term(field, value string) types.Query {
	return types.Query{Term: map[string]types.TermQuery{field: {Value: value}}}
}

// dateRange matches the documents whose date field is within r, its bounds
// given in epochMillis.
func dateRange(field string, r types.DateRangeQuery) types.Query {
	r.Format = new("epoch_millis")
	return types.Query{Range: map[string]types.RangeQuery{field: r}}
}

// epochMillis is a date bound of Unix milliseconds.
func epochMillis(ms int64) *string {
	return new(strconv.FormatInt(ms, 10))
}

// sortBy sorts on one field.
func sortBy(field string, order sortorder.SortOrder) types.SortCombinations {
	return types.SortOptions{SortOptions: map[string]types.FieldSort{field: {Order: &order}}}
}

// totalHits is the exact hit count of a search with track_total_hits.
type totalHits struct {
	Hits struct {
		Total struct {
			Value int64 `json:"value"`
		} `json:"total"`
	} `json:"hits"`
}

func (h totalHits) Total() int64 { return h.Hits.Total.Value }

// millis is a date aggregation's value.
type millis struct {
	Value *float64 `json:"value"`
}

func (m millis) time() *time.Time {
	if m.Value == nil {
		return nil
	}
	t := time.UnixMilli(int64(*m.Value)).UTC()
	return &t
}
