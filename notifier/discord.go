package notifier

import (
	"cmp"
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

// Discord's documented webhook limits.
const (
	discordTitleMax       = 256
	discordDescriptionMax = 4096
	discordFieldValueMax  = 1024
	discordEmbedTotalMax  = 6000
)

// Discord posts to a Discord webhook.
type Discord struct {
	URL    string
	Client *http.Client
}

type discordMessage struct {
	Username string         `json:"username,omitempty"`
	Embeds   []discordEmbed `json:"embeds"`
	// AllowedMentions with an empty parse list stops every ping, whatever
	// the text holds.
	AllowedMentions discordAllowedMentions `json:"allowed_mentions"`
}

type discordAllowedMentions struct {
	Parse []string `json:"parse"`
}

type discordEmbed struct {
	Title       string         `json:"title"`
	Description string         `json:"description,omitempty"`
	URL         string         `json:"url,omitempty"`
	Color       int            `json:"color"`
	Fields      []discordField `json:"fields,omitempty"`
	Timestamp   string         `json:"timestamp,omitempty"`
}

type discordField struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Inline bool   `json:"inline,omitempty"`
}

// Notify posts one embed; postJSON decides what may be retried.
func (d *Discord) Notify(ctx context.Context, a Alert) (bool, error) {
	body, err := json.Marshal(discordPayload(a))
	if err != nil {
		return false, fmt.Errorf("discord: encode: %w", err)
	}
	return postJSON(ctx, d.Client, "discord", d.URL, body, nil)
}

var kindColor = map[group.Kind]int{
	group.KindNew: 0xE74C3C, group.KindRegression: 0xE67E22, group.KindRepeat: 0xF1C40F,
	group.KindStorm: 0x8E44AD, group.KindThreshold: 0xD35400, group.KindFlatline: 0x95A5A6, group.KindRecovered: 0x2ECC71, group.KindPipeline: 0xC0392B,
}

// discordPayload builds the embed; every text that came from an event goes
// through discordText, discordCode or discordCodeSpan (untrusted.go).
func discordPayload(a Alert) discordMessage {
	if a.Kind == group.KindStorm && a.StormPage != nil {
		return discordStormPayload(*a.StormPage)
	}
	g := a.Group
	title := fmt.Sprintf("%s in %s: %s", alertHeading(a.Kind), discordText(g.Service.Name), discordText(g.Title))
	var desc strings.Builder
	if a.Kind == group.KindRepeat {
		desc.WriteString(digestLine(a) + "\n")
	}
	desc.WriteString(discordText(g.Message))
	if st := stackHead(g.Sample.StackTrace, 8); st != "" {
		desc.WriteString("\n```\n" + truncateRunes(discordCode(st), 1500) + "\n```")
	}
	env := "-"
	if g.Service.Environment != "" {
		env = discordText(g.Service.Environment)
	}
	fields := []discordField{
		{Name: "Service", Value: discordText(g.Service.Name), Inline: true},
		{Name: "Environment", Value: env, Inline: true},
		{Name: "Count", Value: strconv.FormatInt(g.Count, 10), Inline: true},
	}
	if g.Error.Type != "" {
		fields = append(fields, discordField{Name: "Exception", Value: discordCodeSpan(g.Error.Type)})
	}
	if g.Culprit != "" {
		fields = append(fields, discordField{Name: "Top in-app frame", Value: discordCodeSpan(g.Culprit)})
	}
	fields = append(fields,
		discordField{Name: "First seen", Value: g.FirstSeen.UTC().Format(time.RFC3339), Inline: true},
		discordField{Name: "Last seen", Value: g.LastSeen.UTC().Format(time.RFC3339), Inline: true},
		discordField{Name: "Fingerprint", Value: discordText(g.Fingerprint), Inline: true},
	)
	links := alertLinks(a, discordLink)
	e := discordEmbed{
		Title:       truncateRunes(title, discordTitleMax),
		URL:         cmp.Or(a.Page, a.Link),
		Color:       kindColor[a.Kind],
		Description: truncateRunes(desc.String(), discordDescriptionMax-linksRoom(links)),
		Timestamp:   g.LastSeen.UTC().Format(time.RFC3339),
	}
	for _, f := range fields {
		f.Value = truncateRunes(f.Value, discordFieldValueMax)
		e.Fields = append(e.Fields, f)
	}
	// All embeds together must stay under 6000 characters; the description
	// is the part that can give way, all but its links.
	if over := embedLength(e) + linksRoom(links) - discordEmbedTotalMax; over > 0 {
		e.Description = truncateRunes(e.Description, max(0, utf8.RuneCountInString(e.Description)-over-1))
	}
	if links != "" {
		e.Description += "\n" + links
	}
	return discordMessage{Username: "faultline", Embeds: []discordEmbed{e}, AllowedMentions: discordAllowedMentions{Parse: []string{}}}
}

// Storm lines: a service name longer than this is cut, so one line stays
// one line.
const stormServiceMax = 40

func discordStormLine(g StormGroup) string {
	count, service, title := stormLine(g)
	return count + " " + discordText(truncateRunes(service, stormServiceMax)) + ": " + discordText(title)
}

// discordLink is a masked link; the URL's parentheses (Kibana's rison has
// them) are percent-encoded, or the first ")" would end the link.
func discordLink(text, u string) string {
	return "[" + text + "](" + strings.NewReplacer("(", "%28", ")", "%29", " ", "%20").Replace(u) + ")"
}

// stormLayout: one embed per message, its description holding the lines;
// room is kept for the closing "+N more" line with its link.
func (d *Discord) stormLayout(link string) stormLayout {
	reserve := runes(moreLine(stormPage{More: 999999, Total: 999999, Link: link}, discordLink)) + 1
	return stormLayout{
		budget:   discordDescriptionMax - reserve,
		maxPages: 3,
		cost:     func(g StormGroup) int { return runes(discordStormLine(g)) + 1 },
	}
}

func discordStormPayload(p stormPage) discordMessage {
	var desc strings.Builder
	for _, g := range p.Groups {
		desc.WriteString(discordStormLine(g) + "\n")
	}
	if p.Index == p.Of {
		desc.WriteString(moreLine(p, discordLink))
	}
	e := discordEmbed{
		Title:       truncateRunes(stormTitle(p), discordTitleMax),
		URL:         p.Link,
		Color:       kindColor[group.KindStorm],
		Description: truncateRunes(strings.TrimRight(desc.String(), "\n"), discordDescriptionMax),
	}
	return discordMessage{Username: "faultline", Embeds: []discordEmbed{e}, AllowedMentions: discordAllowedMentions{Parse: []string{}}}
}

func embedLength(e discordEmbed) int {
	n := utf8.RuneCountInString(e.Title) + utf8.RuneCountInString(e.Description)
	for _, f := range e.Fields {
		n += utf8.RuneCountInString(f.Name) + utf8.RuneCountInString(f.Value)
	}
	return n
}
