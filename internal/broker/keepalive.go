package broker

import (
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// KeepAlive tells JetStream every `every` that msgs are still being worked
// on, so work that outlasts the consumer's AckWait (a slow Elasticsearch, a
// chat's Retry-After) is not redelivered to another replica meanwhile. every
// should be well under the AckWait. stop ends it and returns once the ticker
// goroutine is gone.
func KeepAlive(every time.Duration, msgs ...jetstream.Msg) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				for _, m := range msgs {
					_ = m.InProgress()
				}
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
