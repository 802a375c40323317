package ingest

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSplitBody(t *testing.T) {
	type line struct {
		N   int
		Raw string
	}
	tests := []struct {
		name  string
		body  string
		lines []line
		errs  []LineError
	}{
		{
			name:  "single object",
			body:  `{"message":"a"}`,
			lines: []line{{1, `{"message":"a"}`}},
		},
		{
			name:  "pretty-printed object is one event",
			body:  "\n{\n  \"message\" : \"a\",\n  \"level\" : \"INFO\"\n}\n",
			lines: []line{{2, "{\n  \"message\" : \"a\",\n  \"level\" : \"INFO\"\n}"}},
		},
		{
			name: "broken pretty-printed object is one error",
			body: "{\n  \"message\" : \"a\",\n  \"level\" : \n}\n",
			errs: []LineError{{1, "invalid JSON: invalid character '}' looking for beginning of value (at byte 35)"}},
		},
		{
			name:  "array",
			body:  ` [{"message":"a"}, {"message":"b"},{}] `,
			lines: []line{{1, `{"message":"a"}`}, {2, `{"message":"b"}`}, {3, `{}`}},
		},
		{
			name:  "empty array",
			body:  `[]`,
			lines: nil,
		},
		{
			name: "invalid array",
			body: `[{"message":"a"},{"message":}]`,
			errs: []LineError{{1, "invalid JSON array: invalid character '}' looking for beginning of value (at byte 29)"}},
		},
		{
			name:  "array element with invalid UTF-8",
			body:  "[{\"message\":\"a\"},{\"message\":\"\xff\"},{\"message\":\"c\"}]",
			lines: []line{{1, `{"message":"a"}`}, {3, `{"message":"c"}`}},
			errs:  []LineError{{2, "invalid UTF-8"}},
		},
		{
			name:  "NDJSON with blank lines and CRLF",
			body:  "{\"message\":\"a\"}\r\n\r\n  \n{\"message\":\"b\"}\r\n{\"message\":\"c\"}",
			lines: []line{{1, `{"message":"a"}`}, {4, `{"message":"b"}`}, {5, `{"message":"c"}`}},
		},
		{
			// Line 2's JSON is checked by ParseEvent, which reads it anyway.
			name:  "NDJSON bad lines do not stop good ones",
			body:  "{\"message\":\"a\"}\n{\"message\":\n{\"message\":\"\xc3\x28\"}\n{\"message\":\"d\"}\n",
			lines: []line{{1, `{"message":"a"}`}, {2, `{"message":`}, {4, `{"message":"d"}`}},
			errs:  []LineError{{3, "invalid UTF-8"}},
		},
		{
			name:  "byte order mark",
			body:  "\xef\xbb\xbf{\"message\":\"a\"}",
			lines: []line{{1, `{"message":"a"}`}},
		},
		{name: "empty", body: " \r\n\t"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines, errs := SplitBody([]byte(tt.body))
			var got []line
			for _, l := range lines {
				got = append(got, line{l.N, string(l.Raw)})
			}
			if !reflect.DeepEqual(got, tt.lines) {
				t.Errorf("lines:\n got %+v\nwant %+v", got, tt.lines)
			}
			if !reflect.DeepEqual(errs, tt.errs) {
				t.Errorf("errors:\n got %+v\nwant %+v", errs, tt.errs)
			}
		})
	}
}

func TestLineErrorText(t *testing.T) {
	if got := (LineError{Line: 3, Reason: "invalid UTF-8"}).Error(); got != "line 3: invalid UTF-8" {
		t.Errorf("Error() = %q", got)
	}
}

func FuzzSplitBody(f *testing.F) {
	for _, s := range []string{
		logbackSample, logstashSample, ecsDottedSample, gelfSample,
		"[" + logbackSample + "," + plainSample + "]",
		logbackSample + "\n\n" + ecsNestedSample + "\r\n" + plainSample,
		"{\n \"message\": \"x\"\n}", "[1,", "{\"a\":\"\xff\"}\n{}", "\xef\xbb\xbf[]",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		lines, errs := SplitBody(body)
		prev := 0
		for _, l := range lines {
			if l.N <= prev {
				t.Fatalf("line numbers not strictly increasing: %d after %d", l.N, prev)
			}
			prev = l.N
			// JSON validity is ParseEvent's to judge; the encoding is not.
			if !utf8.Valid(l.Raw) || len(bytes.TrimSpace(l.Raw)) == 0 {
				t.Fatalf("line %d is empty or not valid UTF-8: %q", l.N, l.Raw)
			}
		}
		taken := map[int]bool{}
		for _, l := range lines {
			taken[l.N] = true
		}
		prev = 0
		for _, e := range errs {
			if taken[e.Line] {
				t.Fatalf("line %d both accepted and rejected", e.Line)
			}
			if e.Line <= prev {
				t.Fatalf("error lines not strictly increasing: %d after %d", e.Line, prev)
			}
			prev = e.Line
			if e.Reason == "" || !strings.HasPrefix(e.Error(), "line ") {
				t.Fatalf("bad error %+v", e)
			}
		}
	})
}
