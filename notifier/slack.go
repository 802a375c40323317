package notifier

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/faultline/faultline/internal/group"
)

// Slack's documented Block Kit limits, in characters. Slack refuses the whole
// message when one is exceeded, so every text is cut to fit.
const (
	slackHeaderMax   = 150
	slackTextMax     = 3000 // section text
	slackFieldMax    = 2000 // one section field
	slackFieldsMax   = 10   // fields per section
	slackBlocksMax   = 50
	slackFallbackMax = 3000 // top-level text: Slack takes more, but it is only the notification preview
)

// Slack posts to a Slack incoming webhook.
type Slack struct {
	URL    string
	Client *http.Client
}

type slackMessage struct {
	// Text is what notifications and screen readers show instead of the blocks.
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks"`
}

type slackBlock struct {
	Type   string      `json:"type"`
	Text   *slackText  `json:"text,omitempty"`
	Fields []slackText `json:"fields,omitempty"`
}

type slackText struct {
	Type  string `json:"type"` // plain_text or mrkdwn
	Text  string `json:"text"`
	Emoji bool   `json:"emoji,omitempty"`
}

// Notify posts one Block Kit message. 429 (with Retry-After), 5xx and
// transport errors are retryable; other 4xx such as invalid_blocks or an
// archived channel are not.
func (s *Slack) Notify(ctx context.Context, a Alert) (bool, error) {
	body, err := json.Marshal(slackPayload(a))
	if err != nil {
		return false, fmt.Errorf("slack: encode: %w", err)
	}
	return postJSON(ctx, s.Client, "slack", s.URL, body, nil)
}

func slackPayload(a Alert) slackMessage {
	if a.Kind == group.KindStorm && a.StormPage != nil {
		return slackStormPayload(*a.StormPage)
	}
	g := a.Group
	title := fmt.Sprintf("%s in %s: %s", alertHeading(a.Kind), slackSafe(g.Service.Name), slackSafe(g.Title))
	blocks := []slackBlock{{
		Type: "header",
		Text: &slackText{Type: "plain_text", Text: truncateRunes(title, slackHeaderMax), Emoji: true},
	}}

	// The log message goes out as plain_text so that stars, underscores and
	// angle brackets in it are shown as written, not as formatting.
	var msg strings.Builder
	if a.Kind == group.KindRepeat {
		msg.WriteString(digestLine(a) + "\n")
	}
	msg.WriteString(slackSafe(g.Message))
	if m := strings.TrimSpace(msg.String()); m != "" {
		blocks = append(blocks, slackBlock{Type: "section", Text: &slackText{Type: "plain_text", Text: truncateRunes(m, slackTextMax)}})
	}
	if st := stackHead(g.Sample.StackTrace, 8); strings.TrimSpace(st) != "" {
		// A ``` inside the trace would close the code block early.
		st = breakFences(inertText(st))
		const fence = "```\n"
		code := fence + escapeMrkdwn(st, slackTextMax-2*utf8.RuneCountInString(fence)) + "\n```"
		blocks = append(blocks, slackBlock{Type: "section", Text: &slackText{Type: "mrkdwn", Text: code}})
	}

	// Values from events are code spans: mrkdwn has no escape for its
	// emphasis characters, and inside code they are shown as written.
	fields := []slackText{
		slackField("Service", g.Service.Name, true),
		slackField("Environment", g.Service.Environment, true),
		slackField("Count", strconv.FormatInt(g.Count, 10), false),
	}
	if g.Error.Type != "" {
		fields = append(fields, slackField("Exception", g.Error.Type, true))
	}
	if g.Culprit != "" {
		fields = append(fields, slackField("Top in-app frame", g.Culprit, true))
	}
	fields = append(fields,
		slackDateField("First seen", g.FirstSeen),
		slackDateField("Last seen", g.LastSeen),
		slackField("Fingerprint", g.Fingerprint, true),
	)
	for len(fields) > 0 {
		n := min(len(fields), slackFieldsMax)
		blocks = append(blocks, slackBlock{Type: "section", Fields: fields[:n]})
		fields = fields[n:]
	}

	// A link rather than a URL button: a button in an incoming-webhook message
	// shows an error mark when clicked unless the Slack app has interactivity
	// set up. A URL cut short would lead nowhere, so a too long one is left out.
	if links := alertLinks(a, slackLink); links != "" {
		if utf8.RuneCountInString(links) <= slackTextMax {
			blocks = append(blocks, slackBlock{Type: "section", Text: &slackText{Type: "mrkdwn", Text: links}})
		}
	} else if a.Link != "" {
		link := "<" + slackLinkURL(a.Link) + "|View events in Kibana>"
		if utf8.RuneCountInString(link) <= slackTextMax {
			blocks = append(blocks, slackBlock{Type: "section", Text: &slackText{Type: "mrkdwn", Text: link}})
		}
	}
	if len(blocks) > slackBlocksMax {
		blocks = blocks[:slackBlocksMax]
	}
	return slackMessage{Text: escapeMrkdwn(title, slackFallbackMax), Blocks: blocks}
}

// slackStormLine is plain_text: shown as written, no escaping needed.
func slackStormLine(g StormGroup) string {
	count, service, title := stormLine(g)
	return count + " " + slackSafe(truncateRunes(service, stormServiceMax)) + ": " + slackSafe(title)
}

func slackLink(text, u string) string { return "<" + slackLinkURL(u) + "|" + text + ">" }

// stormLayout: the lines of one message are one plain_text section.
func (s *Slack) stormLayout(string) stormLayout {
	return stormLayout{
		budget:   slackTextMax,
		maxPages: 3,
		cost:     func(g StormGroup) int { return runes(slackStormLine(g)) + 1 },
	}
}

func slackStormPayload(p stormPage) slackMessage {
	title := stormTitle(p)
	blocks := []slackBlock{{Type: "header", Text: &slackText{Type: "plain_text", Text: truncateRunes(title, slackHeaderMax), Emoji: true}}}
	var lines strings.Builder
	for _, g := range p.Groups {
		lines.WriteString(slackStormLine(g) + "\n")
	}
	if l := strings.TrimRight(lines.String(), "\n"); l != "" {
		blocks = append(blocks, slackBlock{Type: "section", Text: &slackText{Type: "plain_text", Text: truncateRunes(l, slackTextMax)}})
	}
	if more := moreLine(p, slackLink); p.Index == p.Of && more != "" {
		blocks = append(blocks, slackBlock{Type: "section", Text: &slackText{Type: "mrkdwn", Text: more}})
	}
	return slackMessage{Text: escapeMrkdwn(title, slackFallbackMax), Blocks: blocks}
}

// slackField is one "*Name*\nvalue" field; code values are shown monospace.
func slackField(name, value string, code bool) slackText {
	if value == "" {
		value = "-"
		code = false
	}
	prefix, suffix := "*"+name+"*\n", ""
	value = slackSafe(value)
	if code {
		prefix, suffix = prefix+"`", "`"
		value = codeSpanText(value)
	}
	budget := slackFieldMax - utf8.RuneCountInString(prefix) - utf8.RuneCountInString(suffix)
	return slackText{Type: "mrkdwn", Text: prefix + escapeMrkdwn(value, budget) + suffix}
}

// slackDateField lets Slack show the time in each reader's own time zone,
// with the UTC RFC 3339 form where the client cannot.
func slackDateField(name string, t time.Time) slackText {
	if t.IsZero() {
		return slackField(name, "", false)
	}
	utc := t.UTC().Format(time.RFC3339)
	return slackText{Type: "mrkdwn", Text: fmt.Sprintf("*%s*\n<!date^%d^{date_short_pretty} {time_secs}|%s>", name, t.Unix(), utc)}
}

// slackSafe keeps event text from becoming a link or a broadcast mention
// in Slack, in plain_text as in mrkdwn; mrkdwn needs escapeMrkdwn as well,
// which makes <!channel>, <!here>, <@U…> and <url|text> plain text.
func slackSafe(s string) string {
	return defangURLs(inertText(s))
}

// escapeMrkdwn escapes the three characters Slack reserves and cuts the
// result to n characters without splitting an entity, ending with an
// ellipsis when cut.
func escapeMrkdwn(s string, n int) string {
	if n <= 0 {
		return ""
	}
	var b strings.Builder
	used := 0
	for i, r := range s {
		piece := string(r)
		switch r {
		case '&':
			piece = "&amp;"
		case '<':
			piece = "&lt;"
		case '>':
			piece = "&gt;"
		}
		size := utf8.RuneCountInString(piece)
		// Keep room for the ellipsis unless everything left fits.
		if used+size > n-1 && !fitsEscaped(s[i:], n-used) {
			b.WriteString("…")
			return b.String()
		}
		b.WriteString(piece)
		used += size
	}
	return b.String()
}

// fitsEscaped tells whether the rest of s, once escaped, fits in room.
func fitsEscaped(s string, room int) bool {
	n := utf8.RuneCountInString(s) + 4*strings.Count(s, "&") + 3*strings.Count(s, "<") + 3*strings.Count(s, ">")
	return n <= room
}

// slackLinkURL makes a URL safe inside <url|text>: '|' and '>' would end it.
func slackLinkURL(u string) string {
	return strings.NewReplacer("&", "&amp;", "<", "%3C", ">", "%3E", "|", "%7C").Replace(u)
}
