package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/auth"
	"github.com/faultline/faultline/internal/testenv"
)

// TestLoki4jEndToEnd: what the real loki4j appender sent, in its JSON and
// then its protobuf+snappy encoding, pushed to `faultline all` with the
// key as loki4j sends it (Basic auth password), is stored in
// Elasticsearch as canonical events, and each bug lands in one group
// whichever encoding carried it.
func TestLoki4jEndToEnd(t *testing.T) {
	es := testenv.ElasticsearchURL(t)
	service := fmt.Sprintf("loki4j-e2e-%d", time.Now().UnixNano())
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "faultline.yaml")
	// The key the generator configured loki4j with.
	if err := os.WriteFile(cfgFile, []byte(fmt.Sprintf("auth:\n  keys:\n    - {service: %s, hash: %q}\n", service, auth.Hash("loki4j-test-key"))), 0o600); err != nil {
		t.Fatal(err)
	}
	base, _ := startAll(t, "--data-dir", dir, "--es-url", es, "--config", cfgFile)

	pushBody := func(name, contentType string) {
		t.Helper()
		body, err := os.ReadFile(filepath.Join("..", "..", "schemas", "testdata", "loki", name))
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, base+"/loki/api/v1/push", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("shop:loki4j-test-key")))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		text, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusNoContent {
			t.Fatalf("%s: %d %s", name, res.StatusCode, text)
		}
	}
	// groups maps each group's error type to its count.
	groups := func() map[string]float64 {
		out := map[string]float64{}
		for _, g := range hits(t, es, "faultline-groups", service) {
			typ, _ := dig(g, "error", "type").(string)
			c, _ := g["count"].(float64)
			out[typ] += c
		}
		return out
	}

	pushBody("loki4j-json.body", "application/json")
	testenv.Eventually(t, "loki4j's 5 events in logs-faultline-default", 60*time.Second, func() bool {
		return len(hits(t, es, "logs-faultline-default", service)) == 5
	})
	var pay map[string]any
	for _, d := range hits(t, es, "logs-faultline-default", service) {
		if dig(d, "labels", "requestId") == "r-o-1001" {
			pay = d
		}
	}
	if pay == nil {
		t.Fatal("no event with the MDC requestId r-o-1001")
	}
	for path, want := range map[string]string{
		"log.level": "ERROR", "log.logger": "com.acme.loki.OrderService", "process.thread.name": "main",
		"error.type": "java.lang.IllegalStateException", "message": "[main] c.a.l.OrderService - order o-1001 failed",
		"service.environment": "staging", "labels.agent": "loki4j",
	} {
		var got any = pay
		for _, k := range strings.Split(path, ".") {
			m, _ := got.(map[string]any)
			got = m[k]
		}
		if got != want {
			t.Errorf("%s = %v, want %q", path, got, want)
		}
	}
	testenv.Eventually(t, "two groups: the declined payment twice, the unknown SKU once", 60*time.Second, func() bool {
		g := groups()
		return g["java.lang.IllegalStateException"] == 2 && g["java.lang.IllegalArgumentException"] == 1
	})

	// The same bugs from loki4j's protobuf mode join the same groups.
	pushBody("loki4j-protobuf.body", "application/x-protobuf")
	testenv.Eventually(t, "the protobuf push's bugs in the same groups", 60*time.Second, func() bool {
		g := groups()
		return g["java.lang.IllegalStateException"] == 4 && g["java.lang.IllegalArgumentException"] == 2
	})
	var n int
	for _, g := range hits(t, es, "faultline-groups", service) {
		if typ, _ := dig(g, "error", "type").(string); typ == "java.lang.IllegalStateException" || typ == "java.lang.IllegalArgumentException" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d groups for the two bugs, want 2: %v", n, hits(t, es, "faultline-groups", service))
	}
}
