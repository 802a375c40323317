package loki

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grafana/loki/pkg/push"
	"github.com/klauspost/compress/snappy"

	"github.com/faultline/faultline/ingest"
	"github.com/faultline/faultline/internal/broker"
)

// TestHostilePushes: every malformed push gets its exact status and a
// reason naming what was wrong, and nothing of a refused body is stored;
// lines refused one by one leave the rest of their push stored.
func TestHostilePushes(t *testing.T) {
	good := push.Entry{Timestamp: base, Line: "ERROR good line"}
	valid, _ := (&push.PushRequest{Streams: []push.Stream{{Labels: `{app="a"}`, Entries: []push.Entry{good}}}}).Marshal()
	manyLabels := make([]string, 100)
	for i := range manyLabels {
		manyLabels[i] = fmt.Sprintf(`l%d="v"`, i)
	}
	huge := binary.AppendUvarint(nil, 64<<20) // a snappy header promising 64 MiB
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"streams":[{"stream":{"app":"gz"},"values":[["1767323045000000000","ERROR gzipped"]]}]}`))
	zw.Close()

	cases := []struct {
		name   string
		body   []byte
		header map[string]string
		status int
		reason string // a substring of the answer
		stored uint64 // events the stream holds afterwards
	}{
		{"not snappy", []byte("this is not snappy"), protoHeaders, 400, "not snappy-compressed protobuf", 0},
		{"snappy promising 64 MiB", append(huge, 0), protoHeaders, 413, "body decompresses to 67108864 bytes, more than 5242880", 0},
		{"truncated protobuf", snappy.Encode(nil, valid[:len(valid)-5]), protoHeaders, 400, "not a Loki PushRequest", 0},
		{"labels without braces", protoBody(t, push.Stream{Labels: `app="a"`, Entries: []push.Entry{good}}), protoHeaders, 400, "streams[0]: labels \"app=\\\"a\\\"\" are not in braces", 0},
		{"label value unquoted", protoBody(t, push.Stream{Labels: `{app=a}`, Entries: []push.Entry{good}}), protoHeaders, 400, "value is not quoted", 0},
		{"label quote never closed", protoBody(t, push.Stream{Labels: `{app="a}`, Entries: []push.Entry{good}}), protoHeaders, 400, "no closing quote", 0},
		{"100 labels", protoBody(t, push.Stream{Labels: "{" + strings.Join(manyLabels, ",") + "}", Entries: []push.Entry{good}}), protoHeaders, 400, "1 of 1 lines refused, the others were stored: streams[0].values[0]: 100 labels and structured metadata, more than 64", 0},
		{"label value of 3000 bytes", protoBody(t, push.Stream{Labels: `{app="` + strings.Repeat("x", 3000) + `"}`, Entries: []push.Entry{good}}), protoHeaders, 400, "is 3000 bytes, longer than 2048", 0},
		{"one line too large among good ones", protoBody(t, push.Stream{Labels: `{app="a"}`, Entries: []push.Entry{
			good, {Timestamp: base, Line: strings.Repeat("x", 2<<20)}, {Timestamp: base.Add(time.Second), Line: "ERROR another"}}}),
			protoHeaders, 400, "1 of 3 lines refused, the others were stored: streams[0].values[1]: line is 2097152 bytes, larger than the 1048576 byte limit", 2},
		{"empty line", []byte(`{"streams":[{"stream":{"app":"a"},"values":[["1767323045000000000","  "]]}]}`), jsonHeaders, 400, "streams[0].values[0]: line is empty", 0},
		{"timestamp not a number", []byte(`{"streams":[{"stream":{"app":"a"},"values":[["abc","ERROR x"]]}]}`), jsonHeaders, 400, `streams[0].values[0]: timestamp "abc" is not Unix nanoseconds`, 0},
		{"timestamp a JSON number", []byte(`{"streams":[{"stream":{"app":"a"},"values":[[1767323045000000000,"ERROR x"]]}]}`), jsonHeaders, 400, `timestamp "1767323045000000000" is not a string of Unix nanoseconds`, 0},
		{"negative timestamp", []byte(`{"streams":[{"stream":{"app":"a"},"values":[["-5","ERROR x"]]}]}`), jsonHeaders, 400, `timestamp "-5" is not Unix nanoseconds`, 0},
		{"value of one element", []byte(`{"streams":[{"stream":{"app":"a"},"values":[["1767323045000000000"]]}]}`), jsonHeaders, 400, "has 1 elements", 0},
		{"metadata not strings", []byte(`{"streams":[{"stream":{"app":"a"},"values":[["1767323045000000000","x",{"n":1}]]}]}`), jsonHeaders, 400, "structured metadata \"{\\\"n\\\":1}\" is not an object of strings", 0},
		{"not JSON", []byte(`{"streams":[`), jsonHeaders, 400, "body is not a Loki JSON push", 0},
		{"two JSON objects", []byte(`{"streams":[]} {}`), jsonHeaders, 400, "more after its JSON object", 0},
		{"other content type", []byte(`<push/>`), map[string]string{"Content-Type": "text/xml"}, 415, `content type "text/xml" is not a Loki push`, 0},
		{"brotli", []byte(`x`), map[string]string{"Content-Type": "application/json", "Content-Encoding": "br"}, 415, `content encoding "br" not supported`, 0},
		{"body over max_body_bytes", bytes.Repeat([]byte(" "), 6<<20), jsonHeaders, 413, "body of 6291456 bytes is larger than 5242880 bytes", 0},
		{"no streams", []byte(`{"streams":[]}`), jsonHeaders, 204, "", 0},
		{"gzip JSON", gz.Bytes(), map[string]string{"Content-Type": "application/json", "Content-Encoding": "gzip"}, 204, "", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, ingest.Config{})
			res, text := h.post(t, c.body, c.header)
			if res.StatusCode != c.status || !strings.Contains(text, c.reason) {
				t.Errorf("%d %q, want %d with %q", res.StatusCode, text, c.status, c.reason)
			}
			if c.status != 204 && res.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
				t.Errorf("Content-Type %q, want plain text", res.Header.Get("Content-Type"))
			}
			if n := h.streamCount(t); n != c.stored {
				t.Errorf("stream holds %d events, want %d", n, c.stored)
			}
		})
	}
}

var jsonHeaders = map[string]string{"Content-Type": "application/json"}

// TestHundredThousandEntries: a push of 100 000 lines (4.9 MB of JSON,
// under the 5 MiB body limit) is stored whole.
func TestHundredThousandEntries(t *testing.T) {
	h := newHarness(t, ingest.Config{PublishTimeout: time.Minute})
	var b bytes.Buffer
	b.WriteString(`{"streams":[{"stream":{"app":"bulk"},"values":[`)
	for i := range 100_000 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`["` + strconv.FormatInt(base.UnixNano()+int64(i), 10) + `","ERROR line ` + strconv.Itoa(i) + `"]`)
	}
	b.WriteString(`]}]}`)
	res, text := h.post(t, b.Bytes(), jsonHeaders)
	if res.StatusCode != 204 {
		t.Fatalf("%d %q", res.StatusCode, text)
	}
	if n := h.streamCount(t); n != 100_000 {
		t.Fatalf("stream holds %d events, want 100000", n)
	}
}

// TestBackOff: the answers clients retry on carry Retry-After: 429 from
// the key's token bucket, 503 when JetStream is gone; a push larger than
// the bucket ever holds is 413, which no client retries.
func TestBackOff(t *testing.T) {
	h := newHarness(t, ingest.Config{RateLimit: 1, Burst: 2})
	one := protoBody(t, push.Stream{Labels: `{app="a"}`, Entries: []push.Entry{{Timestamp: base, Line: "ERROR one"}, {Timestamp: base, Line: "ERROR two"}}})
	if res, text := h.post(t, one, protoHeaders); res.StatusCode != 204 {
		t.Fatalf("first: %d %q", res.StatusCode, text)
	}
	res, text := h.post(t, one, protoHeaders)
	if res.StatusCode != 429 || res.Header.Get("Retry-After") == "" || !strings.Contains(text, "rate limit") {
		t.Errorf("second: %d Retry-After %q %q, want 429 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"), text)
	}
	three := protoBody(t, push.Stream{Labels: `{app="a"}`, Entries: []push.Entry{{Timestamp: base, Line: "a"}, {Timestamp: base, Line: "b"}, {Timestamp: base, Line: "c"}}})
	h2 := newHarness(t, ingest.Config{RateLimit: 1, Burst: 2})
	if res, text := h2.post(t, three, protoHeaders); res.StatusCode != 413 || !strings.Contains(text, "burst of 2") {
		t.Errorf("over the burst: %d %q, want 413", res.StatusCode, text)
	}

	h3 := newHarness(t, ingest.Config{})
	h3.NS.Shutdown()
	res, text = h3.post(t, one, protoHeaders)
	if res.StatusCode != 503 || res.Header.Get("Retry-After") == "" || !strings.Contains(text, "event stream unavailable") {
		t.Errorf("JetStream down: %d Retry-After %q %q, want 503 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"), text)
	}
}

// TestFullStreamIs503: a full events stream (507 on /v1/logs) is answered
// 503 with Retry-After, the status loki4j retries.
func TestFullStreamIs503(t *testing.T) {
	h := newHarness(t, ingest.Config{})
	if err := broker.EnsureStreamsWith(context.Background(), h.JS, 1, broker.Limits{EventsMaxBytes: 64 << 10}); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		body := protoBody(t, push.Stream{Labels: `{app="a"}`, Entries: []push.Entry{{Timestamp: base.Add(time.Duration(i)), Line: "ERROR fill " + strings.Repeat("x", 2000)}}})
		res, text := h.post(t, body, protoHeaders)
		if res.StatusCode == 204 {
			if i > 1000 {
				t.Fatal("a 64 KiB stream never filled")
			}
			continue
		}
		if res.StatusCode != 503 || res.Header.Get("Retry-After") != "30" || !strings.Contains(text, "event stream full") {
			t.Errorf("full stream: %d Retry-After %q %q, want 503 with Retry-After 30", res.StatusCode, res.Header.Get("Retry-After"), text)
		}
		return
	}
}
