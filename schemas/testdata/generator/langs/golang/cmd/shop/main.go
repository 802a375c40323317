// Command shop writes the Go part of faultline's language corpus: each
// scenario really fails, and the service logs it with log/slog's JSON
// handler the way Go services commonly do: an error with its stack as
// fmt.Sprintf("%+v", err) (github.com/pkg/errors), a recovered panic as
// "panic: <value>" and runtime/debug.Stack().
//
// Usage: shop BUILD OUT_DIR
package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/acme/goshop/billing"
	"github.com/acme/goshop/cart"
	"github.com/acme/goshop/config"
)

var (
	logger *slog.Logger
	build  string
	count  int
)

// run calls fn as a request handler would, with the recover middleware
// most Go services have.
func run(bug, variant string, fn func() error) {
	attrs := []any{"service", "goshop", "env", "prod", "corpus_bug", bug, "corpus_build", build, "corpus_variant", variant}
	failed := false
	func() {
		defer func() {
			if r := recover(); r != nil {
				failed = true
				logger.Error("panic serving request", append(attrs, "stack_trace", fmt.Sprintf("panic: %v\n\n%s", r, debug.Stack()))...)
			}
		}()
		if err := fn(); err != nil {
			failed = true
			logger.Error("request failed", append(attrs, "stack_trace", fmt.Sprintf("%+v", err))...)
		}
	}()
	if !failed {
		fmt.Fprintf(os.Stderr, "%s %s did not fail\n", bug, variant)
		os.Exit(1)
	}
	count++
}

func main() {
	build = os.Args[1]
	f, err := os.Create(filepath.Join(os.Args[2], "go-slog.build"+build+".ndjson"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()
	logger = slog.New(slog.NewJSONHandler(f, nil))

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
	fmt.Fprintf(os.Stderr, "go: %d events\n", count)
}
