package notifier

import (
	"strings"
)

// Everything in an alert that came from an event (titles, messages, error
// types, service and logger names, labels, stack traces) was written by
// whoever could send events, so it is shown as text and never acted on:
// it cannot ping anyone, hide a link behind friendly words, close the code
// block it sits in or restyle the message around it. Each chat channel
// applies the rules of its own markup; the helpers below are the pieces
// they share.

const (
	// zwsp (zero-width space) splits a token that a chat client would act
	// on (a mention, a code fence, a URL) without changing what a reader sees.
	zwsp = "\u200b"
)

// breakFences keeps any run of backticks in s from closing the code block
// that s is put in: a zero-width space goes between every two adjacent
// backticks, so no two touch and no fence (```) can form, whatever s holds.
func breakFences(s string) string {
	if !strings.Contains(s, "``") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/2)
	prevTick := false
	for _, r := range s {
		if r == '`' && prevTick {
			b.WriteString(zwsp)
		}
		b.WriteRune(r)
		prevTick = r == '`'
	}
	return b.String()
}

// codeSpanText makes s safe inside a single-backtick code span, which the
// first backtick in s would otherwise end.
func codeSpanText(s string) string {
	return strings.ReplaceAll(s, "`", "'")
}

// defangURLs keeps chat clients from turning a URL in event text into a
// clickable link (or, on Discord, a preview): a zero-width space after the
// scheme's colon leaves the text readable but no longer a URL. Links that
// faultline adds itself (Kibana) are not passed through here.
func defangURLs(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	return strings.ReplaceAll(s, "://", ":"+zwsp+"//")
}

// inertText splits the plain-text group mentions that chat clients (and
// Slack's link_names) turn into a ping of everyone in the channel, and shows
// Unicode direction overrides as U+FFFD: they would make the rest of a line
// read in another order than it was written (a file name or a URL that says
// something else than it is).
func inertText(s string) string {
	return inertReplacer.Replace(s)
}

var inertReplacer = strings.NewReplacer(
	"@everyone", "@"+zwsp+"everyone",
	"@here", "@"+zwsp+"here",
	"@channel", "@"+zwsp+"channel",
	// Embeddings, overrides and isolates, and the pops that end them.
	"\u202a", "\ufffd", "\u202b", "\ufffd", "\u202c", "\ufffd", "\u202d", "\ufffd", "\u202e", "\ufffd",
	"\u2066", "\ufffd", "\u2067", "\ufffd", "\u2068", "\ufffd", "\u2069", "\ufffd",
)

// discordText shows s as written in Discord markdown (embed titles,
// descriptions and field values): markdown characters are escaped with a
// backslash, which also breaks masked links ([text](url)); a '<' is split
// from what follows, so <@id>, <@&id>, <#id>, </cmd:id> and <t:…> stay text
// even where allowed_mentions would not stop them; and quote, heading and
// list markers at the start of a line are escaped.
func discordText(s string) string {
	s = defangURLs(inertText(s))
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	lineStart := true
	for _, r := range s {
		switch {
		case strings.ContainsRune(discordMarkdown, r),
			lineStart && strings.ContainsRune(discordLineMarkers, r):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '<':
			b.WriteString("<" + zwsp)
		default:
			b.WriteRune(r)
		}
		switch r {
		case '\n':
			lineStart = true
		case ' ', '\t':
		default:
			lineStart = false
		}
	}
	return b.String()
}

const (
	// discordMarkdown are the characters that format text anywhere in a
	// line: emphasis, strike-through, code, spoilers, masked links.
	discordMarkdown = "\\*_~`|[]"
	// discordLineMarkers format a line when they start it: quotes,
	// headings and subtext, lists.
	discordLineMarkers = ">#-"
)

// discordCode makes s safe inside a Discord code block: nothing is parsed
// there but the fence that would end it.
func discordCode(s string) string {
	return breakFences(inertText(s))
}

// discordCodeSpan is s as inline code: one backtick in s would end the span.
func discordCodeSpan(s string) string {
	return "`" + codeSpanText(inertText(s)) + "`"
}
