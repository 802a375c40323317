package elastic

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
)

// SnapshotIndices are what a faultline backup holds: every event and group.
var SnapshotIndices = []string{EventsDataStream, GroupsIndex}

// EnsureRepository registers a snapshot repository at location: a
// directory under the node's path.repo (a shared filesystem), or
// s3://bucket/base/path for S3-compatible storage (the node needs the
// repository-s3 module and its s3.client.default settings).
func EnsureRepository(ctx context.Context, es *elasticsearch.Client, repo, location string) error {
	return ensureRepository(ctx, es, repo, location, false)
}

// EnsureReadOnlyRepository registers location as EnsureRepository does, but
// read-only: the way for a cluster to read a repository another cluster
// writes to, which two writers would corrupt.
func EnsureReadOnlyRepository(ctx context.Context, es *elasticsearch.Client, repo, location string) error {
	return ensureRepository(ctx, es, repo, location, true)
}

func ensureRepository(ctx context.Context, es *elasticsearch.Client, repo, location string, readonly bool) error {
	body, err := RepositoryBody(location, readonly)
	if err != nil {
		return fmt.Errorf("snapshot repository %s: %w", repo, err)
	}
	if err := Check(es.Snapshot.CreateRepository(repo, bytes.NewReader(body), es.Snapshot.CreateRepository.WithContext(ctx))); err != nil {
		return fmt.Errorf("snapshot repository %s: %w", repo, err)
	}
	return nil
}

// RepositoryBody is the repository registration for location (see
// EnsureRepository).
func RepositoryBody(location string, readonly bool) ([]byte, error) {
	settings := map[string]any{"compress": true}
	if readonly {
		settings["readonly"] = true
	}
	typ := "fs"
	if rest, ok := strings.CutPrefix(location, "s3://"); ok {
		bucket, base, _ := strings.Cut(rest, "/")
		if bucket == "" {
			return nil, fmt.Errorf("location %q: want s3://bucket or s3://bucket/base/path", location)
		}
		typ, settings["bucket"], settings["client"] = "s3", bucket, "default"
		if base = strings.Trim(base, "/"); base != "" {
			settings["base_path"] = base
		}
	} else {
		if strings.TrimSpace(location) == "" || strings.Contains(location, "://") {
			return nil, fmt.Errorf("location %q: want a directory under path.repo or s3://bucket/base/path", location)
		}
		settings["location"] = location
	}
	return json.Marshal(map[string]any{"type": typ, "settings": settings})
}

// EnsureSLM installs a nightly snapshot policy when the cluster has snapshot
// lifecycle management (X-Pack). It reports false where it does not, and the
// caller runs `faultline backup` on a timer instead.
// Each repository gets a policy of its own, named for it.
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
	if err := Check(es.SlmPutLifecycle(repo+"-nightly", es.SlmPutLifecycle.WithBody(bytes.NewReader(policy)), es.SlmPutLifecycle.WithContext(ctx))); err != nil {
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

// SnapshotInfo is what a restore needs to know of a snapshot.
type SnapshotInfo struct {
	Name string
	// Start is when the snapshot began: what Elasticsearch had stored
	// before it is in the snapshot, what came later may not be.
	Start time.Time
	// Indices are the indices it holds, data streams' backing indices
	// included.
	Indices []string
}

// Describe reads a snapshot's start time and indices.
func Describe(ctx context.Context, es *elasticsearch.Client, repo, name string) (SnapshotInfo, error) {
	res, err := es.Snapshot.Get(repo, []string{name}, es.Snapshot.Get.WithContext(ctx))
	if err != nil {
		return SnapshotInfo{}, fmt.Errorf("snapshot %s: %w", name, err)
	}
	defer res.Body.Close()
	if res.IsError() {
		return SnapshotInfo{}, fmt.Errorf("snapshot %s: %w", name, Check(res, nil))
	}
	var out struct {
		Snapshots []struct {
			Start   int64    `json:"start_time_in_millis"`
			Indices []string `json:"indices"`
		} `json:"snapshots"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || len(out.Snapshots) != 1 {
		return SnapshotInfo{}, fmt.Errorf("snapshot %s: unreadable description: %v", name, err)
	}
	s := out.Snapshots[0]
	return SnapshotInfo{Name: name, Start: time.UnixMilli(s.Start).UTC(), Indices: s.Indices}, nil
}

// Existing is a live index or data stream that a restore in place replaces.
type Existing struct {
	Name       string
	DataStream bool
	Docs       int64
	// Backing are a data stream's indices, the write index last.
	Backing []string
}

func (e Existing) String() string {
	kind := "index"
	if e.DataStream {
		kind = "data stream"
	}
	return fmt.Sprintf("%s %s (%d documents)", kind, e.Name, e.Docs)
}

// Live lists which of the events data stream and the groups index exist,
// with their document counts. It asks the resolve API, which every cluster
// has, rather than the data stream API, which some lack.
func Live(ctx context.Context, es *elasticsearch.Client) ([]Existing, error) {
	res, err := es.Indices.ResolveIndex([]string{EventsDataStream + "*", GroupsIndex + "*"}, es.Indices.ResolveIndex.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("list live data: %w", err)
	}
	defer res.Body.Close()
	if res.IsError() {
		return nil, fmt.Errorf("list live data: %w", Check(res, nil))
	}
	var r struct {
		Indices []struct {
			Name string `json:"name"`
		} `json:"indices"`
		DataStreams []struct {
			Name    string   `json:"name"`
			Backing []string `json:"backing_indices"`
		} `json:"data_streams"`
	}
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		return nil, fmt.Errorf("list live data: decode: %w", err)
	}
	var live []Existing
	for _, ds := range r.DataStreams {
		if ds.Name == EventsDataStream {
			live = append(live, Existing{Name: ds.Name, DataStream: true, Backing: ds.Backing})
		}
	}
	for _, ix := range r.Indices {
		if ix.Name == GroupsIndex {
			live = append(live, Existing{Name: ix.Name})
		}
	}
	for i := range live {
		n, err := countDocs(ctx, es, live[i].Name)
		if err != nil {
			return nil, err
		}
		live[i].Docs = n
	}
	return live, nil
}

func countDocs(ctx context.Context, es *elasticsearch.Client, index string) (int64, error) {
	res, err := es.Count(es.Count.WithIndex(index), es.Count.WithContext(ctx))
	if err != nil {
		return 0, fmt.Errorf("count %s: %w", index, err)
	}
	defer res.Body.Close()
	if res.IsError() {
		return 0, fmt.Errorf("count %s: %w", index, Check(res, nil))
	}
	var c struct {
		Count int64 `json:"count"`
	}
	if err := json.NewDecoder(res.Body).Decode(&c); err != nil {
		return 0, fmt.Errorf("count %s: decode: %w", index, err)
	}
	return c.Count, nil
}

// RestoreOptions say where a snapshot comes back.
type RestoreOptions struct {
	// Tag restores beside the live data, as plain indices named
	// RestoredPrefix(tag)+"events-…" and RestoredPrefix(tag)+"groups",
	// outside logs-faultline-*, so Kibana's faultline data view does not
	// show their events twice.
	Tag string
	// Force lets a restore in place delete live data that holds documents.
	Force bool
}

// RestoredPrefix starts the names of the indices a tagged restore makes.
func RestoredPrefix(tag string) string { return "restored-faultline-" + tag + "-" }

// RestoreResult says what a restore did.
type RestoreResult struct {
	Deleted  []Existing
	Restored []string
}

// Restore brings a snapshot back. With a tag it goes beside the live data
// (a drill, or a look at old data). Without one it replaces the events data
// stream and the groups index: it deletes them first, and refuses with
// ErrLiveData when they hold documents unless opts.Force. On a cluster
// without the data stream API the data stream is emptied instead (rolled
// over, its older indices deleted) and the restore replaces it; the empty
// write index left over is deleted after.
func Restore(ctx context.Context, es *elasticsearch.Client, repo, snapshot string, opts RestoreOptions) (RestoreResult, error) {
	if opts.Tag != "" {
		return restoreBeside(ctx, es, repo, snapshot, opts.Tag)
	}
	var out RestoreResult
	live, err := Live(ctx, es)
	if err != nil {
		return out, err
	}
	var holding []string
	for _, e := range live {
		if e.Docs > 0 {
			holding = append(holding, e.String())
		}
	}
	if len(holding) > 0 && !opts.Force {
		return out, fmt.Errorf("%w: it would delete %s; run it again with --force to replace them, or restore beside them with --tag", ErrLiveData, strings.Join(holding, " and "))
	}
	var orphans []string
	for _, e := range live {
		if e.DataStream {
			orphan, err := deleteDataStream(ctx, es, e)
			if err != nil {
				return out, err
			}
			if orphan != "" {
				orphans = append(orphans, orphan)
			}
		} else if err := Check(es.Indices.Delete([]string{e.Name}, es.Indices.Delete.WithContext(ctx))); err != nil {
			return out, fmt.Errorf("delete index %s: %w", e.Name, err)
		}
		out.Deleted = append(out.Deleted, e)
	}
	req := map[string]any{"indices": strings.Join(SnapshotIndices, ","), "include_global_state": false}
	if err := restoreAndWait(ctx, es, repo, snapshot, req, SnapshotIndices); err != nil {
		return out, err
	}
	out.Restored = SnapshotIndices
	// The restored data stream replaced the emptied one, whose write index
	// now belongs to nothing: what was written there meanwhile is in
	// JetStream, for the replay.
	for _, o := range orphans {
		if err := Check(es.Indices.Delete([]string{o}, es.Indices.Delete.WithContext(ctx))); err != nil {
			return out, fmt.Errorf("delete the emptied data stream's last index %s: %w", o, err)
		}
	}
	return out, nil
}

// deleteDataStream deletes e, or, where the cluster has no data stream API,
// empties it: a restore then replaces it, and the returned write index is
// left to delete.
func deleteDataStream(ctx context.Context, es *elasticsearch.Client, e Existing) (orphan string, err error) {
	res, err := es.Indices.DeleteDataStream([]string{e.Name}, es.Indices.DeleteDataStream.WithContext(ctx))
	if err != nil {
		return "", fmt.Errorf("delete data stream %s: %w", e.Name, err)
	}
	if res.StatusCode != http.StatusMethodNotAllowed && res.StatusCode != http.StatusBadRequest {
		if err := Check(res, nil); err != nil {
			return "", fmt.Errorf("delete data stream %s: %w", e.Name, err)
		}
		return "", nil
	}
	res.Body.Close()
	var ro struct {
		NewIndex string `json:"new_index"`
	}
	res, err = es.Indices.Rollover(e.Name, es.Indices.Rollover.WithContext(ctx))
	if err != nil {
		return "", fmt.Errorf("empty data stream %s: roll over: %w", e.Name, err)
	}
	defer res.Body.Close()
	if res.IsError() {
		return "", fmt.Errorf("empty data stream %s: roll over: %w", e.Name, Check(res, nil))
	}
	if err := json.NewDecoder(res.Body).Decode(&ro); err != nil || ro.NewIndex == "" {
		return "", fmt.Errorf("empty data stream %s: roll over: unreadable answer: %v", e.Name, err)
	}
	if len(e.Backing) > 0 {
		if err := Check(es.Indices.Delete(e.Backing, es.Indices.Delete.WithContext(ctx))); err != nil {
			return "", fmt.Errorf("empty data stream %s: delete its indices: %w", e.Name, err)
		}
	}
	return ro.NewIndex, nil
}

// restoreBeside restores the events' backing indices and the groups index as
// plain, visible indices under RestoredPrefix(tag). Plain indices, since a
// data stream outside logs-faultline-* would match no template and could
// never be deleted on a cluster without the data stream API.
func restoreBeside(ctx context.Context, es *elasticsearch.Client, repo, snapshot, tag string) (RestoreResult, error) {
	var out RestoreResult
	info, err := Describe(ctx, es, repo, snapshot)
	if err != nil {
		return out, err
	}
	prefix := RestoredPrefix(tag)
	backing := ".ds-" + EventsDataStream + "-"
	var events []string
	for _, ix := range info.Indices {
		if strings.HasPrefix(ix, backing) {
			events = append(events, ix)
			out.Restored = append(out.Restored, prefix+"events-"+strings.TrimPrefix(ix, backing))
		}
	}
	visible := map[string]any{"index.hidden": false}
	if len(events) > 0 {
		req := map[string]any{"indices": strings.Join(events, ","), "include_global_state": false, "index_settings": visible,
			"rename_pattern": regexp.QuoteMeta(backing) + "(.*)", "rename_replacement": prefix + "events-$1"}
		if err := restoreAndWait(ctx, es, repo, snapshot, req, out.Restored); err != nil {
			return out, err
		}
	}
	if slices.Contains(info.Indices, GroupsIndex) {
		groups := prefix + "groups"
		req := map[string]any{"indices": GroupsIndex, "include_global_state": false, "index_settings": visible,
			"rename_pattern": regexp.QuoteMeta(GroupsIndex), "rename_replacement": groups}
		if err := restoreAndWait(ctx, es, repo, snapshot, req, []string{groups}); err != nil {
			return out, err
		}
		out.Restored = append(out.Restored, groups)
	}
	return out, nil
}

// restoreAndWait starts a restore and waits until the restored indices are
// all assigned, in short polls like the snapshot.
func restoreAndWait(ctx context.Context, es *elasticsearch.Client, repo, snapshot string, req map[string]any, restored []string) error {
	body, _ := json.Marshal(req)
	if err := Check(es.Snapshot.Restore(repo, snapshot, es.Snapshot.Restore.WithBody(bytes.NewReader(body)), es.Snapshot.Restore.WithContext(ctx))); err != nil {
		return fmt.Errorf("restore %s: %w", snapshot, err)
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
