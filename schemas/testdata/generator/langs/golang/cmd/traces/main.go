// Command traces prints real Go stack texts for the parser tests, separated
// by a form feed line: net/http's log line for a handler that panicked, an
// error printed with %+v, and (with the argument "crash") dies of a panic in
// a goroutine so that the caller records what the runtime prints.
package main

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/acme/goshop/billing"
	"github.com/acme/goshop/cart"
	"github.com/acme/goshop/config"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "crash" {
		done := make(chan struct{})
		go func() {
			defer close(done)
			(&cart.Cart{Items: []int{4}}).Quote(0, 1)
		}()
		<-done
		return
	}
	var logged strings.Builder
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(&cart.Cart{Items: []int{0, 8}}).Checkout()
	}))
	srv.Config.ErrorLog = log.New(&logged, "", 0)
	srv.Start()
	if resp, err := http.Get(srv.URL); err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	srv.Close()
	fmt.Print(strings.TrimRight(logged.String(), "\n"), "\n\f\n")
	_, err := config.Load("{bad")
	fmt.Printf("%+v\n\f\n", err)
	fmt.Printf("%+v\n\f\n", billing.SettleAll([]int{-3}))
}
