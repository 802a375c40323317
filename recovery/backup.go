package recovery

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/rs/zerolog"

	"github.com/faultline/faultline/internal/elastic"
)

// Repository is a snapshot repository faultline's backups go to.
type Repository struct {
	Name, Location string
}

// SourceRepo is the read-only repository `faultline restore --from`
// registers: the cluster restoring may not be the one writing there.
const SourceRepo = "faultline-restore-source"

// Repositories names the backup locations, comma separated, in order: the
// first is the repository faultline, the next faultline-2, faultline-3, …
// (another region's shared filesystem, or s3://bucket/base/path).
func Repositories(locations string) []Repository {
	var repos []Repository
	for _, l := range strings.Split(locations, ",") {
		if l = strings.TrimSpace(l); l == "" {
			continue
		}
		name := "faultline"
		if len(repos) > 0 {
			name += "-" + strconv.Itoa(len(repos)+1)
		}
		repos = append(repos, Repository{Name: name, Location: l})
	}
	return repos
}

// EnsureRepositories registers every repository.
func EnsureRepositories(ctx context.Context, es *elasticsearch.Client, repos []Repository) error {
	for _, r := range repos {
		if err := elastic.EnsureRepository(ctx, es, r.Name, r.Location); err != nil {
			return err
		}
	}
	return nil
}

// UseSource registers location as SourceRepo, read-only, for a restore from
// it, and returns the repository's name.
func UseSource(ctx context.Context, es *elasticsearch.Client, location string) (string, error) {
	if err := elastic.EnsureReadOnlyRepository(ctx, es, SourceRepo, location); err != nil {
		return "", fmt.Errorf("restore --from: %w", err)
	}
	return SourceRepo, nil
}

// Backup takes a snapshot into each repository in turn, the second after
// the first, registering it first (setup may not have run since the
// configuration changed), and keeps the newest keep of each. A repository that fails
// does not stop the others: a region unreachable must not also cost the
// other's backup. It returns each snapshot taken by repository.
func Backup(ctx context.Context, es *elasticsearch.Client, repos []Repository, keep int, log zerolog.Logger) (map[string]string, error) {
	taken := map[string]string{}
	var errs []error
	for _, r := range repos {
		start := time.Now()
		err := elastic.EnsureRepository(ctx, es, r.Name, r.Location)
		var snap string
		if err == nil {
			snap, err = elastic.Snapshot(ctx, es, r.Name, start)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("backup to %s: %w", r.Name, err))
			continue
		}
		taken[r.Name] = snap
		pruned, err := elastic.Prune(ctx, es, r.Name, keep)
		if err != nil {
			log.Warn().Err(err).Str("repository", r.Name).Msg("prune snapshots")
		}
		log.Info().Str("repository", r.Name).Str("snapshot", snap).Dur("took", time.Since(start)).Strs("pruned", pruned).Msg("backup done")
	}
	return taken, errors.Join(errs...)
}
