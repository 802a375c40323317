package web

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/internal/group"
)

// Statuses the list filters by. The groups index stores open, muted and
// resolved; the page splits open three ways: regressed (it was resolved
// once and came back), new (first seen in the last NewFor and never
// resolved) and ongoing (the rest).
var Statuses = []string{"new", "regressed", "ongoing", "muted", "resolved"}

// NewFor is how long a group counts as new.
const NewFor = 24 * time.Hour

// Sorts the list offers; trend is the most events in the last hour.
var Sorts = []string{"last_seen", "first_seen", "count", "trend"}

// Ranges the list and the group page offer, by their names.
var Ranges = map[string]time.Duration{"1h": time.Hour, "24h": 24 * time.Hour, "7d": 7 * 24 * time.Hour, "14d": 14 * 24 * time.Hour, "30d": 30 * 24 * time.Hour}

// ListQuery is what the groups list shows.
type ListQuery struct {
	Service, Environment, Status, Level string
	// Since keeps groups seen in this last while; 0 is all.
	Since time.Duration
	// Text matches group titles, and event messages through the events
	// data stream.
	Text string
	Sort string
	// After is the cursor of the page before (ListPage.Next).
	After string
	Size  int
	// Scope is the key's service globs.
	Scope []string
}

// ListPage is one page of groups.
type ListPage struct {
	Groups []group.Group
	// Next is the cursor of the next page, empty on the last.
	Next string
	// Total counts the matching groups, up to 10 000 (TotalCapped beyond).
	Total       int64
	TotalCapped bool
}

// maxTrend bounds the groups the trend sort ranks: the busiest of the last
// hour, which is what an on-call engineer looks for there.
const maxTrend = 1000

// maxTextGroups bounds the groups an event-message search adds.
const maxTextGroups = 1000

// StatusOf says which of Statuses a group is in at now.
func StatusOf(g group.Group, now time.Time) string {
	switch g.Status {
	case group.StatusMuted:
		return "muted"
	case group.StatusResolved:
		return "resolved"
	}
	for _, c := range g.StatusChanges {
		if c.Action == "resolve" {
			return "regressed"
		}
	}
	if now.Sub(g.FirstSeen) < NewFor {
		return "new"
	}
	return "ongoing"
}

// ListGroups returns one page of the groups q selects. Pages follow each
// other with search_after on the sort field and the fingerprint, so the
// hundredth page costs what the first does.
func (d *Data) ListGroups(ctx context.Context, q ListQuery, now time.Time) (ListPage, error) {
	if q.Size < 1 || q.Size > 200 {
		q.Size = 50
	}
	filter, ok, err := d.listFilter(ctx, q, now)
	if err != nil || !ok {
		return ListPage{}, err
	}
	if q.Sort == "trend" {
		return d.listTrend(ctx, q, filter, now)
	}
	field := q.Sort
	if !slices.Contains(Sorts, field) {
		field = "last_seen"
	}
	body := groupsQuery(filter, q.Size+1)
	body["track_total_hits"] = 10000
	body["sort"] = []any{map[string]any{field: "desc"}, map[string]any{"fingerprint": "asc"}}
	if q.After != "" {
		after, err := decodeCursor(q.After)
		if err != nil {
			return ListPage{}, err
		}
		body["search_after"] = after
	}
	var sr groupHits
	if err := d.search(ctx, d.groupsIndex(), body, &sr); err != nil {
		return ListPage{}, fmt.Errorf("list groups: %w", err)
	}
	page := sr.Hits.Total.page()
	hits := sr.Hits.Hits
	if len(hits) > q.Size {
		hits = hits[:q.Size]
		page.Next = encodeCursor(hits[len(hits)-1].Sort)
	}
	for _, h := range hits {
		page.Groups = append(page.Groups, h.Source)
	}
	return page, nil
}

// listTrend is the list sorted by trend. The filter is ranked by the hour's
// counts in Go over fingerprints alone (at most maxTrend, so the cursor is
// a cheap offset), and only the page's rows are read whole: reading every
// ranked group's document would be most of the page's time.
func (d *Data) listTrend(ctx context.Context, q ListQuery, filter []any, now time.Time) (ListPage, error) {
	offset := 0
	if q.After != "" {
		var err error
		if offset, err = strconv.Atoi(strings.TrimPrefix(q.After, "t")); err != nil || offset < 0 {
			return ListPage{}, badInput("after: not a cursor of this list")
		}
	}
	trend, err := d.busiest(ctx, q, now)
	if err != nil || len(trend) == 0 {
		return ListPage{}, err
	}
	body := map[string]any{
		"size":             maxTrend,
		"query":            map[string]any{"bool": map[string]any{"filter": withFingerprints(filter, trend)}},
		"track_total_hits": 10000,
		// Doc values alone: _none_ skips loading even each hit's _id,
		// which is most of what is left of a thousand hits' fetch.
		"stored_fields":   "_none_",
		"docvalue_fields": []string{"fingerprint"},
	}
	var sr struct {
		Hits struct {
			Total hitsTotal `json:"total"`
			Hits  []struct {
				Fields struct {
					Fingerprint []string `json:"fingerprint"`
				} `json:"fields"`
			} `json:"hits"`
		} `json:"hits"`
	}
	if err := d.search(ctx, d.groupsIndex(), body, &sr); err != nil {
		return ListPage{}, fmt.Errorf("list groups by trend: %w", err)
	}
	page := sr.Hits.Total.page()
	matched := make(map[string]bool, len(sr.Hits.Hits))
	for _, h := range sr.Hits.Hits {
		if len(h.Fields.Fingerprint) == 1 {
			matched[h.Fields.Fingerprint[0]] = true
		}
	}
	var ranked []string
	for _, fp := range trend {
		if matched[fp] {
			ranked = append(ranked, fp)
		}
	}
	ranked = ranked[min(offset, len(ranked)):]
	if len(ranked) > q.Size {
		page.Next = "t" + strconv.Itoa(offset+q.Size)
		ranked = ranked[:q.Size]
	}
	if len(ranked) == 0 {
		return page, nil
	}
	rows := groupsQuery(withFingerprints(filter, ranked), len(ranked))
	var docs groupHits
	if err := d.search(ctx, d.groupsIndex(), rows, &docs); err != nil {
		return ListPage{}, fmt.Errorf("list groups by trend: %w", err)
	}
	byFP := make(map[string]group.Group, len(docs.Hits.Hits))
	for _, h := range docs.Hits.Hits {
		byFP[h.Source.Fingerprint] = h.Source
	}
	for _, fp := range ranked {
		if g, ok := byFP[fp]; ok {
			page.Groups = append(page.Groups, g)
		}
	}
	return page, nil
}

// withFingerprints is filter, in a new slice, narrowed to fps.
func withFingerprints(filter []any, fps []string) []any {
	return append(slices.Clip(filter), map[string]any{"terms": map[string]any{"fingerprint": fps}})
}

// groupsQuery reads size groups' documents under filter, without what the
// list never shows.
func groupsQuery(filter []any, size int) map[string]any {
	return map[string]any{
		"size":    size,
		"query":   map[string]any{"bool": map[string]any{"filter": filter}},
		"_source": map[string]any{"excludes": []string{"tally", "sample.stack_trace"}},
	}
}

// groupHits is a search of the groups index's answer.
type groupHits struct {
	Hits struct {
		Total hitsTotal `json:"total"`
		Hits  []struct {
			Source group.Group `json:"_source"`
			Sort   []any       `json:"sort"`
		} `json:"hits"`
	} `json:"hits"`
}

// hitsTotal is a search's count of matches.
type hitsTotal struct {
	Value    int64  `json:"value"`
	Relation string `json:"relation"`
}

// page is an empty page with t as its total.
func (t hitsTotal) page() ListPage {
	return ListPage{Total: t.Value, TotalCapped: t.Relation == "gte"}
}

// listFilter is the groups query's filter; ok is false when nothing can
// match (a scope of no service, a text found nowhere).
func (d *Data) listFilter(ctx context.Context, q ListQuery, now time.Time) (filter []any, ok bool, err error) {
	term := func(field, v string) {
		if v != "" {
			filter = append(filter, map[string]any{"term": map[string]any{field: v}})
		}
	}
	term("service.name", q.Service)
	term("service.environment", q.Environment)
	term("log.level", q.Level)
	if sc, ok := scopeFilter(q.Scope); !ok {
		return nil, false, nil
	} else if sc != nil {
		filter = append(filter, sc)
	}
	if q.Since > 0 {
		filter = append(filter, map[string]any{"range": map[string]any{"last_seen": map[string]any{"gte": now.Add(-q.Since).UTC().Format(time.RFC3339Nano)}}})
	}
	wasResolved := map[string]any{"term": map[string]any{"status_changes.action": "resolve"}}
	recent := map[string]any{"range": map[string]any{"first_seen": map[string]any{"gte": now.Add(-NewFor).UTC().Format(time.RFC3339Nano)}}}
	switch q.Status {
	case "":
	case "muted", "resolved":
		term("status", q.Status)
	case "regressed":
		term("status", group.StatusOpen)
		filter = append(filter, wasResolved)
	case "new":
		term("status", group.StatusOpen)
		filter = append(filter, recent, map[string]any{"bool": map[string]any{"must_not": wasResolved}})
	case "ongoing":
		term("status", group.StatusOpen)
		filter = append(filter, map[string]any{"bool": map[string]any{"must_not": []any{wasResolved, recent}}})
	default:
		return nil, false, badInput(fmt.Sprintf("status %q: want one of %s", q.Status, strings.Join(Statuses, ", ")))
	}
	if text := strings.TrimSpace(q.Text); text != "" {
		fps, err := d.messageMatches(ctx, q, text, now)
		if err != nil {
			return nil, false, err
		}
		should := []any{map[string]any{"match": map[string]any{"title": map[string]any{"query": text, "operator": "and"}}}}
		if len(fps) > 0 {
			should = append(should, map[string]any{"terms": map[string]any{"fingerprint": fps}})
		}
		filter = append(filter, map[string]any{"bool": map[string]any{"should": should, "minimum_should_match": 1}})
	}
	return filter, true, nil
}

// eventFilter is the part of q that applies to events as well.
func eventFilter(q ListQuery, since time.Time) []any {
	filter := []any{map[string]any{"range": map[string]any{"@timestamp": map[string]any{"gte": since.UTC().Format(time.RFC3339Nano)}}}}
	for field, v := range map[string]string{"service.name": q.Service, "service.environment": q.Environment, "log.level": q.Level} {
		if v != "" {
			filter = append(filter, map[string]any{"term": map[string]any{field: v}})
		}
	}
	if sc, ok := scopeFilter(q.Scope); ok && sc != nil {
		filter = append(filter, sc)
	}
	return filter
}

// messageMatches returns the fingerprints of the groups with an event whose
// message (or exception message) has every word of text, in the list's
// time range (the last 14 days without one: the data stream's retention
// is 30).
func (d *Data) messageMatches(ctx context.Context, q ListQuery, text string, now time.Time) ([]string, error) {
	since := now.Add(-14 * 24 * time.Hour)
	if q.Since > 0 {
		since = now.Add(-q.Since)
	}
	body := map[string]any{
		"size": 0,
		"query": map[string]any{"bool": map[string]any{
			"filter": eventFilter(q, since),
			"must":   map[string]any{"multi_match": map[string]any{"query": text, "fields": []string{"message", "error.message"}, "operator": "and"}},
		}},
		"aggs": map[string]any{"fp": map[string]any{"terms": map[string]any{"field": "faultline.fingerprint", "size": maxTextGroups}}},
	}
	return d.fingerprintBuckets(ctx, body)
}

// busiest returns the fingerprints with the most events in the last hour,
// most first.
func (d *Data) busiest(ctx context.Context, q ListQuery, now time.Time) ([]string, error) {
	body := map[string]any{
		"size":  0,
		"query": map[string]any{"bool": map[string]any{"filter": eventFilter(q, now.Add(-time.Hour))}},
		"aggs":  map[string]any{"fp": map[string]any{"terms": map[string]any{"field": "faultline.fingerprint", "size": maxTrend}}},
	}
	return d.fingerprintBuckets(ctx, body)
}

func (d *Data) fingerprintBuckets(ctx context.Context, body map[string]any) ([]string, error) {
	var sr struct {
		Aggregations struct {
			FP struct {
				Buckets []struct {
					Key string `json:"key"`
				} `json:"buckets"`
			} `json:"fp"`
		} `json:"aggregations"`
	}
	if err := d.search(ctx, d.eventsIndex(), body, &sr); err != nil {
		return nil, fmt.Errorf("search events: %w", err)
	}
	out := make([]string, len(sr.Aggregations.FP.Buckets))
	for i, b := range sr.Aggregations.FP.Buckets {
		out[i] = b.Key
	}
	return out, nil
}

// Sparklines counts each fingerprint's events per hour over the 24 hours
// up to now, oldest first: one aggregation for a whole page.
func (d *Data) Sparklines(ctx context.Context, fps []string, now time.Time) (map[string][]int64, error) {
	out := map[string][]int64{}
	if len(fps) == 0 {
		return out, nil
	}
	end := now.UTC().Truncate(time.Hour)
	start := end.Add(-23 * time.Hour)
	body := map[string]any{
		"size": 0,
		"query": map[string]any{"bool": map[string]any{"filter": []any{
			map[string]any{"terms": map[string]any{"faultline.fingerprint": fps}},
			map[string]any{"range": map[string]any{"@timestamp": map[string]any{"gte": start.Format(time.RFC3339)}}},
		}}},
		"aggs": map[string]any{"fp": map[string]any{
			"terms": map[string]any{"field": "faultline.fingerprint", "size": len(fps)},
			"aggs": map[string]any{"h": map[string]any{"date_histogram": map[string]any{
				"field": "@timestamp", "fixed_interval": "1h", "min_doc_count": 0,
				"extended_bounds": map[string]any{"min": start.UnixMilli(), "max": end.UnixMilli()},
			}}},
		}},
	}
	var sr struct {
		Aggregations struct {
			FP struct {
				Buckets []struct {
					Key string    `json:"key"`
					H   histogram `json:"h"`
				} `json:"buckets"`
			} `json:"fp"`
		} `json:"aggregations"`
	}
	if err := d.search(ctx, d.eventsIndex(), body, &sr); err != nil {
		return nil, fmt.Errorf("sparklines: %w", err)
	}
	for _, b := range sr.Aggregations.FP.Buckets {
		out[b.Key] = b.H.counts(start, time.Hour, 24)
	}
	return out, nil
}

// histogram is a date_histogram's answer.
type histogram struct {
	Buckets []struct {
		Key      int64 `json:"key"`
		DocCount int64 `json:"doc_count"`
	} `json:"buckets"`
}

// counts places the buckets in n slots of step from start; a bucket
// outside them (an event from the future) is left out.
func (h histogram) counts(start time.Time, step time.Duration, n int) []int64 {
	out := make([]int64, n)
	for _, b := range h.Buckets {
		i := int(time.UnixMilli(b.Key).Sub(start) / step)
		if i >= 0 && i < n {
			out[i] += b.DocCount
		}
	}
	return out
}

func encodeCursor(sort []any) string {
	b, _ := json.Marshal(sort)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) ([]any, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	var v []any
	if err != nil || json.Unmarshal(b, &v) != nil || len(v) != 2 {
		return nil, badInput("after: not a cursor of this list")
	}
	return v, nil
}
