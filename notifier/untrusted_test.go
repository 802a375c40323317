package notifier

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/group"
	"github.com/faultline/faultline/internal/testenv"
)

// postToDiscord sends a through a local Discord stand-in and returns the
// raw body it received and its decoded form.
func postToDiscord(t *testing.T, a Alert) ([]byte, discordMessage) {
	t.Helper()
	inbox, url := testenv.NewInbox(t)
	d := &Discord{URL: url + "/api/webhooks/1/tok", Client: &http.Client{}}
	if retry, err := d.Notify(context.Background(), a); err != nil || retry {
		t.Fatalf("Notify: retry=%v err=%v", retry, err)
	}
	raw := inbox.Requests()[0].Body
	var m discordMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil || len(m.Embeds) != 1 {
		t.Fatalf("payload %s: %v", raw, err)
	}
	return raw, m
}

func discordFieldValue(e discordEmbed, name string) string {
	for _, f := range e.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return "<no field " + name + ">"
}

// One row per attack a sender of events could try on a Discord channel;
// each states the exact text Discord receives.
func TestDiscordHostileText(t *testing.T) {
	const z = "\u200b"
	const heading = "New error in checkout: "
	cases := []struct {
		name   string
		change func(g *group.Group)
		part   func(e discordEmbed) string
		want   string
	}{
		{"broadcast mentions in the message",
			func(g *group.Group) { g.Message = "@everyone @here deploy now" },
			func(e discordEmbed) string { return e.Description },
			"@" + z + "everyone @" + z + "here deploy now"},
		{"user, role, channel, command and time mentions",
			func(g *group.Group) { g.Message = "<@123> <@!456> <@&789> <#42> </pay:1> <t:1:R>" },
			func(e discordEmbed) string { return e.Description },
			"<" + z + "@123> <" + z + "@!456> <" + z + "@&789> <" + z + "#42> <" + z + "/pay:1> <" + z + "t:1:R>"},
		{"masked link in the title",
			func(g *group.Group) { g.Title = "[Reset your password](https://evil.example/login)" },
			func(e discordEmbed) string { return e.Title },
			heading + `\[Reset your password\](https:` + z + `//evil.example/login)`},
		{"bare URL in the message",
			func(g *group.Group) { g.Message = "log in again at https://evil.example/x" },
			func(e discordEmbed) string { return e.Description },
			"log in again at https:" + z + "//evil.example/x"},
		{"markdown in the service name",
			func(g *group.Group) { g.Service.Name = "**pay**_ments_ ~~x~~ ||spoiler||" },
			func(e discordEmbed) string { return discordFieldValue(e, "Service") },
			`\*\*pay\*\*\_ments\_ \~\~x\~\~ \|\|spoiler\|\|`},
		{"markdown in the service name, title",
			func(g *group.Group) { g.Service.Name = "*x*" },
			func(e discordEmbed) string { return e.Title },
			`New error in \*x\*: IllegalStateException: Payment declined`},
		{"line markers: heading, quote, list, subtext",
			func(g *group.Group) { g.Message = "# Big\n> quote\n>>> all\n- item\n  -# small\na - b # c > d" },
			func(e discordEmbed) string { return e.Description },
			"\\# Big\n\\> quote\n\\>>> all\n\\- item\n  \\-# small\na - b # c > d"},
		{"a backslash cannot undo an escape",
			func(g *group.Group) { g.Message = `\*not bold*` },
			func(e discordEmbed) string { return e.Description },
			`\\\*not bold\*`},
		{"fence injection in the stack trace",
			func(g *group.Group) {
				g.Message = "m"
				g.Sample.StackTrace = "x\n```\n@everyone [a](http://b)\n``````"
			},
			func(e discordEmbed) string { return e.Description },
			"m\n```\nx\n`" + z + "`" + z + "`\n@" + z + "everyone [a](http://b)\n`" + z + "`" + z + "`" + z + "`" + z + "`" + z + "`\n```"},
		{"code span injection in the exception type",
			func(g *group.Group) { g.Error.Type = "x` @everyone [a](b) `y" },
			func(e discordEmbed) string { return discordFieldValue(e, "Exception") },
			"`x' @" + z + "everyone [a](b) 'y`"},
		{"code span injection in the culprit",
			func(g *group.Group) { g.Culprit = "a.B`<@1>`" },
			func(e discordEmbed) string { return discordFieldValue(e, "Top in-app frame") },
			"`a.B'<@1>'`"},
		{"direction overrides in the title",
			func(g *group.Group) { g.Title = "payment ok \u202egnp.exe\u202c done \u2067x\u2069" },
			func(e discordEmbed) string { return e.Title },
			heading + "payment ok \ufffdgnp.exe\ufffd done \ufffdx\ufffd"},
		{"mention in the environment and fingerprint",
			func(g *group.Group) { g.Service.Environment = "<@&1>"; g.Fingerprint = "@here" },
			func(e discordEmbed) string {
				return discordFieldValue(e, "Environment") + " " + discordFieldValue(e, "Fingerprint")
			},
			"<" + z + "@&1> @" + z + "here"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := sampleGroup()
			g.Sample.StackTrace = ""
			tc.change(&g)
			raw, m := postToDiscord(t, Alert{Kind: group.KindNew, Group: g, Occurrences: 1})
			if got := tc.part(m.Embeds[0]); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
			if !bytes.Contains(raw, []byte(`"allowed_mentions":{"parse":[]}`)) {
				t.Errorf("body lacks allowed_mentions {parse: []}: %s", raw)
			}
		})
	}
}

// A trace full of backticks of every run length never yields a fence.
func TestBreakFences(t *testing.T) {
	for _, in := range []string{"```", "````", "``````", "a`b``c```d````", "` ` `", "```\n```"} {
		out := breakFences(in)
		if strings.Contains(out, "``") {
			t.Errorf("breakFences(%q) = %q keeps adjacent backticks", in, out)
		}
		if strings.ReplaceAll(out, zwsp, "") != in {
			t.Errorf("breakFences(%q) = %q changes more than spacing", in, out)
		}
	}
}

// The same attacks on a Slack channel, with the exact text Slack receives.
func TestSlackHostileText(t *testing.T) {
	const z = "\u200b"
	field := func(w slackWire, name string) string {
		for _, b := range w.Blocks {
			for _, f := range b.Fields {
				if strings.HasPrefix(f.Text, "*"+name+"*\n") {
					return f.Text
				}
			}
		}
		return "<no field " + name + ">"
	}
	cases := []struct {
		name   string
		change func(g *group.Group)
		part   func(w slackWire) string
		want   string
	}{
		{"special mentions in the title reach the fallback text escaped",
			func(g *group.Group) { g.Title = "<!channel> <!here> <@U123> <#C1> @channel" },
			func(w slackWire) string { return w.Text },
			"New error in checkout: &lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; &lt;#C1&gt; @" + z + "channel"},
		{"the header is plain text",
			func(g *group.Group) { g.Title = "<!channel> *b*" },
			func(w slackWire) string { return w.Blocks[0].Text.Type + ":" + w.Blocks[0].Text.Text },
			"plain_text:New error in checkout: <!channel> *b*"},
		{"mrkdwn link in the title",
			func(g *group.Group) { g.Title = "<https://evil.example|Reset your password>" },
			func(w slackWire) string { return w.Text },
			"New error in checkout: &lt;https:" + z + "//evil.example|Reset your password&gt;"},
		{"the message is plain text, its URLs and broadcasts broken",
			func(g *group.Group) { g.Message = "@here log in at https://evil.example <!here>" },
			func(w slackWire) string { return w.Blocks[1].Text.Type + ":" + w.Blocks[1].Text.Text },
			"plain_text:@" + z + "here log in at https:" + z + "//evil.example <!here>"},
		{"formatting and mentions in the service name",
			func(g *group.Group) { g.Service.Name = "*pay* _x_ <!here|y> `z`" },
			func(w slackWire) string { return field(w, "Service") },
			"*Service*\n`*pay* _x_ &lt;!here|y&gt; 'z'`"},
		{"code span injection in the exception type",
			func(g *group.Group) { g.Error.Type = "a`<@U1>`b" },
			func(w slackWire) string { return field(w, "Exception") },
			"*Exception*\n`a'&lt;@U1&gt;'b`"},
		{"direction override in the stack trace",
			func(g *group.Group) { g.Sample.StackTrace = "at a.B(\u202eavaj.B)" },
			func(w slackWire) string { return w.Blocks[2].Text.Text },
			"```\nat a.B(\ufffdavaj.B)\n```"},
		{"fence injection in the stack trace",
			func(g *group.Group) { g.Sample.StackTrace = "x\n```\n<!channel> <http://a|b>\n``````" },
			func(w slackWire) string { return w.Blocks[2].Text.Text },
			"```\nx\n`" + z + "`" + z + "`\n&lt;!channel&gt; &lt;http://a|b&gt;\n`" + z + "`" + z + "`" + z + "`" + z + "`" + z + "`\n```"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := sampleGroup()
			tc.change(&g)
			got := postToSlack(t, Alert{Kind: group.KindNew, Group: g, Occurrences: 1})
			if s := tc.part(got); s != tc.want {
				t.Errorf("got  %q\nwant %q", s, tc.want)
			}
		})
	}
}

// The webhook body is JSON for programs: event text arrives exactly as the
// event had it (receivers are told it is untrusted), and the encoding
// leaves no raw markup characters for a receiver that pastes it into HTML.
func TestWebhookHostileText(t *testing.T) {
	hostile := "<script>alert(1)</script> @everyone <!channel> [x](https://evil.example) ``` & \u2028"
	inbox, url := testenv.NewInbox(t)
	g := sampleGroup()
	g.Title, g.Message, g.Service.Name, g.Sample.StackTrace = hostile, hostile, hostile, hostile
	w := &Webhook{URL: url, Client: &http.Client{}}
	if _, err := w.Notify(context.Background(), Alert{Kind: group.KindNew, Group: g}); err != nil {
		t.Fatal(err)
	}
	raw := inbox.Requests()[0].Body
	if bytes.ContainsAny(raw, "<>&\u2028") {
		t.Errorf("body carries raw markup characters: %s", raw)
	}
	var body webhookBody
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatal(err)
	}
	got := body.Group
	if got.Title != hostile || got.Message != hostile || got.Service.Name != hostile || got.Sample.StackTrace != hostile {
		t.Errorf("event text changed on the way: %+v", got)
	}
}

// Escaping makes hostile text longer (up to twice, plus zero-width spaces);
// the embed must still fit Discord's limits, or Discord refuses it whole.
func TestDiscordHostileTextWithinLimits(t *testing.T) {
	g := sampleGroup()
	g.Title = strings.Repeat("*<@1>", 300)
	g.Message = strings.Repeat("[x](https://e) @everyone\n", 400)
	g.Service.Name = strings.Repeat("_", 2000)
	g.Service.Environment = strings.Repeat("|", 2000)
	g.Error.Type = strings.Repeat("`", 2000)
	g.Culprit = strings.Repeat("~", 2000)
	g.Fingerprint = strings.Repeat("\\", 2000)
	g.Sample.StackTrace = strings.Repeat(strings.Repeat("`", 400)+"\n", 8)
	_, m := postToDiscord(t, Alert{Kind: group.KindRepeat, Group: g, Occurrences: 5, Since: time.Minute})
	e := m.Embeds[0]
	checkDiscordLimits(t, e)
	if !strings.HasPrefix(e.Description, "+5 occurrences") {
		t.Errorf("description %.40q lost its start", e.Description)
	}
}
