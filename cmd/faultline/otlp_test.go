package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/faultline/faultline/internal/auth"
	"github.com/faultline/faultline/internal/testenv"
)

// javaTrace is the bug of logbackEvent as the OpenTelemetry logback
// appender writes it in exception.stacktrace: printStackTrace's text.
func javaTrace(line int, orderID string) string {
	return fmt.Sprintf(`java.lang.IllegalStateException: Payment declined for order %s
	at com.acme.checkout.PaymentService.charge(PaymentService.java:%d)
	at com.acme.checkout.OrderService$$SpringCGLIB$$0.placeOrder(<generated>)
	at com.acme.checkout.OrderService.placeOrder(OrderService.java:%d)
	at org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:885)
	at java.lang.Thread.run(Thread.java:840)
Caused by: java.net.SocketTimeoutException: Read timed out after %dms
	at java.net.SocketInputStream.read(SocketInputStream.java:183)
	at com.acme.checkout.PaymentClient.post(PaymentClient.java:%d)
	... 3 more
`, orderID, 40+line, 90+line, 3000+line, 60+line)
}

// goTrace is a Go panic as an OTel Go appender logs it, from another build.
func goTrace(line int) string {
	return fmt.Sprintf(`http: panic serving 127.0.0.1:33626: runtime error: index out of range [8] with length 2
goroutine 5 [running]:
net/http.(*conn).serve.func1()
	/usr/local/go/src/net/http/server.go:1897 +0xbd
panic({0x7612e0?, 0x683c7b44138?})
	/usr/local/go/src/runtime/panic.go:860 +0x13a
github.com/acme/goshop/cart.(*Cart).PriceOf(...)
	/src/goshop/cart/cart.go:%d
github.com/acme/goshop/cart.(*Cart).Checkout(...)
	/src/goshop/cart/cart.go:%d
net/http.HandlerFunc.ServeHTTP(0x482239?, {0x7a9f70?, 0x683c7b8c000?}, 0x683c7b7db30?)
	/usr/local/go/src/net/http/server.go:2286 +0x29
created by net/http.(*Server).Serve in goroutine 21
	/usr/local/go/src/net/http/server.go:3464 +0x485
`, 11+line, 18+line)
}

// TestOTLPExporterContract sends logs with the OpenTelemetry Go SDK's OTLP
// HTTP exporter (protobuf, gzip) and OTLP JSON to a running faultline, and
// checks what Elasticsearch stores and how it groups: the same bug twice is
// one group, and the same bug from logback JSON joins it.
func TestOTLPExporterContract(t *testing.T) {
	es := testenv.ElasticsearchURL(t)
	base, _ := startAll(t, "--data-dir", t.TempDir(), "--es-url", es)
	service := fmt.Sprintf("otlp-contract-%d", time.Now().UnixNano())
	ctx := context.Background()

	var mu sync.Mutex
	var exportErrs []error
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		mu.Lock()
		exportErrs = append(exportErrs, err)
		mu.Unlock()
	}))
	exp, err := otlploghttp.New(ctx, otlploghttp.WithEndpointURL(base+"/v1/logs"), otlploghttp.WithCompression(otlploghttp.GzipCompression))
	if err != nil {
		t.Fatal(err)
	}
	lp := sdklog.NewLoggerProvider(
		sdklog.WithResource(resource.NewSchemaless(attribute.String("service.name", service), attribute.String("service.version", "1.4.2"),
			attribute.String("deployment.environment.name", "prod"), attribute.String("host.name", "web-1"))),
		sdklog.WithProcessor(sdklog.NewSimpleProcessor(exp)))
	logger := lp.Logger("com.acme.checkout.OrderController")
	emit := func(sev otellog.Severity, body string, attrs ...attribute.KeyValue) {
		var r otellog.Record
		r.SetTimestamp(time.Now())
		r.SetSeverity(sev)
		r.SetBody(attribute.StringValue(body))
		r.AddAttributes(attrs...)
		logger.Emit(ctx, r)
	}
	javaError := func(line int, order string) {
		emit(otellog.SeverityError, "Order "+order+" failed", attribute.String("exception.type", "java.lang.IllegalStateException"),
			attribute.String("exception.message", "Payment declined for order "+order), attribute.String("exception.stacktrace", javaTrace(line, order)),
			attribute.String("thread.name", "http-nio-8080-exec-1"))
	}
	javaError(1, "o-1001")
	javaError(7, "o-2002") // the same bug after a deploy
	for _, line := range []int{0, 3} {
		emit(otellog.SeverityError, "request failed", attribute.String("exception.type", "runtime.boundsError"),
			attribute.String("exception.stacktrace", goTrace(line)))
	}
	emit(otellog.SeverityInfo, "order o-3003 placed", attribute.String("order.id", "o-3003"))
	if err := lp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(exportErrs) > 0 {
		t.Fatalf("the exporter failed: %v", exportErrs)
	}
	mu.Unlock()

	// OTLP JSON of the same Java bug, and logback's JsonEncoder of it.
	otlpJSON := fmt.Sprintf(`{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":%q}}]},"scopeLogs":[{"scope":{"name":"com.acme.checkout.OrderController"},"logRecords":[{"timeUnixNano":"%d","severityNumber":17,"severityText":"ERROR","body":{"stringValue":"Order o-4004 failed"},"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","attributes":[{"key":"exception.type","value":{"stringValue":"java.lang.IllegalStateException"}},{"key":"exception.message","value":{"stringValue":"Payment declined for order o-4004"}},{"key":"exception.stacktrace","value":{"stringValue":%q}}]}]}]}]}`,
		service, time.Now().UnixNano(), javaTrace(4, "o-4004"))
	res, err := http.Post(base+"/v1/logs", "application/json", strings.NewReader(otlpJSON))
	if err != nil {
		t.Fatal(err)
	}
	var answer bytes.Buffer
	_, _ = answer.ReadFrom(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || answer.String() != "{}" || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("OTLP JSON: %d %q %s", res.StatusCode, res.Header.Get("Content-Type"), answer.String())
	}
	if status, body := post(t, base+"/v1/logs", logbackEvent(service, 9, "o-5005")); status != http.StatusAccepted {
		t.Fatalf("logback JSON: %d %s", status, body)
	}

	var docs []map[string]any
	testenv.Eventually(t, "7 events in logs-faultline-default", 60*time.Second, func() bool {
		docs = hits(t, es, "logs-faultline-default", service)
		return len(docs) == 7
	})
	byMessage := map[string]map[string]any{}
	for _, d := range docs {
		byMessage[d["message"].(string)] = d
	}
	java := byMessage["Order o-1001 failed"]
	if java == nil {
		t.Fatalf("no event for the first Java error: %v", docs)
	}
	for path, want := range map[string]any{
		"log.level": "ERROR", "log.logger": "com.acme.checkout.OrderController", "service.environment": "prod", "host.name": "web-1",
		"process.thread.name": "http-nio-8080-exec-1", "error.type": "java.lang.IllegalStateException",
		"error.message": "Payment declined for order o-1001", "event.dataset": "otlp", "labels.service_version": "1.4.2",
	} {
		if got := dig(java, strings.Split(path, ".")...); got != want {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	if tr := byMessage["Order o-4004 failed"]; dig(tr, "trace", "id") != "5b8efff798038103d269b633813fc60c" || dig(tr, "labels", "span_id") != "eee19b7ec3c1b174" {
		t.Errorf("OTLP JSON event's trace: %v %v", dig(tr, "trace"), dig(tr, "labels"))
	}
	info := byMessage["order o-3003 placed"]
	if dig(info, "log", "level") != "INFO" || dig(info, "labels", "order_id") != "o-3003" || dig(info, "error") != nil {
		t.Errorf("info event: %v", info)
	}

	fp := func(msg string) string {
		d := byMessage[msg]
		s, _ := dig(d, "faultline", "fingerprint").(string)
		if s == "" {
			t.Fatalf("no fingerprint on %q: %v", msg, d)
		}
		return s
	}
	javaFP, goFP := fp("Order o-1001 failed"), ""
	if fp("Order o-2002 failed") != javaFP || fp("Order o-4004 failed") != javaFP {
		t.Errorf("the Java bug over OTLP protobuf and JSON is in more than one group")
	}
	var goFPs []string
	for _, d := range docs {
		if d["message"] == "request failed" {
			goFPs = append(goFPs, dig(d, "faultline", "fingerprint").(string))
		}
	}
	if len(goFPs) != 2 || goFPs[0] != goFPs[1] || goFPs[0] == javaFP {
		t.Errorf("Go panics' fingerprints %v (Java's %s): want one group of their own", goFPs, javaFP)
	} else {
		goFP = goFPs[0]
	}
	if got := fp("Order o-5005 failed for customer c-9"); got != javaFP {
		t.Errorf("the logback JSON of the same bug has fingerprint %s, OTLP's %s", got, javaFP)
	}
	groups := map[string]float64{}
	testenv.Eventually(t, "groups counted", 60*time.Second, func() bool {
		clear(groups)
		for _, g := range hits(t, es, "faultline-groups", service) {
			groups[g["fingerprint"].(string)], _ = g["count"].(float64)
		}
		return groups[javaFP] == 4 && groups[goFP] == 2
	})
}

// TestOTelLogbackAppenderGroupsWithLogbackJSON sends what the OpenTelemetry
// logback appender sent for a log call (recorded by
// schemas/testdata/generator/otel) and what logback's JsonEncoder wrote for
// the same call: the two land in one group.
func TestOTelLogbackAppenderGroupsWithLogbackJSON(t *testing.T) {
	es := testenv.ElasticsearchURL(t)
	dir := t.TempDir()
	service := fmt.Sprintf("otel-appender-%d", time.Now().UnixNano())
	secret := "otel-appender-key"
	cfgFile := filepath.Join(dir, "faultline.yaml")
	if err := os.WriteFile(cfgFile, []byte(fmt.Sprintf("auth:\n  keys:\n    - service: %s\n      hash: %q\n", service, auth.Hash(secret))), 0o600); err != nil {
		t.Fatal(err)
	}
	base, _ := startAll(t, "--data-dir", dir, "--es-url", es, "--config", cfgFile)
	send := func(contentType, file string) {
		body, err := os.ReadFile("../../schemas/testdata/fixtures/" + file)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, base+"/v1/logs", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Authorization", "Bearer "+secret)
		// The recorded events carry their timestamps, so without a key of
		// this run they would be the ids an earlier run stored (rule 3).
		req.Header.Set("Idempotency-Key", service+"/"+file)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode/100 != 2 {
			t.Fatalf("%s: status %d", file, res.StatusCode)
		}
	}
	send("application/x-protobuf", "otel-logback.pb")
	send("application/json", "otel-logback-jsonencoder.ndjson")

	var docs []map[string]any
	testenv.Eventually(t, "4 events", 60*time.Second, func() bool {
		docs = hits(t, es, "logs-faultline-default", service)
		return len(docs) == 4
	})
	fps := map[string]string{}
	for _, d := range docs {
		if dig(d, "log", "level") == "ERROR" {
			fps[dig(d, "event", "dataset").(string)], _ = dig(d, "faultline", "fingerprint").(string)
		}
	}
	if len(fps) != 2 || fps["otlp"] == "" || fps["otlp"] != fps["logback"] {
		t.Fatalf("fingerprints by source %v: want the appender's and logback's equal", fps)
	}
	testenv.Eventually(t, "the error's group counting both", 60*time.Second, func() bool {
		for _, g := range hits(t, es, "faultline-groups", service) {
			if g["fingerprint"] == fps["otlp"] {
				return g["count"] == float64(2)
			}
		}
		return false
	})
}
