// Package elastic creates the Elasticsearch client and installs faultline's
// index templates, which the processor and the setup command both need.
package elastic

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esapi"

	"github.com/faultline/faultline/schemas"
)

// Names from the external contract.
const (
	EventsDataStream = "logs-faultline-default"
	GroupsIndex      = "faultline-groups"
)

// NewClient builds a client that retries on 429 and 502-504 itself, with backoff.
func NewClient(urls []string) (*elasticsearch.Client, error) {
	c, err := elasticsearch.NewClient(elasticsearch.Config{
		Addresses:     urls,
		RetryOnStatus: []int{502, 503, 504, 429},
		MaxRetries:    3,
		RetryBackoff:  func(attempt int) time.Duration { return time.Duration(attempt) * 200 * time.Millisecond },
		Transport: &http.Transport{
			MaxIdleConnsPerHost:   16,
			ResponseHeaderTimeout: 30 * time.Second,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("elasticsearch client: %w", err)
	}
	return c, nil
}

// Check reports an error unless the response is a 2xx, with the server's own
// reason, and closes the body.
func Check(res *esapi.Response, err error) error {
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.IsError() {
		body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		return fmt.Errorf("%s: %s", res.Status(), bytes.TrimSpace(body))
	}
	_, _ = io.Copy(io.Discard, res.Body)
	return nil
}

// Setup installs the templates and creates the groups index. It is idempotent:
// templates are overwritten with the same content, an existing index is kept.
func Setup(ctx context.Context, es *elasticsearch.Client) error {
	events := schemas.EventsTemplate
	if hasILM(ctx, es) {
		var err error
		if events, err = withILM(ctx, es, events); err != nil {
			return err
		}
	}
	if err := Check(es.Indices.PutIndexTemplate("faultline-events", bytes.NewReader(events), es.Indices.PutIndexTemplate.WithContext(ctx))); err != nil {
		return fmt.Errorf("put template faultline-events: %w", err)
	}
	if err := Check(es.Indices.PutIndexTemplate("faultline-groups", bytes.NewReader(schemas.GroupsTemplate), es.Indices.PutIndexTemplate.WithContext(ctx))); err != nil {
		return fmt.Errorf("put template faultline-groups: %w", err)
	}
	// Best effort for the data stream: backing indices made before the
	// template (events sent before the first setup get Elasticsearch's own
	// logs mapping) may refuse it, and must not keep the processor from
	// starting. The template still shapes the next backing index.
	if err := putMapping(ctx, es, EventsDataStream, schemas.EventsTemplate); err != nil && !errors.Is(err, errMappingRefused) {
		return err
	}
	res, err := es.Indices.Exists([]string{GroupsIndex}, es.Indices.Exists.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("check index %s: %w", GroupsIndex, err)
	}
	res.Body.Close()
	if res.StatusCode == http.StatusOK {
		// The template only shapes new indices: bring the existing one's
		// mapping up to date (adding fields is always allowed).
		return putMapping(ctx, es, GroupsIndex, schemas.GroupsTemplate)
	}
	res, err = es.Indices.Create(GroupsIndex, es.Indices.Create.WithContext(ctx))
	if err == nil && res.StatusCode == http.StatusBadRequest {
		// Another replica created it between our check and our create.
		res.Body.Close()
		return nil
	}
	if err := Check(res, err); err != nil {
		return fmt.Errorf("create index %s: %w", GroupsIndex, err)
	}
	return nil
}

// hasILM tells whether the cluster runs index lifecycle management (X-Pack);
// the data stream lifecycle in the template covers clusters without it.
func hasILM(ctx context.Context, es *elasticsearch.Client) bool {
	res, err := es.ILM.GetStatus(es.ILM.GetStatus.WithContext(ctx))
	if err != nil {
		return false
	}
	defer res.Body.Close()
	return res.StatusCode == http.StatusOK
}

// withILM installs the faultline-events policy and points the template at it.
func withILM(ctx context.Context, es *elasticsearch.Client, template []byte) ([]byte, error) {
	policy := `{"policy":{"phases":{"hot":{"actions":{"rollover":{"max_age":"1d","max_primary_shard_size":"50gb"}}},"delete":{"min_age":"30d","actions":{"delete":{}}}}}}`
	if err := Check(es.ILM.PutLifecycle("faultline-events", es.ILM.PutLifecycle.WithBody(bytes.NewReader([]byte(policy))), es.ILM.PutLifecycle.WithContext(ctx))); err != nil {
		return nil, fmt.Errorf("put ILM policy faultline-events: %w", err)
	}
	var t map[string]any
	if err := json.Unmarshal(template, &t); err != nil {
		return nil, fmt.Errorf("events template: %w", err)
	}
	index := t["template"].(map[string]any)["settings"].(map[string]any)["index"].(map[string]any)
	index["lifecycle"] = map[string]any{"name": "faultline-events", "prefer_ilm": true}
	return json.Marshal(t)
}

// Ping fails unless the cluster answers its health API.
func Ping(ctx context.Context, es *elasticsearch.Client) error {
	if err := Check(es.Cluster.Health(es.Cluster.Health.WithContext(ctx))); err != nil {
		return fmt.Errorf("elasticsearch unreachable: %w", err)
	}
	return nil
}

// putMapping brings an existing index or data stream up to its template's
// mapping: the template only shapes indices created after it, and adding
// fields or raising ignore_above is always allowed. A target that does not
// exist yet is left to the template.
func putMapping(ctx context.Context, es *elasticsearch.Client, target string, template []byte) error {
	var t struct {
		Template struct {
			Mappings json.RawMessage `json:"mappings"`
		} `json:"template"`
	}
	if err := json.Unmarshal(template, &t); err != nil {
		return fmt.Errorf("template of %s: %w", target, err)
	}
	res, err := es.Indices.PutMapping([]string{target}, bytes.NewReader(t.Template.Mappings), es.Indices.PutMapping.WithContext(ctx))
	if err == nil && res.StatusCode == http.StatusNotFound {
		res.Body.Close()
		return nil
	}
	if err == nil && res.StatusCode == http.StatusBadRequest {
		err = fmt.Errorf("%w: %w", errMappingRefused, Check(res, nil))
		return fmt.Errorf("update mapping of %s: %w", target, err)
	}
	if err := Check(res, err); err != nil {
		return fmt.Errorf("update mapping of %s: %w", target, err)
	}
	return nil
}

// UpdateGroupsMapping brings the groups index's mapping up to the template,
// for a writer that meets an index older than itself (restored from a
// snapshot, or not yet updated by a processor of this version).
func UpdateGroupsMapping(ctx context.Context, es *elasticsearch.Client) error {
	return putMapping(ctx, es, GroupsIndex, schemas.GroupsTemplate)
}

// errMappingRefused is a mapping update that conflicts with the existing one.
var errMappingRefused = errors.New("mapping refused")
