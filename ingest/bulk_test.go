package ingest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/faultline/faultline/internal/config"
)

func TestElasticsearchHandshake(t *testing.T) {
	h := newHarness(t, Config{})
	for _, tc := range []struct{ method, path string }{{"GET", "/"}, {"HEAD", "/"}, {"GET", "/_license"}, {"PUT", "/_index_template/logs"}, {"GET", "/_ilm/policy/logs"}} {
		req, _ := http.NewRequest(tc.method, h.http.URL+tc.path, strings.NewReader("{}"))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || res.Header.Get("X-Elastic-Product") != "Elasticsearch" {
			t.Errorf("%s %s: %d, X-Elastic-Product %q", tc.method, tc.path, res.StatusCode, res.Header.Get("X-Elastic-Product"))
		}
		if tc.method == "GET" && tc.path == "/" && (!strings.Contains(string(body), `"tagline"`) || !strings.Contains(string(body), `"number":"8.`)) {
			t.Errorf("GET / = %s", body)
		}
	}
}

func TestBulkAnswersItemByItem(t *testing.T) {
	sum := sha256.Sum256([]byte("k3y"))
	h := newHarness(t, Config{Keys: []config.APIKey{{Service: "orders", Hash: "sha256:" + hex.EncodeToString(sum[:])}}})
	body := strings.Join([]string{
		`{"create":{"_id":"evt-1"}}`,
		`{"@timestamp":"2026-11-25T01:00:00.000Z","message":"boom","logger_name":"com.acme.A","thread_name":"main","level":"ERROR","level_value":40000}`,
		`{"index":{"_index":"other"}}`,
		`{"no_message_here":true}`,
		`{"delete":{"_id":"x"}}`,
		`{"index":{}}`,
		`{"log.level":"WARN","message":"slow","ecs.version":"8.11"}`,
	}, "\n") + "\n"
	req, _ := http.NewRequest(http.MethodPost, h.http.URL+"/logs-app/_bulk", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Authorization", "ApiKey "+base64.StdEncoding.EncodeToString([]byte("id1:k3y")))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Errors bool                        `json:"errors"`
		Items  []map[string]map[string]any `json:"items"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || res.Header.Get("X-Elastic-Product") != "Elasticsearch" || !out.Errors || len(out.Items) != 4 {
		t.Fatalf("status %d, answer %+v", res.StatusCode, out)
	}
	want := []struct {
		op     string
		status float64
		index  string
	}{{"create", 201, "logs-app"}, {"index", 400, "other"}, {"delete", 400, "logs-app"}, {"index", 201, "logs-app"}}
	for i, w := range want {
		it := out.Items[i][w.op]
		if it == nil || it["status"] != w.status || it["_index"] != w.index {
			t.Errorf("item %d = %v, want %s %v in %q", i, out.Items[i], w.op, w.status, w.index)
		}
	}
	if out.Items[0]["create"]["_id"] != "evt-1" {
		t.Errorf("the action's _id must be the event id: %v", out.Items[0])
	}
	if reason, _ := out.Items[1]["index"]["error"].(map[string]any)["reason"].(string); !strings.Contains(reason, "line 4") {
		t.Errorf("bad document's reason must name its line: %q", reason)
	}
	evs := h.stored(t)
	if len(evs) != 2 || evs[0].Event.ID != "evt-1" || evs[0].Service.Name != "orders" || evs[1].Log.Level != "WARN" {
		t.Errorf("stored = %+v", evs)
	}

	// Without credentials the bulk route answers like Elasticsearch would.
	res2, err := http.Post(h.http.URL+"/_bulk", "application/x-ndjson", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res2.Body.Close()
	if res2.StatusCode != http.StatusUnauthorized {
		t.Errorf("no credentials: %d", res2.StatusCode)
	}
}
