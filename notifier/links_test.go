package notifier

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/group"
)

const (
	testPage   = "https://faultline.example/ops/groups/abc123"
	testKibana = "https://kibana.example/app/discover#/?_a=(query:(language:kuery,query:'x'))"
)

// With a faultline page, Discord's title links to it and the description
// ends with the page then Kibana, even when the message fills the embed.
func TestDiscordLinksToGroupPage(t *testing.T) {
	g := sampleGroup()
	_, m := postToDiscord(t, Alert{Kind: group.KindNew, Group: g, Occurrences: 1, Link: testKibana, Page: testPage})
	e := m.Embeds[0]
	wantLinks := "[Open in faultline](" + testPage + ") · [Events in Kibana](https://kibana.example/app/discover#/?_a=%28query:%28language:kuery,query:'x'%29%29)"
	if e.URL != testPage || !strings.HasSuffix(e.Description, "\n"+wantLinks) {
		t.Errorf("url %q, description %q; want the page and the links line %q", e.URL, e.Description, wantLinks)
	}
	g.Message = strings.Repeat("m", 10000)
	_, m = postToDiscord(t, Alert{Kind: group.KindNew, Group: g, Occurrences: 1, Link: testKibana, Page: testPage})
	checkDiscordLimits(t, m.Embeds[0])
	if !strings.HasSuffix(m.Embeds[0].Description, "\n"+wantLinks) {
		t.Errorf("a full embed lost its links: ends %q", m.Embeds[0].Description[len(m.Embeds[0].Description)-200:])
	}
	// Without a page, Kibana stays the title's link and nothing is added.
	_, m = postToDiscord(t, Alert{Kind: group.KindNew, Group: sampleGroup(), Occurrences: 1, Link: testKibana})
	if m.Embeds[0].URL != testKibana || strings.Contains(m.Embeds[0].Description, "Open in faultline") {
		t.Errorf("without a page: url %q, description %q", m.Embeds[0].URL, m.Embeds[0].Description)
	}
}

func TestSlackLinksToGroupPage(t *testing.T) {
	got := postToSlack(t, Alert{Kind: group.KindNew, Group: sampleGroup(), Occurrences: 1, Link: testKibana, Page: testPage})
	last := got.Blocks[len(got.Blocks)-1].Text
	want := "<" + testPage + "|Open in faultline> · <" + testKibana + "|Events in Kibana>"
	if last == nil || last.Type != "mrkdwn" || last.Text != want {
		t.Errorf("links block = %+v, want %q", last, want)
	}
	got = postToSlack(t, Alert{Kind: group.KindNew, Group: sampleGroup(), Occurrences: 1, Page: testPage})
	if last := got.Blocks[len(got.Blocks)-1].Text; last == nil || last.Text != "<"+testPage+"|Open in faultline>" {
		t.Errorf("links block without Kibana = %+v", last)
	}
}

func TestWebhookCarriesGroupPage(t *testing.T) {
	got := postToWebhook(t, &Webhook{Now: fixedClock}, Alert{Kind: group.KindNew, Group: sampleGroup(), Occurrences: 1, Link: testKibana, Page: testPage})
	var top map[string]json.RawMessage
	if err := json.Unmarshal(got.body, &top); err != nil {
		t.Fatal(err)
	}
	if string(top["page"]) != `"`+testPage+`"` || string(top["link"]) != `"`+testKibana+`"` {
		t.Errorf("page %s, link %s", top["page"], top["link"])
	}
}

// The notifier builds the page link from notify.public_url and the
// group's fingerprint.
func TestAlertsLinkToGroupPage(t *testing.T) {
	notify := config0()
	notify.PublicURL = "https://faultline.example/ops"
	notify.KibanaURL = "https://kibana.example"
	js, inbox, _ := running(t, notify, nil)
	c := newCandidate("linked", 1, 1)
	c.Group.Fingerprint = "grpc-deadlines"
	publish(t, js, c)
	msgs := waitMessages(t, inbox, 1, 5*time.Second)
	e := msgs[0].Embeds[0]
	if e.URL != "https://faultline.example/ops/groups/grpc-deadlines" {
		t.Errorf("embed url = %q", e.URL)
	}
	if !strings.Contains(e.Description, "[Events in Kibana](https://kibana.example/app/discover#/?_a=%28query:%28language:kuery,query:'faultline.fingerprint%3A%22grpc-deadlines%22'%29%29)") {
		t.Errorf("description = %q", e.Description)
	}
}

// A storm's webhook body carries every group of the storm and its page.
func TestWebhookStormBody(t *testing.T) {
	r := StormRecord{ID: "0000000000000001-deadbeef", Kind: StormKind, Channel: "hooks",
		Start: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 25, 9, 1, 0, 0, time.UTC),
		Groups: []StormGroup{{Fingerprint: "a", Title: "A: boom", Service: "s", Level: "ERROR", Count: 2}, {Fingerprint: "b", Title: "B: boom", Service: "s", Level: "ERROR", Count: 1}}}
	link := "https://faultline.example/storms/" + r.ID
	got := postToWebhook(t, &Webhook{Now: fixedClock}, Alert{Kind: group.KindStorm, Group: stormGroup(r, time.Minute), Storm: &r, Page: link})
	var top map[string]json.RawMessage
	if err := json.Unmarshal(got.body, &top); err != nil {
		t.Fatal(err)
	}
	want := `{"id":"0000000000000001-deadbeef","kind":"storm","channel":"hooks","start":"2026-11-25T09:00:00Z","end":"2026-11-25T09:01:00Z",` +
		`"groups":[{"fingerprint":"a","title":"A: boom","service":"s","level":"ERROR","count":2},{"fingerprint":"b","title":"B: boom","service":"s","level":"ERROR","count":1}],` +
		`"link":"` + link + `"}`
	if string(top["storm"]) != want || string(top["page"]) != `"`+link+`"` || string(top["kind"]) != `"storm"` {
		t.Errorf("storm = %s\nwant    %s\npage %s", top["storm"], want, top["page"])
	}
	var g group.Group
	if err := json.Unmarshal(top["group"], &g); err != nil || g.Title != "2 new error groups within 1 min" || g.Message != "2× s: A: boom\n1× s: B: boom\n" || g.Count != 3 {
		t.Errorf("group = %+v, %v", g, err)
	}
}
