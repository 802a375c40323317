// Command sentry reports an error to faultline with sentry-go: the DSN is
// the only change.
//
//	SENTRY_DSN=http://<faultline API key>@<faultline host:port>/1 go run ./sentry
package main

import (
	"fmt"
	"log"
	"time"

	"github.com/faultline/faultline/examples/go/shop"
	"github.com/getsentry/sentry-go"
)

func main() {
	// The DSN comes from SENTRY_DSN; Release becomes service.version.
	if err := sentry.Init(sentry.ClientOptions{Release: "shop@1.0.0", Environment: "prod", AttachStacktrace: true}); err != nil {
		log.Fatalf("sentry: %v", err)
	}
	defer sentry.Flush(5 * time.Second)
	// Names the service when faultline runs without keys (with one, the key decides).
	sentry.ConfigureScope(func(s *sentry.Scope) { s.SetTag("service", "shop") })

	if err := shop.Charge("o-1", 0); err != nil {
		sentry.CaptureException(fmt.Errorf("checkout of order o-1: %w", err))
	}
}
