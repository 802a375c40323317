package elastic

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/testenv"
	"github.com/faultline/faultline/schemas"
)

// Bringing a mapping up to the template: an index that does not exist is
// left to the template, a compatible one is updated, and a conflicting one
// (an index made before the template, with another mapping) is reported as
// refused, which Setup tolerates for the events data stream.
func TestPutMapping(t *testing.T) {
	es, err := NewClient([]string{testenv.ElasticsearchURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	name := fmt.Sprintf("faultline-test-mapping-%d", time.Now().UnixNano())
	if err := putMapping(ctx, es, name, schemas.EventsTemplate, false); err != nil {
		t.Fatalf("missing index: %v", err)
	}
	if err := Check(es.Indices.Create(name, es.Indices.Create.WithBody(strings.NewReader(`{"mappings":{"properties":{"error":{"properties":{"type":{"type":"keyword"}}}}}}`)))); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = Check(es.Indices.Delete([]string{name})) })
	if err := putMapping(ctx, es, name, schemas.EventsTemplate, false); err != nil {
		t.Fatalf("compatible index: %v", err)
	}
	res, err := es.Indices.GetFieldMapping([]string{"error.type"}, es.Indices.GetFieldMapping.WithIndex(name))
	if err != nil {
		t.Fatal(err)
	}
	var body strings.Builder
	_, _ = fmt.Fprint(&body, res)
	if !strings.Contains(body.String(), `"ignore_above":1024`) {
		t.Errorf("error.type after the update: %s", body.String())
	}
	conflict := name + "-conflict"
	if err := Check(es.Indices.Create(conflict, es.Indices.Create.WithBody(strings.NewReader(`{"mappings":{"properties":{"error":{"type":"keyword"}}}}`)))); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = Check(es.Indices.Delete([]string{conflict})) })
	if err := putMapping(ctx, es, conflict, schemas.EventsTemplate, false); !errors.Is(err, errMappingRefused) {
		t.Errorf("conflicting index: %v, want a refused mapping", err)
	}
}
