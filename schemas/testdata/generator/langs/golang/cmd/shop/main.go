// Command shop writes the Go part of faultline's language corpus: each
// scenario really fails, and the service logs it with log/slog's JSON
// handler the way Go services commonly do: an error with its stack as
// fmt.Sprintf("%+v", err) (github.com/pkg/errors), a recovered panic as
// "panic: <value>" and runtime/debug.Stack().
//
// In the other modes the same failure goes to an SDK instead: sentry-go
// (CaptureException, or Recover for a panic, the labels as tags on the
// hub's scope), or an OpenTelemetry log record (SetErr, the same stack
// text as exception.stacktrace, the labels as attributes) that the
// otlploghttp exporter posts as protobuf.
//
// Usage: shop BUILD logs OUT_DIR
//
//	shop BUILD sentry DSN
//	shop BUILD otel LOGS_ENDPOINT
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/getsentry/sentry-go"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"

	"github.com/acme/goshop/billing"
	"github.com/acme/goshop/cart"
	"github.com/acme/goshop/config"
)

// failure is one failed request: an error or a recovered panic, with the
// stack text the slog handler logs for it.
type failure struct {
	err      error
	panicked any
	stack    string
}

var (
	report func(labels [][2]string, f failure)
	build  string
	count  int
)

// run calls fn as a request handler would, with the recover middleware
// most Go services have.
func run(bug, variant string, fn func() error) {
	labels := [][2]string{{"corpus_bug", bug}, {"corpus_build", build}, {"corpus_variant", variant}}
	failed := false
	func() {
		defer func() {
			if r := recover(); r != nil {
				failed = true
				report(labels, failure{panicked: r, stack: fmt.Sprintf("panic: %v\n\n%s", r, debug.Stack())})
			}
		}()
		if err := fn(); err != nil {
			failed = true
			report(labels, failure{err: err, stack: fmt.Sprintf("%+v", err)})
		}
	}()
	if !failed {
		fmt.Fprintf(os.Stderr, "%s %s did not fail\n", bug, variant)
		os.Exit(1)
	}
	count++
}

// slogReporter logs to OUT_DIR/go-slog.buildN.ndjson.
func slogReporter(dir string) (func(labels [][2]string, f failure), func()) {
	f, err := os.Create(filepath.Join(dir, "go-slog.build"+build+".ndjson"))
	if err != nil {
		fail(err)
	}
	logger := slog.New(slog.NewJSONHandler(f, nil))
	return func(labels [][2]string, fl failure) {
		attrs := []any{"service", "goshop", "env", "prod"}
		for _, l := range labels {
			attrs = append(attrs, l[0], l[1])
		}
		msg := "request failed"
		if fl.panicked != nil {
			msg = "panic serving request"
		}
		logger.Error(msg, append(attrs, "stack_trace", fl.stack)...)
	}, func() { f.Close() }
}

func sentryReporter(dsn string) (func(labels [][2]string, f failure), func()) {
	err := sentry.Init(sentry.ClientOptions{Dsn: dsn, Release: "goshop@" + build, Environment: "prod", ServerName: "goshop-1"})
	if err != nil {
		fail(err)
	}
	return func(labels [][2]string, fl failure) {
			hub := sentry.CurrentHub().Clone()
			for _, l := range labels {
				hub.Scope().SetTag(l[0], l[1])
			}
			if fl.panicked != nil {
				hub.Recover(fl.panicked)
				return
			}
			hub.CaptureException(fl.err)
		}, func() {
			if !sentry.Flush(10 * time.Second) {
				fail(fmt.Errorf("sentry: events left unsent"))
			}
		}
}

func otelReporter(endpoint string) (func(labels [][2]string, f failure), func()) {
	ctx := context.Background()
	exp, err := otlploghttp.New(ctx, otlploghttp.WithEndpointURL(endpoint))
	if err != nil {
		fail(err)
	}
	res := resource.NewSchemaless(semconv.ServiceName("goshop"), semconv.ServiceVersion(build), semconv.DeploymentEnvironmentName("prod"))
	provider := sdklog.NewLoggerProvider(sdklog.WithResource(res), sdklog.WithProcessor(sdklog.NewBatchProcessor(exp)))
	logger := provider.Logger("goshop")
	return func(labels [][2]string, fl failure) {
			var rec otellog.Record
			rec.SetTimestamp(time.Now())
			rec.SetSeverity(otellog.SeverityError)
			rec.SetSeverityText("ERROR")
			for _, l := range labels {
				rec.AddAttributes(attribute.String(l[0], l[1]))
			}
			if fl.panicked != nil {
				rec.SetBody(attribute.StringValue("panic serving request"))
				rec.AddAttributes(semconv.ExceptionTypeKey.String(fmt.Sprintf("%T", fl.panicked)),
					semconv.ExceptionMessageKey.String(fmt.Sprint(fl.panicked)))
			} else {
				rec.SetBody(attribute.StringValue("request failed"))
				rec.SetErr(fl.err)
			}
			rec.AddAttributes(semconv.ExceptionStacktraceKey.String(fl.stack))
			logger.Emit(ctx, rec)
		}, func() {
			if err := provider.Shutdown(ctx); err != nil {
				fail(err)
			}
		}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

func main() {
	build = os.Args[1]
	mode, target := os.Args[2], os.Args[3]
	var done func()
	switch mode {
	case "logs":
		report, done = slogReporter(target)
	case "sentry":
		report, done = sentryReporter(target)
	case "otel":
		report, done = otelReporter(target)
	default:
		fail(fmt.Errorf("unknown mode %q", mode))
	}

	for _, item := range []int{5, 7, 9} {
		c := &cart.Cart{Items: []int{0, item}}
		run("G01", "via-checkout", func() error { c.Checkout(); return nil })
		run("G01", "via-quote", func() error { c.Quote(1, 3); return nil })
	}
	for _, amount := range []int{0, -5, -100} {
		run("G02", "amount", func() error { return billing.Validate(amount, "EUR") })
	}
	for _, amount := range []int{10, 20, 30} {
		run("G03", "currency", func() error { return billing.Validate(amount, "") })
	}
	for _, text := range []string{"{bad", "{'a': 1}", "{x"} {
		run("G04", "bad-json", func() error { _, err := config.Load(text); return err })
	}
	for _, id := range []int{7, 8, 9} {
		run("G05", "negative", func() error { return billing.SettleAll([]int{1, -id}) })
	}
	for _, id := range []int{11, 12, 13} {
		run("G06", "nil-invoice", func() error {
			var inv *billing.Invoice
			if id > 100 {
				inv = &billing.Invoice{ID: id}
			}
			inv.Total()
			return nil
		})
	}
	done()
	fmt.Fprintf(os.Stderr, "go %s: %d events\n", mode, count)
}
