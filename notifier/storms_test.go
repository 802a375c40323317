package notifier

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/faultline/faultline/internal/config"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/group"
	"github.com/faultline/faultline/internal/testenv"
)

// A storm leaves a record of every group it collected in the state bucket,
// readable by id and in a newest-first list, named in the summary.
func TestStormIsRecorded(t *testing.T) {
	notify := config0()
	notify.Storm = config.Storm{Threshold: 3, Window: config.Duration{Duration: time.Second}, Top: 5}
	notify.PublicURL = "http://127.0.0.1:8080"
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
	if got := msgs[3].Embeds[0].URL; got != "http://127.0.0.1:8080/storms/"+r.ID {
		t.Errorf("summary links %q, want the storm page of %s", got, r.ID)
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

// slackInbox is the kit's inbox refusing what is not exactly a Slack
// message (no unknown fields), read as Slack messages.
type slackInbox struct {
	testenv.Inbox
}

func newSlackInbox() *slackInbox {
	s := &slackInbox{}
	s.Check = testenv.JSONBody[slackWire](true)
	s.Accept = func(w http.ResponseWriter) { io.WriteString(w, "ok") }
	return s
}

func (s *slackInbox) all() []slackWire {
	return testenv.Messages[slackWire](&s.Inbox)
}

// stormTitleOf is a long, realistic title: 40 of them do not fit one
// Discord embed or one Slack section, so the summary has to split.
func stormTitleOf(i int) string {
	return fmt.Sprintf("IllegalStateException: payment provider %02d declined the authorisation for order batch after retries", i)
}

// A storm of 40 new groups names every one of them in chat, on Discord and
// on Slack, in at most three messages each within the providers' limits,
// with the storm page linked.
func TestStormSummaryNamesEveryGroup(t *testing.T) {
	discord := newDiscordInbox()
	slack := newSlackInbox()
	dsrv, ssrv := httptest.NewServer(discord), httptest.NewServer(slack)
	t.Cleanup(dsrv.Close)
	t.Cleanup(ssrv.Close)
	notify := config0()
	// Slack's 1 message/s would spread two announcements over more than a
	// one-second window, and no storm would start.
	notify.Storm = config.Storm{Threshold: 2, Window: config.Duration{Duration: 3 * time.Second}, Top: 5}
	notify.PublicURL = "https://faultline.example/ops"
	f := config.File{Channels: []config.Channel{
		{Name: "oncall", Type: "discord", URL: dsrv.URL},
		{Name: "team", Type: "slack", URL: ssrv.URL + "/services/T0/B0/tok"},
	}, Notify: notify}
	js, s := runService(t, f, nil, nil)
	const storm = 40
	for i := 0; i < storm+2; i++ {
		c := newCandidate("payments-gateway", i, int64(i+1))
		c.Group.Title = stormTitleOf(i)
		publish(t, js, c)
	}
	// Each channel announced two groups before the storm, then the summary.
	waitFor := func(what string, n func() int, want int) {
		t.Helper()
		testenv.Within(15*time.Second, func() bool { return n() >= want })
		time.Sleep(300 * time.Millisecond)
	}
	waitFor("discord", func() int { return len(discord.all()) }, 4)
	waitFor("slack", func() int { return len(slack.all()) }, 4)
	storms, err := s.Storms()
	if err != nil {
		t.Fatal(err)
	}
	list, err := storms.List(context.Background(), 0)
	if err != nil || len(list) != 2 {
		t.Fatalf("storms = %d, %v; want one per channel", len(list), err)
	}
	links := map[string]string{}
	for _, r := range list {
		if len(r.Groups) != storm {
			t.Errorf("storm %s of %s: %d groups, want %d", r.ID, r.Channel, len(r.Groups), storm)
		}
		links[r.Channel] = "https://faultline.example/ops/storms/" + r.ID
	}
	// The line of group i, as each provider shows it (Discord escapes
	// nothing in these titles; the line is the same text in both).
	line := func(i int) string {
		return fmt.Sprintf("%d× payments-gateway: %s", i+1, truncateRunes(stormTitleOf(i), stormLineTitleMax))
	}

	dmsgs := discord.all()[2:]
	if len(dmsgs) < 2 || len(dmsgs) > 3 {
		t.Fatalf("discord: storm summary in %d messages, want 2 or 3 (40 long lines do not fit one embed)", len(dmsgs))
	}
	var dlines []string
	for k, m := range dmsgs {
		if len(m.Embeds) != 1 {
			t.Fatalf("discord message %d: %d embeds", k, len(m.Embeds))
		}
		e := m.Embeds[0]
		checkDiscordLimits(t, e)
		if want := fmt.Sprintf("Error storm: 40 new error groups within 3 s (%d/%d)", k+1, len(dmsgs)); e.Title != want || e.URL != links["oncall"] {
			t.Errorf("discord message %d: title %q url %q, want %q %q", k, e.Title, e.URL, want, links["oncall"])
		}
		dlines = append(dlines, strings.Split(e.Description, "\n")...)
	}
	wantLast := "Open this list in faultline"
	if last := dlines[len(dlines)-1]; last != "["+wantLast+"]("+links["oncall"]+")" {
		t.Errorf("discord: last line %q", last)
	}
	checkNamed(t, "discord", dlines[:len(dlines)-1], line, storm)

	smsgs := slack.all()[2:]
	if len(smsgs) < 2 || len(smsgs) > 3 {
		t.Fatalf("slack: storm summary in %d messages, want 2 or 3", len(smsgs))
	}
	var slines []string
	for k, m := range smsgs {
		want := fmt.Sprintf("Error storm: 40 new error groups within 3 s (%d/%d)", k+1, len(smsgs))
		if m.Text != want || m.Blocks[0].Type != "header" || m.Blocks[0].Text.Text != want {
			t.Errorf("slack message %d: text %q header %+v, want %q", k, m.Text, m.Blocks[0], want)
		}
		if n := utf8.RuneCountInString(m.Blocks[1].Text.Text); m.Blocks[1].Text.Type != "plain_text" || n > slackTextMax {
			t.Errorf("slack message %d: lines block %s of %d chars", k, m.Blocks[1].Text.Type, n)
		}
		slines = append(slines, strings.Split(m.Blocks[1].Text.Text, "\n")...)
		wantBlocks := 2
		if k == len(smsgs)-1 {
			wantBlocks = 3
			if l := m.Blocks[2].Text; l.Type != "mrkdwn" || l.Text != "<"+links["team"]+"|"+wantLast+">" {
				t.Errorf("slack: link block %+v", l)
			}
		}
		if len(m.Blocks) != wantBlocks {
			t.Errorf("slack message %d: %d blocks, want %d", k, len(m.Blocks), wantBlocks)
		}
	}
	checkNamed(t, "slack", slines, line, storm)
}

// checkNamed fails unless lines are exactly the lines of groups n+1 … 2 in
// order of count, highest first: every group of the storm once.
func checkNamed(t *testing.T, provider string, lines []string, line func(int) string, n int) {
	t.Helper()
	var want []string
	for i := n + 1; i >= 2; i-- {
		want = append(want, line(i))
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s named %d lines:\n%s\nwant %d:\n%s", provider, len(lines), strings.Join(lines, "\n"), len(want), strings.Join(want, "\n"))
	}
}

// A storm too big for three messages names as many groups as fit, highest
// count first, then says how many more and links the storm page; every
// message stays within the provider's limits and the counts add up.
func TestStormSummaryTooBigForChat(t *testing.T) {
	var groups []group.Group
	for i := 0; i < 500; i++ {
		groups = append(groups, group.Group{Fingerprint: fmt.Sprintf("fp-%d", i), Title: stormTitleOf(i) + " <@everyone> [x](https://evil.example)", Service: event.Service{Name: "svc_" + strings.Repeat("*", 50)}, Log: event.Log{Level: "ERROR"}, Count: int64(1000 - i)})
	}
	r := newStormRecord("0000000000000001-deadbeef", "oncall", time.Unix(0, 1), time.Unix(60, 0), groups)
	link := "https://faultline.example/storms/" + r.ID
	for name, n := range map[string]Notifier{"discord": &Discord{}, "slack": &Slack{}} {
		pages := stormPages(&limited{Notifier: n}, r, time.Minute, link)
		if len(pages) != 3 {
			t.Fatalf("%s: %d pages, want 3", name, len(pages))
		}
		named := 0
		for _, p := range pages {
			named += len(p.Groups)
			a := Alert{Kind: group.KindStorm, StormPage: &p}
			switch n.(type) {
			case *Discord:
				m := discordPayload(a)
				checkDiscordLimits(t, m.Embeds[0])
				if p.Index == 3 && !strings.HasSuffix(m.Embeds[0].Description, fmt.Sprintf("+%d more: [see all 500](%s)", p.More, link)) {
					t.Errorf("discord: last page ends %q", m.Embeds[0].Description[len(m.Embeds[0].Description)-120:])
				}
				if strings.Contains(m.Embeds[0].Description, "](https://evil") || strings.Contains(m.Embeds[0].Description, "<@everyone") {
					t.Errorf("discord: event text acts as markup")
				}
			case *Slack:
				m := slackPayload(a)
				if len(m.Blocks) > slackBlocksMax || runes(m.Blocks[1].Text.Text) > slackTextMax {
					t.Errorf("slack: page %d over the limits", p.Index)
				}
				if p.Index == 3 && m.Blocks[2].Text.Text != fmt.Sprintf("+%d more: <%s|see all 500>", p.More, link) {
					t.Errorf("slack: last block %q", m.Blocks[2].Text.Text)
				}
			}
		}
		if more := pages[2].More; named+more != 500 || named < 60 {
			t.Errorf("%s: named %d, +%d more; want all 500 accounted for and dozens named", name, named, more)
		}
	}
}
