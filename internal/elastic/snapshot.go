package elastic

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
)

// SnapshotIndices are what a faultline backup holds: every event and group.
var SnapshotIndices = []string{EventsDataStream, GroupsIndex}

// EnsureRepository registers a shared-filesystem snapshot repository. The
// location must be under the node's path.repo.
func EnsureRepository(ctx context.Context, es *elasticsearch.Client, repo, location string) error {
	body, _ := json.Marshal(map[string]any{"type": "fs", "settings": map[string]any{"location": location, "compress": true}})
	if err := Check(es.Snapshot.CreateRepository(repo, bytes.NewReader(body), es.Snapshot.CreateRepository.WithContext(ctx))); err != nil {
		return fmt.Errorf("snapshot repository %s: %w", repo, err)
	}
	return nil
}

// EnsureSLM installs a nightly snapshot policy when the cluster has snapshot
// lifecycle management (X-Pack). It reports false where it does not, and the
// caller runs `faultline backup` on a timer instead.
func EnsureSLM(ctx context.Context, es *elasticsearch.Client, repo string) (bool, error) {
	res, err := es.SlmGetStatus(es.SlmGetStatus.WithContext(ctx))
	if err != nil {
		return false, fmt.Errorf("slm status: %w", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return false, nil
	}
	policy, _ := json.Marshal(map[string]any{
		"schedule":   "0 30 1 * * ?",
		"name":       "<faultline-{now/d}>",
		"repository": repo,
		"config":     map[string]any{"indices": SnapshotIndices, "include_global_state": false},
		"retention":  map[string]any{"expire_after": "30d", "min_count": 5, "max_count": 50},
	})
	if err := Check(es.SlmPutLifecycle("faultline-nightly", es.SlmPutLifecycle.WithBody(bytes.NewReader(policy)), es.SlmPutLifecycle.WithContext(ctx))); err != nil {
		return false, fmt.Errorf("slm policy: %w", err)
	}
	return true, nil
}

// Snapshot takes a snapshot of the events and groups and waits for it. It
// polls rather than holding one request open, since a large snapshot outlasts
// any sensible HTTP timeout.
func Snapshot(ctx context.Context, es *elasticsearch.Client, repo string, now time.Time) (string, error) {
	name := "faultline-" + now.UTC().Format("20060102-150405.000")
	name = strings.ReplaceAll(name, ".", "-")
	body, _ := json.Marshal(map[string]any{"indices": strings.Join(SnapshotIndices, ","), "include_global_state": false, "ignore_unavailable": true})
	if err := Check(es.Snapshot.Create(repo, name, es.Snapshot.Create.WithBody(bytes.NewReader(body)), es.Snapshot.Create.WithContext(ctx))); err != nil {
		return "", fmt.Errorf("snapshot %s: %w", name, err)
	}
	for {
		state, failed, err := snapshotState(ctx, es, repo, name)
		if err != nil {
			return "", err
		}
		switch state {
		case "SUCCESS":
			if failed > 0 {
				return "", fmt.Errorf("snapshot %s: %d failed shards", name, failed)
			}
			return name, nil
		case "FAILED", "PARTIAL", "INCOMPATIBLE":
			return "", fmt.Errorf("snapshot %s: state %s, %d failed shards", name, state, failed)
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("snapshot %s: still %s: %w", name, state, ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func snapshotState(ctx context.Context, es *elasticsearch.Client, repo, name string) (string, int, error) {
	res, err := es.Snapshot.Get(repo, []string{name}, es.Snapshot.Get.WithContext(ctx))
	if err != nil {
		return "", 0, fmt.Errorf("snapshot %s: %w", name, err)
	}
	defer res.Body.Close()
	if res.IsError() {
		return "", 0, fmt.Errorf("snapshot %s: %w", name, Check(res, nil))
	}
	var out struct {
		Snapshots []struct {
			State  string `json:"state"`
			Shards struct {
				Failed int `json:"failed"`
			} `json:"shards"`
		} `json:"snapshots"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || len(out.Snapshots) != 1 {
		return "", 0, fmt.Errorf("snapshot %s: unreadable status: %v", name, err)
	}
	return out.Snapshots[0].State, out.Snapshots[0].Shards.Failed, nil
}

// Snapshots lists the faultline snapshots of a repository, oldest first.
func Snapshots(ctx context.Context, es *elasticsearch.Client, repo string) ([]string, error) {
	res, err := es.Snapshot.Get(repo, []string{"faultline-*"}, es.Snapshot.Get.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("list snapshots: %w", err)
	}
	defer res.Body.Close()
	if res.IsError() {
		return nil, fmt.Errorf("list snapshots: %w", Check(res, nil))
	}
	var out struct {
		Snapshots []struct {
			Snapshot string `json:"snapshot"`
		} `json:"snapshots"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("list snapshots: decode: %w", err)
	}
	names := make([]string, len(out.Snapshots))
	for i, s := range out.Snapshots {
		names[i] = s.Snapshot
	}
	slices.Sort(names) // names carry their UTC time
	return names, nil
}

// Prune deletes all but the newest keep snapshots.
func Prune(ctx context.Context, es *elasticsearch.Client, repo string, keep int) ([]string, error) {
	names, err := Snapshots(ctx, es, repo)
	if err != nil || len(names) <= keep {
		return nil, err
	}
	old := names[:len(names)-keep]
	for _, n := range old {
		if err := Check(es.Snapshot.Delete(repo, []string{n}, es.Snapshot.Delete.WithContext(ctx))); err != nil {
			return nil, fmt.Errorf("delete snapshot %s: %w", n, err)
		}
	}
	return old, nil
}

// Restore brings a snapshot back. With a tag the data stream and the groups
// index come back renamed beside the live ones (logs-faultline-<tag>-default,
// faultline-groups-<tag>: a drill, or a look at old data); without one the
// live ones are deleted first and replaced, which needs the cluster's data
// stream API.
func Restore(ctx context.Context, es *elasticsearch.Client, repo, snapshot, tag string) error {
	req := map[string]any{"indices": strings.Join(SnapshotIndices, ","), "include_global_state": false}
	if tag != "" {
		// The renamed stream still matches the events template, so it keeps
		// its mappings and can roll over.
		req["rename_pattern"] = "(logs-faultline|faultline-groups)(.*)"
		req["rename_replacement"] = "$1-" + tag + "$2"
	} else {
		res, err := es.Indices.DeleteDataStream([]string{EventsDataStream}, es.Indices.DeleteDataStream.WithContext(ctx))
		if err != nil {
			return fmt.Errorf("delete data stream %s: %w", EventsDataStream, err)
		}
		if res.StatusCode != http.StatusNotFound {
			if err := Check(res, nil); err != nil {
				return fmt.Errorf("delete data stream %s (restore with a prefix on clusters without the data stream API): %w", EventsDataStream, err)
			}
		} else {
			res.Body.Close()
		}
		res, err = es.Indices.Delete([]string{GroupsIndex}, es.Indices.Delete.WithContext(ctx))
		if err != nil {
			return fmt.Errorf("delete index %s: %w", GroupsIndex, err)
		}
		if res.StatusCode != http.StatusNotFound {
			if err := Check(res, nil); err != nil {
				return fmt.Errorf("delete index %s: %w", GroupsIndex, err)
			}
		} else {
			res.Body.Close()
		}
	}
	body, _ := json.Marshal(req)
	if err := Check(es.Snapshot.Restore(repo, snapshot, es.Snapshot.Restore.WithBody(bytes.NewReader(body)), es.Snapshot.Restore.WithContext(ctx))); err != nil {
		return fmt.Errorf("restore %s: %w", snapshot, err)
	}
	// Restored shards recover in the background; the data is back when they
	// are all assigned. Polled in short calls, like the snapshot.
	restored := []string{EventsDataStream, GroupsIndex}
	if tag != "" {
		restored = []string{"logs-faultline-" + tag + "-default", GroupsIndex + "-" + tag}
	}
	for {
		res, err := es.Cluster.Health(es.Cluster.Health.WithIndex(restored...), es.Cluster.Health.WithWaitForStatus("green"),
			es.Cluster.Health.WithTimeout(10*time.Second), es.Cluster.Health.WithContext(ctx))
		if err != nil {
			return fmt.Errorf("restore %s: %w", snapshot, err)
		}
		var h struct {
			TimedOut bool `json:"timed_out"`
		}
		decodeErr := json.NewDecoder(res.Body).Decode(&h)
		res.Body.Close()
		if res.StatusCode == http.StatusOK && decodeErr == nil && !h.TimedOut {
			return nil
		}
		if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusRequestTimeout {
			return fmt.Errorf("restore %s: health of the restored indices: %s", snapshot, res.Status())
		}
		if ctx.Err() != nil {
			return fmt.Errorf("restore %s: not complete: %w", snapshot, ctx.Err())
		}
	}
}
