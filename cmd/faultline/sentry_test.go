package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sentrygo "github.com/getsentry/sentry-go"

	"github.com/faultline/faultline/internal/auth"
	"github.com/faultline/faultline/internal/testenv"
)

type stockError struct{ sku string }

func (e *stockError) Error() string { return "out of stock: " + e.sku }

// reserveStock is the app's failing code: one throw site, reached twice.
func reserveStock(sku string) error {
	return fmt.Errorf("reserve %s: %w", sku, &stockError{sku: sku})
}

// TestSentryEndToEnd: the real sentry-go SDK, given a DSN made of an API
// key, reports to `faultline all`; its events are stored in Elasticsearch
// with the key's service and the SDK's release and tags, the same bug
// reported twice is one group of two, and an SDK fingerprint makes its own
// group.
func TestSentryEndToEnd(t *testing.T) {
	es := testenv.ElasticsearchURL(t)
	service := fmt.Sprintf("sentry-e2e-%d", time.Now().UnixNano())
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "faultline.yaml")
	if err := os.WriteFile(cfgFile, []byte(fmt.Sprintf("auth: {keys: [{service: %s, hash: %q}]}\n", service, auth.Hash("secret-sentry"))), 0o600); err != nil {
		t.Fatal(err)
	}
	base, _ := startAll(t, "--data-dir", dir, "--es-url", es, "--config", cfgFile)

	client, err := sentrygo.NewClient(sentrygo.ClientOptions{
		Dsn:         strings.Replace(base, "http://", "http://secret-sentry@", 1) + "/7",
		Release:     "inventory@2.0.1",
		Environment: "staging",
		Transport:   sentrygo.NewHTTPSyncTransport(),
	})
	if err != nil {
		t.Fatal(err)
	}
	hub := sentrygo.NewHub(client, sentrygo.NewScope())
	hub.Scope().SetTag("region", "eu-central-1")
	for _, sku := range []string{"sku-1", "sku-2"} {
		if id := hub.CaptureException(reserveStock(sku)); id == nil {
			t.Fatal("not sent")
		}
	}
	hub.WithScope(func(s *sentrygo.Scope) {
		s.SetFingerprint([]string{"warehouse-sync"})
		hub.CaptureMessage("warehouse sync lagging by 120s")
	})
	hub.Flush(5 * time.Second)

	var docs []map[string]any
	testenv.Eventually(t, "3 events in logs-faultline-default", 30*time.Second, func() bool {
		docs = hits(t, es, "logs-faultline-default", service)
		return len(docs) == 3
	})
	for _, d := range docs {
		if dig(d, "service", "version") != "inventory@2.0.1" || dig(d, "service", "environment") != "staging" ||
			dig(d, "labels", "region") != "eu-central-1" || dig(d, "event", "dataset") != "sentry" {
			t.Errorf("stored %v", d)
		}
	}
	var groups []map[string]any
	testenv.Eventually(t, "two groups: the bug twice, the fingerprinted message once", 30*time.Second, func() bool {
		groups = hits(t, es, "faultline-groups", service)
		counts := map[float64]int{}
		for _, g := range groups {
			c, _ := g["count"].(float64)
			counts[c]++
		}
		return len(groups) == 2 && counts[2] == 1 && counts[1] == 1
	})
	for _, g := range groups {
		if g["count"] == 2.0 && !strings.Contains(fmt.Sprint(g), "out of stock") {
			t.Errorf("the bug's group: %v", g)
		}
	}
}
