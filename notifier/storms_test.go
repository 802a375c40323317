package notifier

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/config"
)

// A storm leaves a record of every group it collected in the state bucket,
// readable by id and in a newest-first list, named in the summary.
func TestStormIsRecorded(t *testing.T) {
	notify := config0()
	notify.Storm = config.Storm{Threshold: 3, Window: config.Duration{Duration: time.Second}, Top: 5}
	js, inbox, s := running(t, notify, nil)
	for i := 0; i < 12; i++ {
		publish(t, js, newCandidate("recorded", i, int64(i+1)))
	}
	msgs := waitMessages(t, inbox, 4, 5*time.Second)

	storms, err := s.Storms()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	list, err := storms.List(ctx, 10)
	if err != nil || len(list) != 1 {
		t.Fatalf("List = %d storms, %v; want 1", len(list), err)
	}
	r := list[0]
	if r.Channel != "oncall" || r.Start.IsZero() || r.End.Before(r.Start) || r.Omitted != 0 {
		t.Errorf("record = %+v", r)
	}
	// The three announced before the storm began are not part of it; the
	// nine after are, highest count first.
	if len(r.Groups) != 9 {
		t.Fatalf("record has %d groups, want 9: %+v", len(r.Groups), r.Groups)
	}
	for k, g := range r.Groups {
		i := 11 - k
		want := StormGroup{Fingerprint: fmt.Sprintf("recorded-%d", i), Title: fmt.Sprintf("Bug%d: boom", i), Service: "recorded", Level: "ERROR", Count: int64(i + 1)}
		if g != want {
			t.Errorf("group %d = %+v, want %+v", k, g, want)
		}
	}
	if got := discordFieldValue(msgs[3].Embeds[0], "Fingerprint"); got != "storm-"+r.ID {
		t.Errorf("summary fingerprint %q, want storm-%s", got, r.ID)
	}
	got, err := storms.Get(ctx, r.ID)
	if err != nil || got.ID != r.ID || len(got.Groups) != 9 {
		t.Errorf("Get(%s) = %+v, %v", r.ID, got, err)
	}

	other, err := OpenStorms(ctx, js)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"0000000000000000-00000000", "../sent.oncall.x", "", "storm.*"} {
		if _, err := other.Get(ctx, id); !errors.Is(err, ErrStormNotFound) {
			t.Errorf("Get(%q) = %v, want ErrStormNotFound", id, err)
		}
	}
	if list, err := other.List(ctx, 0); err != nil || len(list) != 1 || list[0].ID != r.ID {
		t.Errorf("a second reader lists %+v, %v", list, err)
	}
}

// List is newest first, and the limit keeps the newest.
func TestStormsListNewestFirst(t *testing.T) {
	js, _, _ := stateAndInbox(t)
	ctx := context.Background()
	storms, err := OpenStorms(ctx, js)
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	var ids []string
	for i := 0; i < 3; i++ {
		start := base.Add(time.Duration(i) * time.Hour)
		r := newStormRecord(newStormID(start), "oncall", start, start.Add(time.Minute), nil)
		if err := storms.put(ctx, r); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	list, err := storms.List(ctx, 2)
	if err != nil || len(list) != 2 || list[0].ID != ids[2] || list[1].ID != ids[1] {
		t.Errorf("List(2) = %+v, %v; want %s then %s", list, err, ids[2], ids[1])
	}
}
