package ingest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
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
