package redact

import (
	"net"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// Placeholders for what Addresses takes out; free of markup
// characters, so every channel shows them as they are.
const (
	urlPlaceholder     = "(url)"
	hostPlaceholder    = "(host)"
	addressPlaceholder = "(address)"
)

var (
	anyURL      = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s"'<>` + "`" + `]+`)
	dnsLookup   = regexp.MustCompile(`\blookup [^\s:"'()]+`)
	addressLike = regexp.MustCompile(`[^\s"'()<>,;=]+`)
)

// Addresses takes internal addresses and credentials out of an error
// text before it goes into a chat message, where everyone in the channel
// reads it: URLs (with any user:password in them), host:port pairs, IP
// addresses, user@host and the name of a failed DNS lookup become
// placeholders. What failed and why stays ("dial tcp (address): connect:
// connection refused"); the full error is in faultline's own log.
func Addresses(s string) string {
	s = anyURL.ReplaceAllString(s, urlPlaceholder)
	s = dnsLookup.ReplaceAllString(s, "lookup "+hostPlaceholder)
	return addressLike.ReplaceAllStringFunc(s, func(tok string) string {
		// "10.1.2.3:9200:" ends a clause and "a:1->b:2" joins two
		// addresses; neither the colon nor the arrow is part of them.
		core := strings.TrimRight(tok, ":.-")
		if isAddress(core) {
			return addressPlaceholder + tok[len(core):]
		}
		return tok
	})
}

// isAddress tells whether a token names a machine: an IP address, a
// host:port, or user@host.
func isAddress(s string) bool {
	if at := strings.LastIndexByte(s, '@'); at > 0 && at < len(s)-1 {
		return true
	}
	if net.ParseIP(strings.Trim(s, "[]")) != nil {
		return true
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil || host == "" {
		return false
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return false
	}
	// A clock time (01:02) is not a host:port; a name needs a letter.
	return net.ParseIP(host) != nil || strings.ContainsFunc(host, unicode.IsLetter)
}
