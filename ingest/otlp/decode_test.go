package otlp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDecodeSDKCorpus: the bodies the OpenTelemetry SDKs of Python
// (protobuf), Node (OTLP JSON), Go (protobuf) and the logback appender with
// the Java SDK (protobuf) sent for the language
// corpus decode without a server, each error with its corpus labels from
// the record's attributes and its stack parsed into its platform's chain
// (grouping/corpus_sdk_test.go scores how they group).
func TestDecodeSDKCorpus(t *testing.T) {
	files, err := filepath.Glob("../../schemas/testdata/corpus/sdk/*-otel.build*/*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no bodies (%v)", err)
	}
	platforms := map[string]map[string]int{} // language -> platform -> events
	for _, file := range files {
		body, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		ct := "application/x-protobuf"
		if strings.HasSuffix(file, ".json") {
			ct = "application/json"
		}
		evs, err := Decode(body, ct)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		lang, _, _ := strings.Cut(filepath.Base(filepath.Dir(file)), "-")
		for _, ev := range evs {
			if ev.Labels["corpus_bug"] == "" || ev.Service.Name == "" || len(ev.Faultline.Exceptions) == 0 {
				t.Errorf("%s: labels %v service %q, %d exceptions", file, ev.Labels, ev.Service.Name, len(ev.Faultline.Exceptions))
			}
			if platforms[lang] == nil {
				platforms[lang] = map[string]int{}
			}
			platforms[lang][ev.Faultline.Platform]++
		}
	}
	// Java's platform is the empty one, as for logback events.
	want := map[string]map[string]int{"python": {"python": 48}, "node": {"javascript": 36}, "go": {"go": 42}, "java": {"": 24}}
	for lang, byPlatform := range want {
		for p, n := range byPlatform {
			if platforms[lang][p] != n || len(platforms[lang]) != 1 {
				t.Errorf("%s: events by platform %v, want %v", lang, platforms[lang], byPlatform)
			}
		}
	}
}

// TestDecodeRefuses: a body Decode cannot read is an error naming why.
func TestDecodeRefuses(t *testing.T) {
	for _, c := range []struct{ body, ct, want string }{
		{`{"resourceLogs":[]}`, "text/plain", "is not OTLP"},
		{`{"resourceLogs":[]}`, "application/json; charset", "content type"},
		{`{"resourceLogs":5}`, "application/json", "OTLP JSON"},
		{"\xff\xff", "application/x-protobuf", "protobuf"},
		{`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{}]}]}]}`, "application/json", "logRecords[0]"},
	} {
		evs, err := Decode([]byte(c.body), c.ct)
		if err == nil || !strings.Contains(err.Error(), c.want) || evs != nil {
			t.Errorf("%q as %s: %v, %d events; want an error with %q", c.body, c.ct, err, len(evs), c.want)
		}
	}
}
