package notifier

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faultline/faultline/internal/group"
)

// StormRecord is what a storm summary stood for: every group the storm
// collected, kept in the state bucket (for as long as the bucket's TTL, 7
// days) so the storm page can show what a summary had no room to name.
type StormRecord struct {
	ID string `json:"id"`
	// Kind is StormKind, or CatchUpKind for new groups whose alerts came
	// out of a backlog too late to send one by one.
	Kind    string       `json:"kind"`
	Channel string       `json:"channel"`
	Start   time.Time    `json:"start"`
	End     time.Time    `json:"end"`
	Groups  []StormGroup `json:"groups"`
	// Omitted counts groups left out of Groups to keep the record within
	// NATS's message size; the summary still counts them.
	Omitted int `json:"omitted,omitempty"`
	// Oldest is when the earliest candidate of a catch-up was raised.
	Oldest time.Time `json:"oldest,omitzero"`
}

// Kinds of StormRecord.
const (
	StormKind   = "storm"
	CatchUpKind = "catch_up"
)

// StormGroup is one group a storm collected, as it stood when the storm
// ended.
type StormGroup struct {
	Fingerprint string `json:"fingerprint"`
	Title       string `json:"title"`
	Service     string `json:"service"`
	Level       string `json:"level"`
	Count       int64  `json:"count"`
}

// Limits that keep one record well under NATS's default 1 MiB message.
const (
	stormRecordGroupsMax = 2000
	stormRecordTitleMax  = 200
)

const stormKeyPrefix = "storm."

// stormIDPattern is what newStormID makes; anything else is not looked up.
var stormIDPattern = regexp.MustCompile(`^[0-9a-f]{16}-[0-9a-f]{8}$`)

// newStormID orders by start time as text (List relies on it) and adds
// random bits, since two channels may start a storm in the same instant.
func newStormID(start time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%016x-%s", uint64(start.UnixNano()), hex.EncodeToString(b[:]))
}

// newStormRecord lists groups by count, highest first: the order the
// summary names them in.
func newStormRecord(id, channel string, start, end time.Time, groups []group.Group) StormRecord {
	r := StormRecord{ID: id, Kind: StormKind, Channel: channel, Start: start.UTC(), End: end.UTC()}
	sorted := slices.Clone(groups)
	slices.SortStableFunc(sorted, func(a, b group.Group) int { return cmp.Compare(b.Count, a.Count) })
	for i, g := range sorted {
		if i == stormRecordGroupsMax {
			r.Omitted = len(sorted) - i
			break
		}
		r.Groups = append(r.Groups, StormGroup{
			Fingerprint: g.Fingerprint,
			Title:       truncateRunes(g.Title, stormRecordTitleMax),
			Service:     g.Service.Name,
			Level:       g.Log.Level,
			Count:       g.Count,
		})
	}
	return r
}

// Storms reads the storm records of the notifier's state bucket.
type Storms struct {
	kv jetstream.KeyValue
}

// NewStorms reads storms from kv, the notifier's state bucket.
func NewStorms(kv jetstream.KeyValue) *Storms { return &Storms{kv: kv} }

// OpenStorms opens the state bucket as it is (creating it when no notifier
// has yet) for a reader such as the web UI.
func OpenStorms(ctx context.Context, js jetstream.JetStream) (*Storms, error) {
	kv, err := openState(ctx, js, 0)
	if err != nil {
		return nil, fmt.Errorf("notifier state bucket: %w", err)
	}
	return NewStorms(kv), nil
}

// Storms reads this service's storm records, once the state bucket is open.
func (s *Service) Storms() (*Storms, error) {
	if !s.hasState() {
		return nil, errNotReady
	}
	return NewStorms(s.state), nil
}

// put writes a storm record; ids are unique, so it never overwrites one.
func (st *Storms) put(ctx context.Context, r StormRecord) error {
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode storm %s: %w", r.ID, err)
	}
	if _, err := st.kv.Create(ctx, stormKeyPrefix+r.ID, data); err != nil {
		return fmt.Errorf("save storm %s: %w", r.ID, err)
	}
	return nil
}

// Get returns one storm, or ErrStormNotFound.
func (st *Storms) Get(ctx context.Context, id string) (StormRecord, error) {
	var r StormRecord
	if !stormIDPattern.MatchString(id) {
		return r, fmt.Errorf("storm %q: %w", id, ErrStormNotFound)
	}
	entry, err := st.kv.Get(ctx, stormKeyPrefix+id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return r, fmt.Errorf("storm %s: %w", id, ErrStormNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("read storm %s: %w", id, err)
	}
	if err := json.Unmarshal(entry.Value(), &r); err != nil {
		return r, fmt.Errorf("decode storm %s: %w", id, err)
	}
	return r, nil
}

// List returns up to limit storms, newest first (limit <= 0: all).
func (st *Storms) List(ctx context.Context, limit int) ([]StormRecord, error) {
	lister, err := st.kv.ListKeysFiltered(ctx, stormKeyPrefix+"*")
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list storms: %w", err)
	}
	var ids []string
	for key := range lister.Keys() {
		ids = append(ids, strings.TrimPrefix(key, stormKeyPrefix))
	}
	slices.Sort(ids)
	slices.Reverse(ids)
	var out []StormRecord
	for _, id := range ids {
		if limit > 0 && len(out) == limit {
			break
		}
		r, err := st.Get(ctx, id)
		if errors.Is(err, ErrStormNotFound) {
			// Expired between the listing and the read.
			continue
		}
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}
