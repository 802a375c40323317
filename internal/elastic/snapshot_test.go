package elastic

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/elastic/go-elasticsearch/v8"

	"github.com/faultline/faultline/internal/testenv"
)

// snapshotLocation is a directory under the node's path.repo (the local
// node's start.sh sets one), or FAULTLINE_TEST_SNAPSHOT_LOCATION.
func snapshotLocation(t *testing.T, es *elasticsearch.Client) string {
	if loc := os.Getenv("FAULTLINE_TEST_SNAPSHOT_LOCATION"); loc != "" {
		return loc
	}
	res, err := es.Nodes.Info(es.Nodes.Info.WithMetric("settings"), es.Nodes.Info.WithFilterPath("nodes.*.settings.path.repo"))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var info struct {
		Nodes map[string]struct {
			Settings struct {
				Path struct {
					Repo any `json:"repo"`
				} `json:"path"`
			} `json:"settings"`
		} `json:"nodes"`
	}
	json.NewDecoder(res.Body).Decode(&info)
	for _, n := range info.Nodes {
		switch repo := n.Settings.Path.Repo.(type) {
		case string:
			return filepath.Join(repo, "test")
		case []any:
			if len(repo) > 0 {
				return filepath.Join(fmt.Sprint(repo[0]), "test")
			}
		}
	}
	msg := "the Elasticsearch node has no path.repo; start it with deployments/elasticsearch/start.sh or set FAULTLINE_TEST_SNAPSHOT_LOCATION"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// TestBackupRestoreDrill snapshots the events and groups, restores them
// beside the live ones and checks every document came back. The local node
// lacks the data stream API, so the drill restores renamed rather than over
// a deleted data stream; the bytes and documents are the same.
func TestBackupRestoreDrill(t *testing.T) {
	es, err := NewClient([]string{testenv.ElasticsearchURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := Setup(ctx, es); err != nil {
		t.Fatal(err)
	}
	service := fmt.Sprintf("drill-%d", time.Now().UnixNano())
	var buf bytes.Buffer
	const n = 200
	for i := 0; i < n; i++ {
		fmt.Fprintf(&buf, `{"create":{"_id":"%s-%d"}}`+"\n", service, i)
		fmt.Fprintf(&buf, `{"@timestamp":"%s","message":"drill %d","service":{"name":"%s"},"event":{"id":"%s-%d"}}`+"\n", time.Now().UTC().Format(time.RFC3339Nano), i, service, service, i)
	}
	fmt.Fprintf(&buf, `{"create":{"_index":"%s","_id":"%s"}}`+"\n", GroupsIndex, service)
	fmt.Fprintf(&buf, `{"fingerprint":"%s","title":"drill","service":{"name":"%s"},"count":%d,"status":"open"}`+"\n", service, service, n)
	if err := Check(es.Bulk(&buf, es.Bulk.WithIndex(EventsDataStream), es.Bulk.WithRefresh("true"))); err != nil {
		t.Fatal(err)
	}
	if err := EnsureRepository(ctx, es, "faultline-test", snapshotLocation(t, es)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	snap, err := Snapshot(ctx, es, "faultline-test", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	backup := time.Since(start)
	names, err := Snapshots(ctx, es, "faultline-test")
	if err != nil || names[len(names)-1] != snap {
		t.Fatalf("snapshots %v, %v: want %s last", names, err, snap)
	}
	count := func(index, field string) int {
		q := fmt.Sprintf(`{"query":{"term":{%q:%q}}}`, field, service)
		res, err := es.Count(es.Count.WithIndex(index), es.Count.WithBody(strings.NewReader(q)))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out struct {
			Count int `json:"count"`
		}
		json.NewDecoder(res.Body).Decode(&out)
		return out.Count
	}
	tag := strings.ToLower(service)
	start = time.Now()
	restoredRes, err := Restore(ctx, es, "faultline-test", snap, RestoreOptions{Tag: tag})
	if err != nil {
		t.Fatal(err)
	}
	restore := time.Since(start)
	t.Cleanup(func() {
		if err := Check(es.Indices.Delete(restoredRes.Restored)); err != nil {
			t.Errorf("clean up the drill copy: %v", err)
		}
	})
	prefix := RestoredPrefix(tag)
	restoredEvents, restoredGroups := prefix+"events-*", prefix+"groups"
	if got := count("logs-faultline-*", "service.name"); got != n {
		t.Errorf("events under logs-faultline-* after a tagged restore: %d, want %d (the copy must stay outside the data view)", got, n)
	}

	if got := count(restoredEvents, "service.name"); got != n {
		t.Errorf("restored events: %d, want %d", got, n)
	}
	if got := count(restoredGroups, "fingerprint"); got != 1 {
		t.Errorf("restored group: %d, want 1", got)
	}
	t.Logf("drill: snapshot %s in %s, restore in %s", snap, backup.Round(time.Millisecond), restore.Round(time.Millisecond))

	if _, err := Prune(ctx, es, "faultline-test", 2); err != nil {
		t.Fatal(err)
	}
	if names, _ := Snapshots(ctx, es, "faultline-test"); len(names) > 2 {
		t.Errorf("after pruning to 2: %v", names)
	}
}
