package loki

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/grafana/loki/pkg/push"
)

// FuzzDecode: any body, in either encoding, decodes or is refused with an
// error, and every entry it yields becomes an event or is refused: no
// panic, no event without a message.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"loki4j-json.body", "loki4j-protobuf.body"} {
		body, header := loki4jBody(f, name)
		f.Add(body, header["Content-Type"] == "application/json")
	}
	f.Add(protoBody(f, push.Stream{Labels: `{app="a", b="x\"y"}`, Entries: []push.Entry{{Timestamp: base, Line: javaLine}, {Timestamp: base, Line: pythonLine}}}), false)
	f.Add([]byte(`{"streams":[{"stream":{"app":"a"},"values":[["1","`+"ERROR x"+`",{"k":"v"}],["2","{\"message\":\"m\"}"]]}]}`), true)
	f.Add([]byte(`{"streams":[{"stream":{},"values":[["abc","x"]]}]}`), true)
	if files, _ := filepath.Glob("../../schemas/testdata/corpus/sdk/java-loki.build1/*.loki"); len(files) > 0 {
		body, err := os.ReadFile(files[0])
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body, true)
	}
	f.Fuzz(func(t *testing.T, body []byte, isJSON bool) {
		ct := "application/x-protobuf"
		if isJSON {
			ct = "application/json"
		}
		streams, err := decode(body, ct, 1<<20)
		if err != nil {
			return
		}
		for _, s := range streams {
			for _, e := range s.entries {
				ev, err := toEvent(s.labels, e, 1<<20)
				if err == nil && ev.Message == "" && len(ev.Faultline.Exceptions) == 0 {
					t.Fatalf("event without a message from %q", e.line)
				}
			}
		}
	})
}

// FuzzLabels: a label set parses or is refused; what parses has names
// without the delimiters.
func FuzzLabels(f *testing.F) {
	for _, s := range []string{`{}`, `{a="b"}`, `{a="b", c="d\"e\\"}`, "{a=`raw`}", `{a="b",}`, `{a=b}`, `{="x"}`, `{a="\u00e9"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ls, err := parseLabels(s)
		if err != nil {
			return
		}
		for _, l := range ls {
			if l.name == "" {
				t.Fatalf("%q: empty label name", s)
			}
		}
	})
}
