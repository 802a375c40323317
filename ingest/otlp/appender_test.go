package otlp

import (
	"net/http"
	"os"
	"testing"

	"github.com/faultline/faultline/ingest"
)

// The request the OpenTelemetry logback appender (2.22.0-alpha) and the OTel
// Java SDK's OTLP/HTTP exporter (1.56.0) sent, as recorded by
// schemas/testdata/generator/otel: its events are what logback's own
// encoders give for the same log call.
func TestJavaLogbackAppenderPayload(t *testing.T) {
	body, err := os.ReadFile("../../schemas/testdata/fixtures/otel-logback.pb")
	if err != nil {
		t.Fatal(err)
	}
	s := newServer(t, ingest.Config{})
	a := s.post(t, protoType, body, nil)
	if a.status != http.StatusOK || len(a.body) != 0 {
		t.Fatalf("status %d: %q", a.status, a.body)
	}
	evs := s.stored(t)
	if len(evs) != 2 {
		t.Fatalf("%d events, want 2", len(evs))
	}
	e := evs[0]
	if e.Message != "Order o-1001 failed for customer c-1" || e.Log.Level != "ERROR" || e.Log.Logger != "com.acme.checkout.OrderController" ||
		e.Service.Name != "checkout" || e.Service.Environment != "prod" || e.Process == nil || e.Process.Thread.Name != "main" {
		t.Errorf("error event %+v", e)
	}
	if e.Error == nil || e.Error.Type != "java.lang.IllegalStateException" || e.Error.Message != "Payment declined for order o-1001" {
		t.Errorf("error fields %+v", e.Error)
	}
	exs := e.Faultline.Exceptions
	if len(exs) != 2 || exs[1].Type != "java.net.SocketTimeoutException" || len(exs[0].Frames) != 2 ||
		exs[0].Frames[0].Function() != "com.acme.otel.OtelApp$PaymentService.charge" || exs[1].Frames[0].Function() != "com.acme.otel.OtelApp$PaymentClient.post" {
		t.Errorf("exception chain %+v", exs)
	}
	if e.Labels["code_namespace"] != "com.acme.otel.OtelApp" || e.Labels["code_lineno"] == "" || e.Labels["telemetry_sdk_version"] != "1.56.0" {
		t.Errorf("labels %v", e.Labels)
	}
	if i := evs[1]; i.Message != "Order o-1002 placed" || i.Log.Level != "INFO" || i.Error != nil {
		t.Errorf("info event %+v", i)
	}
}
