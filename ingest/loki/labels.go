package loki

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// parseLabels reads a stream's label set as the protobuf form carries it,
// in Prometheus's text form: {name="value", …}, values quoted with Go's
// escapes (or in backquotes). Names are taken as written, whatever their
// characters, except the ones that delimit.
func parseLabels(s string) ([]label, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "{") || !strings.HasSuffix(s, "}") {
		return nil, fmt.Errorf("labels %s are not in braces", clip(s))
	}
	s = strings.TrimSpace(s[1 : len(s)-1])
	var out []label
	for s != "" {
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			return nil, fmt.Errorf("label %s has no value", clip(s))
		}
		name := strings.TrimSpace(s[:eq])
		if name == "" || strings.ContainsAny(name, "{},\"`") {
			return nil, fmt.Errorf("label name %s is not a name", clip(name))
		}
		rest := strings.TrimLeft(s[eq+1:], " \t")
		n, err := quotedLen(rest)
		if err != nil {
			return nil, fmt.Errorf("label %s: %w", clip(name), err)
		}
		value, err := strconv.Unquote(rest[:n])
		if err != nil {
			return nil, fmt.Errorf("label %s: value %s: %w", clip(name), clip(rest[:n]), err)
		}
		out = append(out, label{name, value})
		s = strings.TrimLeft(rest[n:], " \t")
		if s == "" {
			break
		}
		if s[0] != ',' {
			return nil, fmt.Errorf("label %s: expected a comma after its value, found %s", clip(name), clip(s))
		}
		s = strings.TrimLeft(s[1:], " \t")
	}
	return out, nil
}

// quotedLen is the length of the quoted string s starts with.
func quotedLen(s string) (int, error) {
	if s == "" || (s[0] != '"' && s[0] != '`') {
		return 0, errors.New("value is not quoted")
	}
	q := s[0]
	for i := 1; i < len(s); i++ {
		switch {
		case s[i] == '\\' && q == '"':
			i++
		case s[i] == q:
			return i + 1, nil
		}
	}
	return 0, errors.New("value has no closing quote")
}

// clip shortens text quoted in an error, so a huge label set does not
// make a huge answer.
func clip(s string) string {
	const max = 64
	if len(s) > max {
		return strconv.Quote(s[:max]) + "…"
	}
	return strconv.Quote(s)
}
