package ingest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/faultline/faultline/loadgen"
)

// BenchmarkParse measures each format on the real libraries' output.
func BenchmarkParse(b *testing.B) {
	for _, tc := range []struct{ name, file string }{
		{"logback", "logback-jsonencoder.ndjson"},
		{"logstash", "logstash.ndjson"},
		{"ecs", "ecs.ndjson"},
	} {
		raw, err := os.ReadFile(filepath.Join("..", "schemas", "testdata", "fixtures", tc.file))
		if err != nil {
			b.Fatal(err)
		}
		lines := bytes.Split(bytes.TrimSpace(raw), []byte("\n"))
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				if _, err := ParseEvent(lines[n%len(lines)]); err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkRequest is ingest's CPU for one request of 200 load-generator
// events: split, parse, encode for the stream (no network).
func BenchmarkRequest(b *testing.B) {
	g := loadgen.NewGenerator(loadgen.Config{Services: 5, Bugs: 100, Seed: 1})
	var buf bytes.Buffer
	for j := 0; j < 200; j++ {
		buf.Write(g.Event(j%100, j/100))
		buf.WriteByte('\n')
	}
	body := buf.Bytes()
	s := &Server{cfg: Config{MaxEventBytes: 1 << 20}}
	s.now = time.Now
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		lines, _ := SplitBody(body)
		for _, l := range lines {
			// parse encodes too.
			if _, err := s.parse(l, "", "", &idRules{}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*200)/b.Elapsed().Seconds(), "events/s")
}
