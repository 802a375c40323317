package web

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/faultline/faultline/internal/event"
)

// ChartRanges are the group page's occurrence charts: the span, and the
// bucket width.
var ChartRanges = []ChartRange{{"1h", time.Hour, time.Minute}, {"24h", 24 * time.Hour, 30 * time.Minute}, {"14d", 14 * 24 * time.Hour, 6 * time.Hour}}

// ChartRange is one choice of the occurrences chart.
type ChartRange struct {
	Name       string
	Span, Step time.Duration
}

// Count is a value and how many events had it.
type Count struct {
	Value string
	Count int64
}

// GroupDetail is what the group page shows beside the group document.
type GroupDetail struct {
	Chart      []int64
	ChartStart time.Time
	Range      ChartRange
	// Environments the group's events came from, most events first.
	Environments []Count
	// FirstRelease is the service.version of its earliest event.
	FirstRelease string
	// Events are the latest events, newest first.
	Events []event.Event
	// Labels are the commonest label values of the latest events.
	Labels []Count
}

// detailEvents is how many of the latest events the page reads, for the
// table and the label counts.
const detailEvents = 100

// GroupDetail reads a group's occurrences over rng, its environments,
// first release and latest events: two searches of the events data stream.
func (d *Data) GroupDetail(ctx context.Context, fingerprint string, rng ChartRange, now time.Time) (GroupDetail, error) {
	out := GroupDetail{Range: rng}
	n := int(rng.Span / rng.Step)
	end := now.UTC().Truncate(rng.Step)
	out.ChartStart = end.Add(-time.Duration(n-1) * rng.Step)
	fp := map[string]any{"term": map[string]any{"faultline.fingerprint": fingerprint}}
	body := map[string]any{
		"size":  0,
		"query": map[string]any{"bool": map[string]any{"filter": fp}},
		"aggs": map[string]any{
			"chart": map[string]any{
				"filter": map[string]any{"range": map[string]any{"@timestamp": map[string]any{"gte": out.ChartStart.Format(time.RFC3339)}}},
				"aggs": map[string]any{"h": map[string]any{"date_histogram": map[string]any{
					"field": "@timestamp", "fixed_interval": fmt.Sprintf("%ds", int(rng.Step.Seconds())), "min_doc_count": 0,
					"extended_bounds": map[string]any{"min": out.ChartStart.UnixMilli(), "max": end.UnixMilli()},
				}}},
			},
			"envs": map[string]any{"terms": map[string]any{"field": "service.environment", "size": 10}},
			"first_release": map[string]any{
				"terms": map[string]any{"field": "service.version", "size": 1, "order": map[string]any{"first": "asc"}},
				"aggs":  map[string]any{"first": map[string]any{"min": map[string]any{"field": "@timestamp"}}},
			},
		},
	}
	var agg struct {
		Aggregations struct {
			Chart struct {
				H histogram `json:"h"`
			} `json:"chart"`
			Envs         terms `json:"envs"`
			FirstRelease terms `json:"first_release"`
		} `json:"aggregations"`
	}
	if err := d.search(ctx, d.eventsIndex(), body, &agg); err != nil {
		return out, fmt.Errorf("group %s: occurrences: %w", fingerprint, err)
	}
	out.Chart = agg.Aggregations.Chart.H.counts(out.ChartStart, rng.Step, n)
	out.Environments = agg.Aggregations.Envs.counts()
	if r := agg.Aggregations.FirstRelease.counts(); len(r) > 0 {
		out.FirstRelease = r[0].Value
	}
	var hits struct {
		Hits struct {
			Hits []struct {
				Source json.RawMessage `json:"_source"`
			} `json:"hits"`
		} `json:"hits"`
	}
	body = map[string]any{"size": detailEvents, "query": map[string]any{"bool": map[string]any{"filter": fp}},
		"sort": []any{map[string]any{"@timestamp": "desc"}}}
	if err := d.search(ctx, d.eventsIndex(), body, &hits); err != nil {
		return out, fmt.Errorf("group %s: latest events: %w", fingerprint, err)
	}
	labels := map[string]int64{}
	for _, h := range hits.Hits.Hits {
		var ev event.Event
		if err := event.Unmarshal(h.Source, &ev); err != nil {
			continue
		}
		for k, v := range ev.Labels {
			labels[k+"="+v]++
		}
		out.Events = append(out.Events, ev)
	}
	for v, c := range labels {
		out.Labels = append(out.Labels, Count{v, c})
	}
	slices.SortFunc(out.Labels, func(a, b Count) int {
		if a.Count != b.Count {
			return int(b.Count - a.Count)
		}
		return strings.Compare(a.Value, b.Value)
	})
	out.Labels = out.Labels[:min(len(out.Labels), 10)]
	return out, nil
}

// terms is a terms aggregation's answer.
type terms struct {
	Buckets []struct {
		Key      string `json:"key"`
		DocCount int64  `json:"doc_count"`
	} `json:"buckets"`
}

func (t terms) counts() []Count {
	out := make([]Count, len(t.Buckets))
	for i, b := range t.Buckets {
		out[i] = Count{b.Key, b.DocCount}
	}
	return out
}
