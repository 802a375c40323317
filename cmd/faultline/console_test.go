package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/testenv"
)

// `make run` without a config: the first log line says alerts go to the
// terminal and where to add a channel, and a new group's alert appears on
// standard output as a framed block.
func TestTrialRunPrintsAlertsToTheTerminal(t *testing.T) {
	a := launchAll(t, "--data-dir", t.TempDir(), "--es-url", testenv.ElasticsearchURL(t))
	first, _, _ := strings.Cut(a.Logs(), "\n")
	if !strings.Contains(first, "no alert channel configured: alerts are printed to this terminal (standard output)") ||
		!strings.Contains(first, "--config") {
		t.Errorf("first log line = %s", first)
	}

	service := fmt.Sprintf("trial-%d", time.Now().UnixNano())
	if status, body := post(t, a.Base+"/v1/logs", logbackEvent(service, 1, "o-1001")); status != http.StatusAccepted {
		t.Fatalf("event: status %d, body %s", status, body)
	}
	heading := "New error in " + service + ": IllegalStateException: Payment declined for order o-1001"
	testenv.Eventually(t, "the alert on standard output", 30*time.Second, func() bool { return strings.Contains(a.Out(), heading) })
	out := a.Out()
	block := out[strings.LastIndex(out[:strings.Index(out, heading)], "━━ faultline alert"):]
	for _, want := range []string{
		"━━ faultline alert ━━",
		"\n" + heading + "\n",
		"\n  1 event · first seen ",
		"\n  at com.acme.checkout.PaymentClient.post\n",
		"\n    java.lang.IllegalStateException: Payment declined for order o-1001\n",
	} {
		if !strings.Contains(block, want) {
			t.Errorf("alert block lacks %q:\n%s", want, block)
		}
	}
	if strings.Contains(a.Logs(), heading) {
		t.Error("the alert went to the log (standard error) as well")
	}
}
