package sentry

import (
	"context"
	"errors"
	"fmt"
	"github.com/faultline/faultline/ingest/ingesttest"
	"testing"
	"time"

	sentrygo "github.com/getsentry/sentry-go"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/faultline/faultline/internal/event"
)

type declinedError struct{ code int }

func (e *declinedError) Error() string { return fmt.Sprintf("card declined (code %d)", e.code) }

// chargeCard fails the way application code does: an error of its own
// type, wrapped on the way up.
func chargeCard() error {
	return fmt.Errorf("charge card: %w", &declinedError{code: 51})
}

func checkout() error {
	if err := chargeCard(); err != nil {
		return fmt.Errorf("checkout order 1234: %w", err)
	}
	return nil
}

// report captures where the app handles the error, one call below the
// test, so the stack has an order to keep.
func report(hub *sentrygo.Hub, err error) *sentrygo.EventID { return hub.CaptureException(err) }

// sdk is a sentry-go client sending to faultline through its real HTTP
// transport.
func sdk(t *testing.T, dsn string) *sentrygo.Hub {
	t.Helper()
	client, err := sentrygo.NewClient(sentrygo.ClientOptions{
		Dsn:              dsn,
		Release:          "shop@1.4.2",
		Environment:      "production",
		ServerName:       "web-7",
		EnableTracing:    true,
		TracesSampleRate: 1,
		Transport:        sentrygo.NewHTTPSyncTransport(),
	})
	if err != nil {
		t.Fatal(err)
	}
	hub := sentrygo.NewHub(client, sentrygo.NewScope())
	t.Cleanup(func() { client.Flush(5 * time.Second) })
	return hub
}

// TestSentryGo points the real sentry-go SDK at faultline with a DSN made
// of an API key, and reads back what went onto the stream.
func TestSentryGo(t *testing.T) {
	h := newHarness(t, ingesttest.WithKey(t, "sentry-go-secret", "shop-sentry-go"))
	hub := sdk(t, h.dsn("sentry-go-secret"))
	hub.Scope().SetTag("region", "eu-west-1")
	hub.Scope().SetUser(sentrygo.User{Email: "jane@example.com", IPAddress: "203.0.113.9"})

	errID := report(hub, checkout())
	msgID := hub.CaptureMessage("cache warm-up failed for tenant 42")
	hub.WithScope(func(s *sentrygo.Scope) {
		s.SetFingerprint([]string{"payment-provider-timeout"})
		hub.CaptureMessage("provider timed out after 30s")
	})
	hub.WithScope(func(s *sentrygo.Scope) {
		s.SetFingerprint([]string{"{{ default }}", "tenant-7"})
		hub.CaptureException(checkout())
	})
	tx := sentrygo.StartTransaction(sentrygo.SetHubOnContext(context.Background(), hub), "POST /checkout")
	tx.Finish()
	if errID == nil || msgID == nil {
		t.Fatal("the SDK did not send")
	}
	if !hub.Flush(5 * time.Second) {
		t.Fatal("the SDK did not flush")
	}

	evs := h.stored(t)
	if len(evs) != 4 {
		t.Fatalf("%d events on the stream, want 4 (the transaction skipped): %+v", len(evs), evs)
	}
	if got := testutil.ToFloat64(h.metrics.skipped.WithLabelValues("transaction")); got != 1 {
		t.Errorf("skipped transactions counted %v, want 1", got)
	}
	ex := evs[0]
	if ex.Event.ID != string(*errID) || ex.Event.Dataset != "sentry" {
		t.Errorf("event id %q dataset %q, want the SDK's id %q and sentry", ex.Event.ID, ex.Event.Dataset, *errID)
	}
	if ex.Service.Name != "shop-sentry-go" || ex.Service.Version != "shop@1.4.2" || ex.Service.Environment != "production" ||
		ex.Host == nil || ex.Host.Name != "web-7" || ex.Log.Level != "ERROR" || ex.Faultline.Platform != "go" {
		t.Errorf("service %+v host %+v level %q platform %q", ex.Service, ex.Host, ex.Log.Level, ex.Faultline.Platform)
	}
	if ex.Labels["region"] != "eu-west-1" {
		t.Errorf("tags: %v", ex.Labels)
	}
	for k, v := range ex.Labels {
		if v == "jane@example.com" || v == "203.0.113.9" {
			t.Errorf("user data kept in label %s", k)
		}
	}
	if ex.Trace == nil || len(ex.Trace.ID) != 32 {
		t.Errorf("trace id: %+v", ex.Trace)
	}
	// Outermost first, as faultline (and Java) lists a chain.
	chain := ex.Faultline.Exceptions
	if len(chain) != 3 {
		t.Fatalf("chain of %d, want 3: %+v", len(chain), chain)
	}
	if chain[0].Message != "checkout order 1234: charge card: card declined (code 51)" || chain[2].Type != "*sentry.declinedError" ||
		chain[2].Message != "card declined (code 51)" {
		t.Errorf("chain: %+v", chain)
	}
	if ex.Error == nil || ex.Error.Type != chain[0].Type || ex.Error.Message != chain[0].Message {
		t.Errorf("error: %+v", ex.Error)
	}
	// Innermost frame first: the capture site, then its caller.
	var frames []event.Frame
	for _, c := range chain {
		if len(c.Frames) > 0 {
			frames = c.Frames
			break
		}
	}
	if len(frames) < 2 || frames[0].Method != "report" || frames[1].Method != "TestSentryGo" || frames[0].Class != "github.com/faultline/faultline/ingest/sentry" ||
		frames[0].Line == 0 || frames[0].InApp == nil || !*frames[0].InApp {
		t.Errorf("innermost frame: %+v", frames)
	}
	msg := evs[1]
	if msg.Event.ID != string(*msgID) || msg.Message != "cache warm-up failed for tenant 42" || msg.Log.Level != "INFO" || msg.Error != nil {
		t.Errorf("message event: %+v", msg)
	}
	if evs[2].Labels["fingerprint"] != "payment-provider-timeout" {
		t.Errorf("fingerprint: %v", evs[2].Labels)
	}
	if evs[3].Labels["fingerprint"] != DefaultToken+"\ntenant-7" {
		t.Errorf("fingerprint with the default: %q", evs[3].Labels["fingerprint"])
	}

	// A retry of the same event (an SDK resending after a timeout) is
	// the same id, which the stream stores once.
	ev := sentrygo.NewEvent()
	ev.EventID = *errID
	ev.Message = "resent"
	hub.Client().Transport.SendEvent(ev)
	hub.Flush(5 * time.Second)
	if n := len(h.stored(t)); n != 4 {
		t.Errorf("after a resend of an id: %d events, want 4", n)
	}
}

// An unknown key is refused in Sentry's shape, and the SDK's send fails.
func TestSentryGoWrongKey(t *testing.T) {
	h := newHarness(t, ingesttest.WithKey(t, "right-secret", "shop"))
	hub := sdk(t, h.dsn("wrong-secret"))
	hub.CaptureException(errors.New("boom"))
	hub.Flush(5 * time.Second)
	if evs := h.stored(t); len(evs) != 0 {
		t.Errorf("a wrong key stored %d events", len(evs))
	}
}
