package notifier

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/faultline/faultline/internal/config"
	"github.com/faultline/faultline/internal/group"
	"github.com/faultline/faultline/internal/testenv"
)

// slackWire is what Slack accepts, written independently of the notifier's
// own types so that a field renamed there fails here.
type slackWire struct {
	Text   string `json:"text"`
	Blocks []struct {
		Type string `json:"type"`
		Text *struct {
			Type  string `json:"type"`
			Text  string `json:"text"`
			Emoji bool   `json:"emoji"`
		} `json:"text"`
		Fields []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"fields"`
	} `json:"blocks"`
}

// postToSlack sends a through a receiver that decodes strictly and returns
// what it got.
func postToSlack(t *testing.T, a Alert) slackWire {
	t.Helper()
	inbox := newSlackInbox()
	url := inbox.Serve(t)
	s := &Slack{URL: url + "/services/T0/B0/tok", Client: &http.Client{}}
	if retry, err := s.Notify(context.Background(), a); err != nil || retry {
		t.Fatalf("Notify: retry=%v err=%v", retry, err)
	}
	if r := inbox.Requests()[0]; r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("%s with %q", r.Method, r.Header.Get("Content-Type"))
	}
	got := inbox.all()[0]
	return got
}

func TestSlackPayload(t *testing.T) {
	g := sampleGroup()
	g.Message = "Order <o-1> & co failed"
	got := postToSlack(t, Alert{Kind: group.KindNew, Group: g, Occurrences: 1, Link: "https://kibana.example/app/discover#/?a=1&b=(x|y)"})

	if got.Text != "New error in checkout: IllegalStateException: Payment declined" {
		t.Errorf("fallback text = %q", got.Text)
	}
	var types []string
	for _, b := range got.Blocks {
		types = append(types, b.Type)
	}
	if strings.Join(types, ",") != "header,section,section,section,section" {
		t.Fatalf("blocks = %v", types)
	}
	h := got.Blocks[0].Text
	if h == nil || h.Type != "plain_text" || h.Text != "New error in checkout: IllegalStateException: Payment declined" || !h.Emoji {
		t.Errorf("header = %+v", h)
	}
	// The message is plain text: shown as written, so not escaped.
	if m := got.Blocks[1].Text; m == nil || m.Type != "plain_text" || m.Text != "Order <o-1> & co failed" {
		t.Errorf("message = %+v", m)
	}
	if st := got.Blocks[2].Text; st == nil || st.Type != "mrkdwn" ||
		st.Text != "```\njava.lang.IllegalStateException: Payment declined\n\tat com.acme.PaymentClient.post(PaymentClient.java:61)\n```" {
		t.Errorf("stack = %+v", st)
	}
	var fields []string
	for _, f := range got.Blocks[3].Fields {
		if f.Type != "mrkdwn" {
			t.Errorf("field type %q", f.Type)
		}
		fields = append(fields, f.Text)
	}
	unix := "1795568523" // 2026-11-25T01:02:03Z
	want := []string{
		"*Service*\n`checkout`",
		"*Environment*\n`prod`",
		"*Count*\n3",
		"*Exception*\n`java.lang.IllegalStateException`",
		"*Top in-app frame*\n`com.acme.PaymentClient.post`",
		"*First seen*\n<!date^" + unix + "^{date_short_pretty} {time_secs}|2026-11-25T01:02:03Z>",
		"*Last seen*\n<!date^" + unix + "^{date_short_pretty} {time_secs}|2026-11-25T01:02:03Z>",
		"*Fingerprint*\n`abc123`",
	}
	if strings.Join(fields, "|") != strings.Join(want, "|") {
		t.Errorf("fields =\n%q\nwant\n%q", fields, want)
	}
	if l := got.Blocks[4].Text; l == nil || l.Type != "mrkdwn" || l.Text != "<https://kibana.example/app/discover#/?a=1&amp;b=(x%7Cy)|View events in Kibana>" {
		t.Errorf("link = %+v", l)
	}
}

func TestSlackRepeatAndNoLink(t *testing.T) {
	g := sampleGroup()
	g.Sample.StackTrace = ""
	g.Service.Environment = ""
	got := postToSlack(t, Alert{Kind: group.KindRepeat, Group: g, Occurrences: 7})
	if len(got.Blocks) != 3 {
		t.Fatalf("want header, message, fields; got %d blocks", len(got.Blocks))
	}
	if got.Blocks[0].Text.Text != "Still happening in checkout: IllegalStateException: Payment declined" {
		t.Errorf("header = %q", got.Blocks[0].Text.Text)
	}
	if got.Blocks[1].Text.Text != "+7 occurrences since the last message\nOrder o-1 failed" {
		t.Errorf("message = %q", got.Blocks[1].Text.Text)
	}
	if got.Blocks[2].Fields[1].Text != "*Environment*\n-" {
		t.Errorf("empty environment = %q", got.Blocks[2].Fields[1].Text)
	}
}

func TestSlackLimits(t *testing.T) {
	g := sampleGroup()
	g.Title = strings.Repeat("T", 1000)
	g.Message = strings.Repeat("é", 10000)
	g.Culprit = strings.Repeat("c", 5000)
	g.Fingerprint = strings.Repeat("<", 3000)
	g.Error.Type = strings.Repeat("&", 3000)
	g.Service.Name = strings.Repeat("s", 3000)
	// Eight lines of 2000 '<' escape to 32 000 characters.
	g.Sample.StackTrace = strings.Repeat(strings.Repeat("<", 2000)+"\n", 20)
	got := postToSlack(t, Alert{Kind: group.KindRepeat, Group: g, Occurrences: 5, Link: "https://k/" + strings.Repeat("x", 4000)})

	if len(got.Blocks) > 50 {
		t.Errorf("%d blocks", len(got.Blocks))
	}
	if n := utf8.RuneCountInString(got.Text); n > 3000 || !strings.HasSuffix(got.Text, "…") {
		t.Errorf("fallback text %d chars", n)
	}
	entity := regexp.MustCompile(`&(amp|lt|gt);`)
	for i, b := range got.Blocks {
		if b.Text != nil {
			n := utf8.RuneCountInString(b.Text.Text)
			limit := 3000
			if b.Type == "header" {
				limit = 150
			}
			if n > limit || n == 0 {
				t.Errorf("block %d (%s): %d chars, limit %d", i, b.Type, n, limit)
			}
			if strings.Contains(b.Text.Text, "x") {
				t.Errorf("block %d: a link over the limit must be left out, not cut", i)
			}
			if b.Text.Type == "mrkdwn" && strings.Contains(entity.ReplaceAllString(b.Text.Text, ""), "&") {
				t.Errorf("block %d: an entity was cut in half", i)
			}
		}
		if len(b.Fields) > 10 {
			t.Errorf("block %d: %d fields", i, len(b.Fields))
		}
		for _, f := range b.Fields {
			if n := utf8.RuneCountInString(f.Text); n > 2000 {
				t.Errorf("field %.20q: %d chars", f.Text, n)
			}
			if strings.Contains(entity.ReplaceAllString(f.Text, ""), "&") || strings.ContainsAny(f.Text, "<>") && !strings.Contains(f.Text, "<!date^") {
				t.Errorf("field %.20q is not escaped whole", f.Text)
			}
		}
	}
	if msg := got.Blocks[1].Text.Text; !strings.HasPrefix(msg, "+5 occurrences") || !strings.HasSuffix(msg, "é…") || utf8.RuneCountInString(msg) != 3000 {
		t.Errorf("message not cut to the limit: %d chars", utf8.RuneCountInString(msg))
	}
	if st := got.Blocks[2].Text.Text; !strings.HasPrefix(st, "```\n&lt;") || !strings.HasSuffix(st, "&lt;…\n```") {
		t.Errorf("stack block does not keep its fences: %.20q…%q", st, st[len(st)-20:])
	}
}

func TestEscapeMrkdwn(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"a<b>&c", 100, "a&lt;b&gt;&amp;c"},
		{"a<b>&c", 16, "a&lt;b&gt;&amp;c"},
		{"a<b>&c", 15, "a&lt;b&gt;…"},
		{"<<<", 5, "&lt;…"},
		{"<<<", 4, "…"},
		{"héllo", 3, "hé…"},
		{"x", 0, ""},
		{"", 10, ""},
	} {
		if got := escapeMrkdwn(tc.in, tc.n); got != tc.want {
			t.Errorf("escapeMrkdwn(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestSlackErrors(t *testing.T) {
	cases := []struct {
		status     int
		retryAfter string
		retry      bool
		wait       time.Duration
	}{
		{429, "7", true, 7 * time.Second},
		{429, "", true, time.Second},
		{500, "", true, 0},
		{503, "", true, 0},
		{400, "", false, 0},
		{404, "", false, 0},
	}
	for _, tc := range cases {
		inbox, url := testenv.NewInbox(t)
		// Slack answers in plain text; a receiver that echoes the path must not leak the token.
		inbox.Script(testenv.Answer{Status: tc.status, RetryAfter: tc.retryAfter, Body: "invalid_blocks /services/T0/B0/tok-en-secret"})
		s := &Slack{URL: url + "/services/T0/B0/tok-en-secret", Client: &http.Client{}}
		retry, err := s.Notify(context.Background(), Alert{Kind: group.KindNew, Group: sampleGroup()})
		if err == nil || retry != tc.retry {
			t.Errorf("%d: retry=%v err=%v", tc.status, retry, err)
			continue
		}
		var ra *RetryAfterError
		if tc.wait > 0 && (!errors.As(err, &ra) || ra.After != tc.wait) {
			t.Errorf("%d: want RetryAfterError of %s, got %#v", tc.status, tc.wait, err)
		}
		if tc.wait == 0 && errors.As(err, &ra) {
			t.Errorf("%d: unexpected RetryAfterError", tc.status)
		}
		if strings.Contains(err.Error(), "tok-en-secret") {
			t.Errorf("%d: error leaks the webhook token: %v", tc.status, err)
		}
		if tc.status == 400 && !strings.Contains(err.Error(), "invalid_blocks") {
			t.Errorf("400 should say why: %v", err)
		}
	}
}

func TestSlackTokenNeverInErrors(t *testing.T) {
	a := Alert{Kind: group.KindNew, Group: sampleGroup()}
	// Unreachable receiver: a transport error, retryable.
	s := &Slack{URL: "http://127.0.0.1:1/services/T0/B0/tok-en-secret", Client: &http.Client{Timeout: time.Second}}
	retry, err := s.Notify(context.Background(), a)
	if !retry || err == nil || strings.Contains(err.Error(), "tok-en-secret") {
		t.Errorf("unreachable: retry=%v err=%v", retry, err)
	}
	// A URL that does not parse: final, and not quoted back.
	s = &Slack{URL: "http://h/services/tok-en-secret\x7f", Client: http.DefaultClient}
	retry, err = s.Notify(context.Background(), a)
	if retry || err == nil || strings.Contains(err.Error(), "tok-en-secret") {
		t.Errorf("bad url: retry=%v err=%v", retry, err)
	}
}

func TestNewSlack(t *testing.T) {
	n, err := New(config.Channel{Name: "ops", Type: "slack", URL: "https://hooks.slack.example/services/x"}, http.DefaultClient)
	if s, ok := n.(*Slack); err != nil || !ok || s.URL != "https://hooks.slack.example/services/x" || s.Client != http.DefaultClient {
		t.Errorf("New(slack) = %#v, %v", n, err)
	}
}
