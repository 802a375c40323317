package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/testenv"
)

// TestIngestTakesItsSection: the ingest section's event size limit reaches
// the running ingest (it was never wired before), and a timestamp years
// ahead is refused with its reason while its neighbour is stored.
func TestIngestTakesItsSection(t *testing.T) {
	es := testenv.ElasticsearchURL(t)
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "faultline.yaml")
	if err := os.WriteFile(cfgFile, []byte("ingest: {max_event_bytes: 2KiB, publish_timeout: 3s}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base, _ := startAll(t, "--data-dir", dir, "--es-url", es, "--config", cfgFile)
	service := fmt.Sprintf("cfg-section-%d", time.Now().UnixNano())
	post := func(body string) (int, string) {
		t.Helper()
		res, err := http.Post(base+"/v1/logs", "application/x-ndjson", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		text, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(text)
	}
	line := func(ts int64, msg string) string {
		return fmt.Sprintf(`{"timestamp":%d,"level":"ERROR","loggerName":"a.B","message":%q,"mdc":{"service":%q}}`, ts, msg, service)
	}
	now := time.Now().UnixMilli()
	if code, body := post(line(now, strings.Repeat("x", 3000))); code != http.StatusBadRequest || !strings.Contains(body, "larger than the 2048 byte limit") {
		t.Errorf("a 3 KB event under max_event_bytes 2KiB: %d %s", code, body)
	}
	code, body := post(line(now, "fine") + "\n" + line(99999999999999, "from the year 5138"))
	if code != http.StatusAccepted || !strings.Contains(body, `"accepted":1`) || !strings.Contains(body, "timestamp 5138-11-16T09:46:39.999Z is ") ||
		!strings.Contains(body, "more than 24h0m0s ahead is refused") {
		t.Errorf("a line from the year 5138 beside a good one: %d %s", code, body)
	}
}
