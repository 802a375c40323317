// Command otel logs an error with log/slog through the OpenTelemetry slog
// bridge and the OTLP/HTTP log exporter to faultline.
//
//	OTEL_EXPORTER_OTLP_LOGS_ENDPOINT=http://<faultline host:port>/v1/logs \
//	OTEL_EXPORTER_OTLP_HEADERS='Authorization=Bearer%20<faultline API key>' \
//	OTEL_SERVICE_NAME=shop go run ./otel
package main

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"runtime/debug"

	"github.com/faultline/faultline/examples/go/shop"
	"go.opentelemetry.io/contrib/bridges/otelslog"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
)

func main() {
	ctx := context.Background()
	// Endpoint and headers come from the OTEL_EXPORTER_OTLP_* variables,
	// the service name from OTEL_SERVICE_NAME (resource.Default).
	exp, err := otlploghttp.New(ctx)
	if err != nil {
		log.Fatalf("otlp: %v", err)
	}
	provider := sdklog.NewLoggerProvider(sdklog.WithResource(resource.Default()), sdklog.WithProcessor(sdklog.NewBatchProcessor(exp)))
	defer func() {
		if err := provider.Shutdown(ctx); err != nil { // flushes the batch
			log.Printf("otlp: %v", err)
		}
	}()
	logger := slog.New(otelslog.NewHandler("shop/checkout", otelslog.WithLoggerProvider(provider)))

	if err := shop.Charge("o-1", 0); err != nil {
		// The exception.* attributes are OpenTelemetry's names for an error:
		// faultline groups by the stack in exception.stacktrace.
		logger.ErrorContext(ctx, "checkout of order o-1 failed",
			"exception.type", fmt.Sprintf("%T", err),
			"exception.message", err.Error(),
			"exception.stacktrace", string(debug.Stack()))
	}
}
