package processor

import (
	"encoding/json"
	"reflect"
	"strconv"
	"testing"
	"time"
)

// The recount queries are typed (go-elasticsearch's typedapi). Each must ask
// Elasticsearch what the hand-built body it replaced asked: the table holds
// those bodies, and both sides are compared once the spellings
// Elasticsearch reads alike are made one (aggs and aggregations, a term's
// short form, a date bound as a number or a string).
func TestRecountQueriesAskWhatTheirMapsDid(t *testing.T) {
	rangeMillis := func(field string, bounds map[string]any) map[string]any {
		bounds["format"] = "epoch_millis"
		return map[string]any{"range": map[string]any{field: bounds}}
	}
	fpTerm := map[string]any{"term": map[string]any{"faultline.fingerprint": "fp1"}}
	since := int64(100)
	now := time.UnixMilli(1_234_567)
	awaited := map[string]any{"exists": map[string]any{"field": "tally.await"}}
	due := rangeMillis("tally.due", map[string]any{"lte": now.UnixMilli()})
	for _, c := range []struct {
		name      string
		typed, by any
	}{
		{"stored since", storedQuery("fp1", &since, 200), map[string]any{"bool": map[string]any{"filter": []any{fpTerm,
			rangeMillis("faultline.stored_at", map[string]any{"gte": 100_000, "lt": 200_000})}}}},
		{"stored, also without stored_at", storedQuery("fp1", nil, 200), map[string]any{"bool": map[string]any{"filter": []any{fpTerm},
			"must_not": []any{rangeMillis("faultline.stored_at", map[string]any{"gte": 200_000})}}}},
		{"count with a window", countStoredRequest("fp1", 100, 150, 200), map[string]any{"size": 0, "track_total_hits": true,
			"query": map[string]any{"bool": map[string]any{"filter": []any{fpTerm, rangeMillis("faultline.stored_at", map[string]any{"gte": 100_000, "lt": 200_000})}}},
			"aggs":  map[string]any{"window": map[string]any{"filter": rangeMillis("faultline.stored_at", map[string]any{"gte": 150_000})}}}},
		{"count from the beginning", countStoredRequest("fp1", 0, 200, 200), map[string]any{"size": 0, "track_total_hits": true,
			"query": map[string]any{"bool": map[string]any{"filter": []any{fpTerm}, "must_not": []any{rangeMillis("faultline.stored_at", map[string]any{"gte": 200_000})}}}}},
		{"due and awaited", dueRequest(now, 10, true), map[string]any{"size": 10, "sort": []any{map[string]any{"tally.due": map[string]any{"order": "asc"}}},
			"query": map[string]any{"bool": map[string]any{"filter": []any{due, awaited}}}}},
		{"due, not awaited", dueRequest(now, 10, false), map[string]any{"size": 10, "sort": []any{map[string]any{"tally.due": map[string]any{"order": "asc"}}},
			"query": map[string]any{"bool": map[string]any{"filter": []any{due}, "must_not": []any{awaited}}}}},
		{"stored at", storedAtRequest([]string{"a", "b"}), map[string]any{"size": 0, "query": map[string]any{"ids": map[string]any{"values": []string{"a", "b"}}},
			"aggs": map[string]any{"fp": map[string]any{
				"terms": map[string]any{"field": "faultline.fingerprint", "size": 2},
				"aggs":  map[string]any{"newest": map[string]any{"max": map[string]any{"field": "faultline.stored_at"}}}}}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			typed, by := canonicalJSON(t, c.typed), canonicalJSON(t, c.by)
			if !reflect.DeepEqual(typed, by) {
				t.Errorf("typed body\n%v\nasks otherwise than the map\n%v", typed, by)
			}
		})
	}
}

// canonicalJSON is v as JSON, decoded, with the spellings Elasticsearch
// reads alike made one.
func canonicalJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	var canon func(v any) any
	canon = func(v any) any {
		switch v := v.(type) {
		case []any:
			for i := range v {
				v[i] = canon(v[i])
			}
		case map[string]any:
			out := make(map[string]any, len(v))
			for k, x := range v {
				switch k {
				case "aggs":
					k = "aggregations"
				case "term":
					for field, value := range x.(map[string]any) {
						if _, long := value.(map[string]any); !long {
							x = map[string]any{field: map[string]any{"value": value}}
						}
					}
				case "gte", "gt", "lte", "lt":
					if n, ok := x.(float64); ok {
						x = strconv.FormatFloat(n, 'f', -1, 64)
					}
				}
				out[k] = canon(x)
			}
			return out
		}
		return v
	}
	return canon(out)
}
