package notifier

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/elastic/go-elasticsearch/v8"

	"github.com/faultline/faultline/internal/config"
	"github.com/faultline/faultline/internal/elastic"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/group"
	"github.com/faultline/faultline/internal/testenv"
	"github.com/faultline/faultline/processor"
)

// newHook serves h and returns its URL.
func newHook(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// groupDocs are the group documents on the shared Elasticsearch node, as the
// processor counts them and as everyone else reads and mutes them.
type groupDocs struct {
	*processor.Counter
	*processor.Groups
}

// groupStore is the processor's group documents on the shared node.
func groupStore(t *testing.T) *groupDocs {
	t.Helper()
	store, _ := groupStoreAndES(t)
	return store
}

func groupStoreAndES(t *testing.T) (*groupDocs, *elasticsearch.Client) {
	t.Helper()
	es, err := elastic.NewClient([]string{testenv.ElasticsearchURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := elastic.Setup(context.Background(), es); err != nil {
		t.Fatal(err)
	}
	return &groupDocs{processor.NewCounter(es), processor.NewGroups(es)}, es
}

// seen records n events of fingerprint fp at at, as the processor does, and
// returns the candidate it raised (its first sighting) or the zero value.
func seen(t *testing.T, store *groupDocs, fp, service string, n int, at time.Time) group.Candidate {
	t.Helper()
	cs, err := store.UpdateGroups(context.Background(), []processor.Delta{{Fingerprint: fp, Count: n, First: at, Last: at,
		Sample: &event.Event{Message: "boom " + fp, Service: event.Service{Name: service}, Log: event.Log{Level: "ERROR"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) == 0 {
		return group.Candidate{}
	}
	return cs[0]
}

// An alert queued while its group went from 1 to 9 events says 9 and the
// latest last seen when it is sent; a group muted while its alert waited
// sends nothing.
func TestAlertSaysStateWhenSent(t *testing.T) {
	store := groupStore(t)
	run := fmt.Sprint(time.Now().UnixNano())
	fp, mutedFP := "sendtime-"+run, "sendtime-muted-"+run
	first := time.Now().UTC().Truncate(time.Millisecond)
	c := seen(t, store, fp, "sendtime", 1, first)
	if c.Kind != group.KindNew || c.Group.Count != 1 {
		t.Fatalf("first sighting raised %+v", c)
	}
	later := first.Add(90 * time.Second)
	seen(t, store, fp, "sendtime", 8, later)
	mc := seen(t, store, mutedFP, "sendtime", 1, first)
	if _, err := store.SetStatus(context.Background(), mutedFP, group.StatusChange{Action: "mute", By: "test", At: time.Now()}, nil); err != nil {
		t.Fatal(err)
	}

	inbox := newDiscordInbox()
	hook := newHook(t, inbox)
	f := config.File{Channels: []config.Channel{{Name: "oncall", Type: "discord", URL: hook}}, Notify: config0()}
	js, _ := runService(t, f, nil, func(s *Service) { s.ReadGroupsFrom(store.Groups) })
	publish(t, js, mc)
	publish(t, js, c)
	msgs := waitMessages(t, inbox, 1, 10*time.Second)
	time.Sleep(300 * time.Millisecond)
	if n := len(inbox.all()); n != 1 {
		t.Errorf("%d messages; the group muted while its alert waited must send none", n)
	}
	e := msgs[0].Embeds[0]
	if !strings.Contains(e.Description, "boom "+fp) {
		t.Fatalf("message about %q, want %s", e.Description, fp)
	}
	if got := discordFieldValue(e, "Count"); got != "9" {
		t.Errorf("Count = %s, want 9 (the count when sent, not the 1 it was queued with)", got)
	}
	if got := discordFieldValue(e, "Last seen"); got != later.Format(time.RFC3339) {
		t.Errorf("Last seen = %s, want %s", got, later.Format(time.RFC3339))
	}
}

// A backlog of new groups older than notify.catch_up_after (the notifier
// ran without this channel, then got it) becomes one catch-up summary with
// the counts of now, not a message per group saying "Count 1" minutes
// late; a fresh candidate behind it still goes out on its own.
func TestBacklogBecomesOneCatchUp(t *testing.T) {
	store := groupStore(t)
	run := fmt.Sprint(time.Now().UnixNano())
	raised := time.Now().UTC().Add(-7 * time.Minute)
	var stale []group.Candidate
	for i := 0; i < 3; i++ {
		c := seen(t, store, fmt.Sprintf("catchup-%d-%s", i, run), "catchup", 1, raised)
		c.At = raised
		stale = append(stale, c)
	}
	seen(t, store, stale[1].Group.Fingerprint, "catchup", 8, time.Now().UTC())

	inbox := newDiscordInbox()
	hook := newHook(t, inbox)
	notify := config0()
	notify.PublicURL = "https://faultline.example"
	f := config.File{Channels: []config.Channel{{Name: "oncall", Type: "discord", URL: hook}}, Notify: notify}
	js, s := runService(t, f, nil, func(s *Service) { s.ReadGroupsFrom(store.Groups) })
	for _, c := range stale {
		publish(t, js, c)
	}
	fresh := newCandidate("catchup-fresh", 1, 1)
	publish(t, js, fresh)

	msgs := waitMessages(t, inbox, 2, 10*time.Second)
	time.Sleep(500 * time.Millisecond)
	if n := len(inbox.all()); n != 2 {
		t.Fatalf("%d messages, want the fresh alert and one catch-up", n)
	}
	var titles []string
	for _, m := range msgs {
		titles = append(titles, m.Embeds[0].Title)
	}
	slices.Sort(titles)
	wantTitles := []string{"Catch-up: 3 new error groups not alerted in time (the oldest 7 min ago)", "New error in catchup-fresh: Bug1: boom"}
	if strings.Join(titles, "|") != strings.Join(wantTitles, "|") {
		t.Errorf("titles = %q, want %q", titles, wantTitles)
	}
	storms, _ := s.Storms()
	list, err := storms.List(context.Background(), 1)
	if err != nil || len(list) != 1 || list[0].Kind != CatchUpKind || !list[0].Oldest.Equal(raised.Truncate(time.Millisecond)) && !list[0].Oldest.Equal(raised) {
		t.Fatalf("catch-up record = %+v, %v", list, err)
	}
	for _, m := range msgs {
		e := m.Embeds[0]
		if !strings.HasPrefix(e.Title, "Catch-up") {
			continue
		}
		want := fmt.Sprintf("9× catchup: boom %s\n1× catchup: boom %s\n1× catchup: boom %s\n[Open this list in faultline](https://faultline.example/storms/%s)",
			stale[1].Group.Fingerprint, stale[0].Group.Fingerprint, stale[2].Group.Fingerprint, list[0].ID)
		alt := strings.Replace(strings.Replace(want, stale[0].Group.Fingerprint, "X", 1), stale[2].Group.Fingerprint, stale[0].Group.Fingerprint, 1)
		alt = strings.Replace(alt, "X", stale[2].Group.Fingerprint, 1)
		if e.Description != want && e.Description != alt {
			t.Errorf("catch-up =\n%s\nwant\n%s", e.Description, want)
		}
	}
	// The catch-up announced them: a redelivery stays quiet.
	publish(t, js, stale[0])
	time.Sleep(1500 * time.Millisecond)
	if n := len(inbox.all()); n != 2 {
		t.Errorf("%d messages after a caught-up group was redelivered", n)
	}
}

// Wording is singular where it is one.
func TestWordingSingularAndPlural(t *testing.T) {
	cases := map[string]string{
		stormTitle(stormPage{Total: 1, Window: time.Minute}):                        "Error storm: 1 new error group within 1 min",
		stormTitle(stormPage{Total: 2, Window: time.Minute}):                        "Error storm: 2 new error groups within 1 min",
		stormTitle(stormPage{Total: 1, Kind: CatchUpKind, Waited: 7 * time.Minute}): "Catch-up: 1 new error group not alerted in time (the oldest 7 min ago)",
		digestLine(Alert{Occurrences: 1, Since: 5 * time.Minute}):                   "+1 occurrence in the last 5 min",
		digestLine(Alert{Occurrences: 2}):                                           "+2 occurrences since the last message",
		moreLine(stormPage{More: 1, Total: 41}, discordLink):                        "+1 more",
	}
	for got, want := range cases {
		if got != want {
			t.Errorf("%q, want %q", got, want)
		}
	}
}
