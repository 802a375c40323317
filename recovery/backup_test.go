package recovery

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/faultline/faultline/internal/elastic"
	"github.com/faultline/faultline/internal/testenv"
)

func TestRepositoriesAreNamedInOrder(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []Repository
	}{
		{"", nil},
		{" , ", nil},
		{"faultline", []Repository{{"faultline", "faultline"}}},
		{"/srv/a, s3://dr-bucket/faultline ,/mnt/c", []Repository{{"faultline", "/srv/a"}, {"faultline-2", "s3://dr-bucket/faultline"}, {"faultline-3", "/mnt/c"}}},
	} {
		if got := Repositories(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Repositories(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// TestRestoreFromTheSecondLocation: every backup goes to two shared
// filesystem repositories, the second standing for another region. Then
// the first region is lost, cluster and repository alike: the restore from
// the first finds nothing, the restore --from the second brings back its
// snapshot and the replay the rest, every event exactly once.
func TestRestoreFromTheSecondLocation(t *testing.T) {
	node := testenv.StartPrivateElasticsearch(t)
	es, err := elastic.NewClient([]string{node.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	log := zerolog.New(os.Stderr).Level(zerolog.WarnLevel)
	_, _, js := testenv.JetStream(t)
	siteA, siteB := filepath.Join(node.State, "snapshots", "site-a"), filepath.Join(node.State, "snapshots", "site-b")
	repos := Repositories(siteA + "," + siteB)
	service := fmt.Sprintf("second-site-%d", time.Now().UnixNano())
	const n, first = 4000, 2000

	stop := runProcessor(t, js, es, log)
	publish(t, js, service, 0, first, 5)
	waitStored(t, es, first)
	taken, err := Backup(ctx, es, repos, 14, log)
	if err != nil || taken["faultline"] == "" || taken["faultline-2"] == "" {
		t.Fatalf("backup to both: %v, %v", taken, err)
	}
	publish(t, js, service, first, n-first, 8)
	waitStored(t, es, n)
	stop()

	node.Wipe(t)
	if err := os.RemoveAll(siteA); err != nil {
		t.Fatal(err)
	}
	es, err = elastic.NewClient([]string{node.URL})
	if err != nil {
		t.Fatal(err)
	}
	if err := elastic.EnsureRepository(ctx, es, repos[0].Name, repos[0].Location); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(ctx, es, Options{Repo: repos[0].Name, JS: js}, log); err == nil {
		t.Fatal("restore from the lost first location succeeded")
	}
	repo, err := UseSource(ctx, es, siteB)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(ctx, es, Options{Repo: repo, JS: js}, log)
	var out bytes.Buffer
	rep.Print(&out)
	t.Logf("restore --from the second location:\n%s", out.String())
	if err != nil {
		t.Fatalf("restore from the second location: %v", err)
	}
	if rep.Snapshot.Name != taken["faultline-2"] {
		t.Errorf("restored %s, want the second location's %s", rep.Snapshot.Name, taken["faultline-2"])
	}
	if r := rep.Replay; r == nil || r.Written != n-first || r.Gap || r.Refused != 0 {
		t.Errorf("replay %+v: want the %d events after the snapshot written, nothing beyond reach", r, n-first)
	}
	checkExactlyOnce(t, es, service, n)
	checkGroupCounts(t, es, service, n, 8)

	// The source is registered read-only: this cluster cannot write over
	// the other region's backups.
	if _, err := elastic.Snapshot(ctx, es, repo, time.Now()); err == nil {
		t.Error("a snapshot into the read-only source repository was taken")
	}
}
