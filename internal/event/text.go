package event

// Cut shortens s to at most n bytes without splitting a UTF-8 sequence:
// event text stays valid UTF-8 when a field is bounded.
func Cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// Truncate is Cut with "…" added when s was cut, for text a reader sees.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return Cut(s, n) + "…"
}
