package retry_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/faultline/faultline/internal/retry"
	"github.com/faultline/faultline/internal/testenv"
)

// A dependency failing twice: each failure is logged with the masked URL
// and the next try, Err names it meanwhile, and after the third try it is
// ready.
func TestRunRetriesUntilSetUp(t *testing.T) {
	d := retry.New("nats", "streams", "nats://faultline:retry-pw-77@10.0.0.9:4222")
	var logs testenv.Buffer
	tries := 0
	seen := make(chan error, 3)
	err := d.Run(context.Background(), zerolog.New(&logs), func(context.Context) error {
		tries++
		seen <- d.Err()
		if tries < 3 {
			return errors.New("connection refused")
		}
		return nil
	})
	if err != nil || tries != 3 {
		t.Fatalf("Run: %v after %d tries, want nil after 3", err, tries)
	}
	if err := d.Err(); err != nil || !d.Ready() {
		t.Errorf("after set-up: Err %v, Ready %v", err, d.Ready())
	}
	<-seen
	second := <-seen
	if second == nil || !strings.Contains(second.Error(), "nats at nats://faultline:xxxxx@10.0.0.9:4222") ||
		!strings.Contains(second.Error(), "connection refused") || !strings.Contains(second.Error(), "next try at") {
		t.Errorf("Err while retrying: %v", second)
	}
	out := logs.String()
	if !strings.Contains(out, "nats: setting up streams") || strings.Count(out, `"next_try"`) != 2 || !strings.Contains(out, "10.0.0.9:4222") || strings.Contains(out, "retry-pw-77") {
		t.Errorf("want the start and two failures logged with the masked URL and the next try:\n%s", out)
	}
	if ra := d.RetryAfter(); ra == "" || ra == "0" {
		t.Errorf("RetryAfter %q", ra)
	}
}

// Cancelled while waiting, Run ends with the context's error and the last
// failure, without waiting for the next try.
func TestRunEndsWithItsContext(t *testing.T) {
	d := retry.New("elasticsearch", "templates", "http://127.0.0.1:1")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- d.Run(ctx, zerolog.Nop(), func(context.Context) error { return errors.New("refused") })
	}()
	testenv.Eventually(t, "the first failure", 10*time.Second, func() bool {
		return d.Err() != nil && strings.Contains(d.Err().Error(), "refused")
	})
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "refused") {
		t.Errorf("Run after cancel: %v", err)
	}
	if d.Ready() {
		t.Error("ready without a successful set-up")
	}
}
