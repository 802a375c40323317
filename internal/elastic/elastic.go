package elastic

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esapi"

	"github.com/faultline/faultline/internal/redact"
	"github.com/faultline/faultline/schemas"
)

// Names from the external contract.
const (
	EventsDataStream = "logs-faultline-default"
	GroupsIndex      = "faultline-groups"
)

// Auth is how faultline authenticates to Elasticsearch and which
// certificates it trusts there. Credentials written in a URL
// (https://user:pass@es:9200) still work, but are taken out of the address,
// so the client never echoes them in an error.
type Auth struct {
	// CAFile holds PEM CA certificate(s) to trust instead of the system's.
	CAFile string
	// CAFingerprint is the hex SHA-256 of a certificate in the server's
	// chain (Elasticsearch prints its CA's at first start); colons allowed.
	CAFingerprint string
	// APIKey is the base64 "id:key" Elasticsearch hands out; it wins over
	// basic auth.
	APIKey             string
	Username, Password string
}

// Option configures NewClient.
type Option func(*elasticsearch.Config) error

// WithAuth makes the client authenticate and trust as a says.
func WithAuth(a Auth) Option {
	return func(c *elasticsearch.Config) error {
		if a.CAFile != "" && a.CAFingerprint != "" {
			return errors.New("elasticsearch: give a CA file or a CA fingerprint, not both")
		}
		if a.CAFile != "" {
			pem, err := os.ReadFile(a.CAFile)
			if err != nil {
				return fmt.Errorf("elasticsearch CA file: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return fmt.Errorf("elasticsearch CA file %s: no PEM certificate in it", a.CAFile)
			}
			c.Transport.(*http.Transport).TLSClientConfig.RootCAs = pool
		}
		if a.CAFingerprint != "" {
			fp := strings.ToLower(strings.ReplaceAll(a.CAFingerprint, ":", ""))
			if b, err := hex.DecodeString(fp); err != nil || len(b) != sha256.Size {
				return errors.New("elasticsearch CA fingerprint: want the 64 hex digits of a SHA-256 (colons allowed)")
			}
			c.CertificateFingerprint = fp
		}
		c.APIKey = a.APIKey
		if a.Username != "" || a.Password != "" {
			c.Username, c.Password = a.Username, a.Password
		}
		return nil
	}
}

// NewClient builds a client that retries on 429 and 502-504 itself, with
// backoff, and speaks TLS 1.2 or later.
func NewClient(urls []string, opts ...Option) (*elasticsearch.Client, error) {
	cfg := elasticsearch.Config{
		RetryOnStatus: []int{502, 503, 504, 429},
		MaxRetries:    3,
		RetryBackoff:  func(attempt int) time.Duration { return time.Duration(attempt) * 200 * time.Millisecond },
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			MaxIdleConnsPerHost:   16,
			ResponseHeaderTimeout: 30 * time.Second,
			TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		},
	}
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("elasticsearch url %s: %w", redact.URL(raw), redact.Error(errors.Unwrap(err)))
		}
		if u.User != nil {
			// The client would send URL credentials anyway; taken out here
			// they cannot reach an error message, and a flag still wins.
			cfg.Username = u.User.Username()
			cfg.Password, _ = u.User.Password()
			u.User = nil
		}
		cfg.Addresses = append(cfg.Addresses, u.String())
	}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	c, err := elasticsearch.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("elasticsearch client: %w", redact.Error(err))
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
	if err := UpgradeDataStream(ctx, es, EventsDataStream, schemas.EventsTemplate); err != nil {
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
		return putMapping(ctx, es, GroupsIndex, schemas.GroupsTemplate, false)
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
func putMapping(ctx context.Context, es *elasticsearch.Client, target string, template []byte, writeIndexOnly bool) error {
	var t struct {
		Template struct {
			Mappings json.RawMessage `json:"mappings"`
		} `json:"template"`
	}
	if err := json.Unmarshal(template, &t); err != nil {
		return fmt.Errorf("template of %s: %w", target, err)
	}
	res, err := es.Indices.PutMapping([]string{target}, bytes.NewReader(t.Template.Mappings), es.Indices.PutMapping.WithContext(ctx),
		es.Indices.PutMapping.WithWriteIndexOnly(writeIndexOnly))
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

// UpgradeDataStream brings a data stream's write index up to its template.
// Only the write index takes new documents, so older backing indices keep
// their mapping. A write index whose mapping conflicts with the template
// (labels mapped as an object before they became flattened, or an index
// made by Elasticsearch's own logs template before faultline's was
// installed) cannot change in place: the data stream is rolled over, and
// the new write index is made from the template. Nothing stored is touched.
func UpgradeDataStream(ctx context.Context, es *elasticsearch.Client, dataStream string, template []byte) error {
	err := putMapping(ctx, es, dataStream, template, true)
	if !errors.Is(err, errMappingRefused) {
		return err
	}
	if err := Check(es.Indices.Rollover(dataStream, es.Indices.Rollover.WithContext(ctx))); err != nil {
		return fmt.Errorf("roll over %s onto the template's mapping: %w", dataStream, err)
	}
	return putMapping(ctx, es, dataStream, template, true)
}

// UpdateGroupsMapping brings the groups index's mapping up to the template,
// for a writer that meets an index older than itself (restored from a
// snapshot, or not yet updated by a processor of this version).
func UpdateGroupsMapping(ctx context.Context, es *elasticsearch.Client) error {
	return putMapping(ctx, es, GroupsIndex, schemas.GroupsTemplate, false)
}
