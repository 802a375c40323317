package elastic

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/elastic/go-elasticsearch/v8"

	"github.com/faultline/faultline/internal/testenv"
	"github.com/faultline/faultline/schemas"
)

// testTemplate is the events template made to apply to pattern alone, with
// labels mapped as they were before they became flattened when old is set.
func testTemplate(t *testing.T, pattern string, old bool) []byte {
	t.Helper()
	var tpl map[string]any
	if err := json.Unmarshal(schemas.EventsTemplate, &tpl); err != nil {
		t.Fatal(err)
	}
	tpl["index_patterns"] = []string{pattern}
	tpl["priority"] = 400
	// A low field limit, so a few hundred label keys show what 2 000 do
	// under the real one, without the node mapping 2 000 fields one by one.
	tpl["template"].(map[string]any)["settings"].(map[string]any)["index"].(map[string]any)["mapping"] = map[string]any{"total_fields": map[string]any{"limit": 100}}
	mappings := tpl["template"].(map[string]any)["mappings"].(map[string]any)
	if old {
		mappings["dynamic_templates"] = []any{map[string]any{"labels": map[string]any{"path_match": "labels.*", "mapping": map[string]any{"type": "keyword", "ignore_above": 1024}}}}
		mappings["properties"].(map[string]any)["labels"] = map[string]any{"type": "object"}
	}
	b, err := json.Marshal(tpl)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// labelDocs is a bulk body of n events, each with a label key of its own.
func labelDocs(prefix string, n int) *bytes.Buffer {
	var b bytes.Buffer
	now := time.Now().UTC().Format(time.RFC3339Nano)
	for i := range n {
		fmt.Fprintf(&b, "{\"create\":{}}\n{\"@timestamp\":%q,\"message\":\"m\",\"labels\":{\"%s_%d\":\"v\"}}\n", now, prefix, i)
	}
	return &b
}

// bulkErrors sends a bulk body and counts the items refused.
func bulkErrors(t *testing.T, es *elasticsearch.Client, target string, body *bytes.Buffer) int {
	t.Helper()
	res, err := es.Bulk(body, es.Bulk.WithIndex(target), es.Bulk.WithRefresh("true"), es.Bulk.WithFilterPath("items.*.status"))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var br struct {
		Items []map[string]struct {
			Status int `json:"status"`
		} `json:"items"`
	}
	if err := json.NewDecoder(res.Body).Decode(&br); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, it := range br.Items {
		for _, o := range it {
			if o.Status != 201 {
				n++
			}
		}
	}
	return n
}

// backing lists a data stream's backing indices, the write index last, with
// the type of labels in each.
func backing(t *testing.T, es *elasticsearch.Client, ds string) (names []string, labels map[string]string) {
	t.Helper()
	res, err := es.Indices.GetMapping(es.Indices.GetMapping.WithIndex(ds))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]struct {
		Mappings struct {
			Properties map[string]struct {
				Type       string         `json:"type"`
				Properties map[string]any `json:"properties"`
			} `json:"properties"`
		} `json:"mappings"`
	}
	if err := json.NewDecoder(res.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	labels = map[string]string{}
	gen := map[string]int{}
	for name, idx := range m {
		typ := idx.Mappings.Properties["labels"].Type
		if typ == "" {
			typ = "object"
		}
		labels[name] = typ
		g, _ := strconv.Atoi(name[strings.LastIndexByte(name, '-')+1:])
		gen[name] = g
		names = append(names, name)
	}
	for i := range names {
		for j := i + 1; j < len(names); j++ {
			if gen[names[j]] < gen[names[i]] {
				names[i], names[j] = names[j], names[i]
			}
		}
	}
	return names, labels
}

// An install whose events data stream maps labels as an object (before
// they became flattened) cannot change in place: the upgrade rolls it over
// so the write index takes the new mapping, keeps what was stored, and
// then thousands of label keys are stored without adding fields. A second
// upgrade changes nothing.
func TestUpgradeRollsOverOntoFlattenedLabels(t *testing.T) {
	es, err := NewClient([]string{testenv.ElasticsearchURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const tplName, pattern = "faultline-test-upgrade", "logs-faultline-testupgrade*"
	ds := fmt.Sprintf("logs-faultline-testupgrade%d-default", time.Now().UnixNano())
	if err := Check(es.Indices.PutIndexTemplate(tplName, bytes.NewReader(testTemplate(t, pattern, true)))); err != nil {
		t.Fatal(err)
	}
	// Label keys under the old mapping exceed the field limit: what an
	// install without this change meets.
	if n := bulkErrors(t, es, ds, labelDocs("old", 200)); n == 0 {
		t.Fatal("200 label keys under the object mapping all stored within a 100 field limit: this test proves nothing")
	}
	names, labels := backing(t, es, ds)
	if len(names) != 1 || labels[names[0]] != "object" {
		t.Fatalf("before the upgrade: %v %v", names, labels)
	}
	var stored struct {
		Count int `json:"count"`
	}
	count := func() int {
		res, err := es.Count(es.Count.WithIndex(ds))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		_ = json.NewDecoder(res.Body).Decode(&stored)
		return stored.Count
	}
	kept := count()

	newTpl := testTemplate(t, pattern, false)
	if err := Check(es.Indices.PutIndexTemplate(tplName, bytes.NewReader(newTpl))); err != nil {
		t.Fatal(err)
	}
	if err := UpgradeDataStream(ctx, es, ds, newTpl); err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	names, labels = backing(t, es, ds)
	if len(names) != 2 || labels[names[1]] != "flattened" || labels[names[0]] != "object" {
		t.Fatalf("after the upgrade: backing %v, labels %v; want a new write index with flattened labels", names, labels)
	}
	if n := count(); n != kept {
		t.Errorf("%d events after the upgrade, %d before", n, kept)
	}
	if n := bulkErrors(t, es, ds, labelDocs("new", 2000)); n != 0 {
		t.Errorf("%d of 2 000 events with their own label key refused after the upgrade (field limit 100)", n)
	}
	if err := UpgradeDataStream(ctx, es, ds, newTpl); err != nil {
		t.Fatal(err)
	}
	if again, _ := backing(t, es, ds); len(again) != 2 {
		t.Errorf("a second upgrade rolled over again: %v", again)
	}
}
