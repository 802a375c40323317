package loki

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDecodeWithoutServer: Decode gives what the push route would store,
// for both of loki4j's encodings and for the pushes loki4j sent for the
// language corpus's Java bugs (grouping/corpus_sdk_test.go scores how
// they group): every error line parsed into its Java chain, the MDC from
// structured metadata as labels.
func TestDecodeWithoutServer(t *testing.T) {
	for _, name := range []string{"loki4j-json.body", "loki4j-protobuf.body"} {
		body, header := loki4jBody(t, name)
		evs, err := Decode(body, header["Content-Type"])
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		errs := 0
		for _, ev := range evs {
			if len(ev.Faultline.Exceptions) > 0 {
				errs++
			}
		}
		if len(evs) != 5 || errs != 3 {
			t.Errorf("%s: %d events, %d with an exception; want 5 and 3", name, len(evs), errs)
		}
	}
	files, err := filepath.Glob("../../schemas/testdata/corpus/sdk/java-loki.build*/*.loki")
	if err != nil || len(files) == 0 {
		t.Fatalf("no loki4j pushes in the SDK corpus (%v)", err)
	}
	n := 0
	for _, file := range files {
		body, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := Decode(body, "application/json")
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, ev := range evs {
			exs := ev.Faultline.Exceptions
			if ev.Labels["corpus_bug"] == "" || len(exs) == 0 || !strings.HasPrefix(exs[0].Type, "java.lang.Illegal") || len(exs[0].Frames) == 0 {
				t.Errorf("%s: labels %v, chain %+v", file, ev.Labels, exs)
			}
			n++
		}
	}
	if n != 24 {
		t.Errorf("%d events in the java-loki pushes, want 24 (12 per build)", n)
	}
}

// TestDecodeRefusesWhole: a line the route would refuse fails Decode,
// named by its place, with no events.
func TestDecodeRefusesWhole(t *testing.T) {
	for _, c := range []struct{ body, ct, want string }{
		{`{"streams":[{"stream":{},"values":[["abc","x"]]}]}`, "application/json", "is not Unix nanoseconds"},
		{`{"streams":5}`, "application/json", "JSON"},
		{`{}`, "text/plain", "not a Loki push"},
		{`{"streams":[{"stream":{},"values":[["1","` + strings.Repeat("x", 1<<20+1) + `"]]}]}`, "application/json", "streams[0].values[0]"},
	} {
		evs, err := Decode([]byte(c.body), c.ct)
		if err == nil || !strings.Contains(err.Error(), c.want) || evs != nil {
			t.Errorf("%.60q as %s: %v, %d events; want an error with %q", c.body, c.ct, err, len(evs), c.want)
		}
	}
}
