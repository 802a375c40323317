package ingest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/event"
)

// javaTrace is the JDK 21 Spring trace internal/event's parser tests use.
var javaTrace = func() string {
	b, err := os.ReadFile(filepath.Join("..", "internal", "event", "testdata", "jdk21-spring.trace"))
	if err != nil {
		panic(err)
	}
	return string(b)
}()

// oneLine joins a sample written over several lines for readability into
// the single line the encoders write.
func oneLine(s string) string {
	var b strings.Builder
	for l := range strings.SplitSeq(s, "\n") {
		b.WriteString(strings.TrimLeft(l, "\t"))
	}
	return b.String()
}

// logbackSample is logback 1.5 JsonEncoder output (spacing included) for
// log.error("Failed to place order {} for customer {}", orderId, customerId, e)
// with a cause chain, a suppressed exception and common frames.
var logbackSample = oneLine(`{"sequenceNumber":17,"timestamp":1717236000123,"nanoseconds":123456789,"level":"ERROR",
	"threadName":"http-nio-8080-exec-3","loggerName":"com.example.orders.OrderController",
	"context":{"name":"orders-service","birthdate":1717235900000,"properties":{"HOSTNAME":"orders-7d9f8b6c5-x2k4q"}},
	"markers": ["ALERT"],
	"mdc": {"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7","env":"prod","user.id":"u-1001"},
	"kvpList": [{"orderId":"42"},{"attempt":"3"}],
	"message":"Failed to place order {} for customer {}","arguments": ["42","c-77"],
	"throwable":{"className":"java.lang.IllegalStateException","message":"Order 42 could not be placed","stepArray":[
		{"className":"com.example.orders.OrderService","methodName":"lambda$placeOrder$0","fileName":"OrderService.java","lineNumber":88},
		{"className":"java.util.Optional","methodName":"orElseThrow","fileName":"Optional.java","lineNumber":403},
		{"className":"com.example.orders.OrderService","methodName":"placeOrder","fileName":"OrderService.java","lineNumber":61},
		{"className":"com.example.orders.OrderService$$SpringCGLIB$$0","methodName":"placeOrder","fileName":"<generated>","lineNumber":-1},
		{"className":"com.example.orders.OrderController","methodName":"placeOrder","fileName":"OrderController.java","lineNumber":34},
		{"className":"java.lang.Thread","methodName":"run","fileName":"Thread.java","lineNumber":1583}],
	"cause":{"className":"org.springframework.dao.DataIntegrityViolationException","message":"could not execute statement; constraint [uk_order_ref]","stepArray":[
		{"className":"org.springframework.orm.jpa.vendor.HibernateJpaDialect","methodName":"convertHibernateAccessException","fileName":"HibernateJpaDialect.java","lineNumber":290},
		{"className":"jdk.proxy2.$Proxy142","methodName":"save","fileName":"null","lineNumber":-1}],
	"commonFramesCount":5,
	"cause":{"className":"java.sql.SQLIntegrityConstraintViolationException","message":"Duplicate entry 'A-42' for key 'uk_order_ref'","stepArray":[
		{"className":"com.mysql.cj.jdbc.exceptions.SQLError","methodName":"createSQLException","fileName":"SQLError.java","lineNumber":118},
		{"className":"sun.nio.ch.SocketDispatcher","methodName":"write0","fileName":"SocketDispatcher.java","lineNumber":-2}],
	"commonFramesCount":12}},
	"suppressed":[{"className":"java.io.UncheckedIOException","message":"audit log closed","stepArray":[
		{"className":"com.example.orders.AuditLog","methodName":"close","fileName":"AuditLog.java","lineNumber":27}],
	"commonFramesCount":4,
	"cause":{"className":"java.io.IOException","message":"null","stepArray":[]}}]}}
`)

const logbackTrace = `java.lang.IllegalStateException: Order 42 could not be placed
	at com.example.orders.OrderService.lambda$placeOrder$0(OrderService.java:88)
	at java.util.Optional.orElseThrow(Optional.java:403)
	at com.example.orders.OrderService.placeOrder(OrderService.java:61)
	at com.example.orders.OrderService$$SpringCGLIB$$0.placeOrder(<generated>)
	at com.example.orders.OrderController.placeOrder(OrderController.java:34)
	at java.lang.Thread.run(Thread.java:1583)
	Suppressed: java.io.UncheckedIOException: audit log closed
		at com.example.orders.AuditLog.close(AuditLog.java:27)
		... 4 common frames omitted
	Caused by: java.io.IOException
Caused by: org.springframework.dao.DataIntegrityViolationException: could not execute statement; constraint [uk_order_ref]
	at org.springframework.orm.jpa.vendor.HibernateJpaDialect.convertHibernateAccessException(HibernateJpaDialect.java:290)
	at jdk.proxy2.$Proxy142.save(Unknown Source)
	... 5 common frames omitted
Caused by: java.sql.SQLIntegrityConstraintViolationException: Duplicate entry 'A-42' for key 'uk_order_ref'
	at com.mysql.cj.jdbc.exceptions.SQLError.createSQLException(SQLError.java:118)
	at sun.nio.ch.SocketDispatcher.write0(Native Method)
	... 12 common frames omitted
`

// logstashSample is Spring Boot's "logstash" structured format (the same
// fields as LogstashEncoder), with MDC, a key-value pair and a marker.
var logstashSample = oneLine(`{"@timestamp":"2024-06-01T14:00:00.123456+02:00","@version":"1",
	"message":"Payment declined for order 42","logger_name":"com.example.pay.PaymentClient",
	"thread_name":"scheduling-1","level":"WARN","level_value":30000,
	"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","service":"payments",
	"amount":129.5,"retry":true,"card":{"brand":"visa"},"tags":["PAYMENT"],"HOSTNAME":"pay-1",
	"stack_trace":` + mustJSON(javaTrace) + `}`)

// ecsDottedSample is Spring Boot 3.4's "ecs" format: dotted keys, MDC at the top.
var ecsDottedSample = oneLine(`{"@timestamp":"2024-11-20T09:15:30.123456Z","log.level":"ERROR","process.pid":4242,
	"process.thread.name":"http-nio-8080-exec-7","service.name":"inventory","service.version":"2.3.1",
	"service.environment":"staging","service.node.name":"inventory-1",
	"log.logger":"com.example.inventory.StockController","message":"Stock reservation failed",
	"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331",
	"error.type":"com.example.inventory.OutOfStockException","error.message":"SKU-9 has 0 left",
	"error.stack_trace":"com.example.inventory.OutOfStockException: SKU-9 has 0 left\n\tat com.example.inventory.StockService.reserve(StockService.java:51)\n\tat com.example.inventory.StockService$$SpringCGLIB$$0.reserve(<generated>)\n\tat com.example.inventory.StockController.reserve(StockController.java:29)\n",
	"ecs.version":"8.11"}`)

// ecsNestedSample is Spring Boot 3.5's "ecs" format: nested objects, MDC
// keys with dots nested too.
var ecsNestedSample = oneLine(`{"@timestamp":"2025-06-02T08:00:01.5Z",
	"log":{"level":"warning","logger":"com.example.inventory.Sync"},
	"process":{"pid":4242,"thread":{"name":"sync-1"}},
	"service":{"name":"inventory","version":"2.4.0","environment":"prod","node":{"name":"inv-2"}},
	"message":"Sync lagging by 42s","host":{"name":"node-a"},"trace":{"id":"abc123"},"event":{"id":"evt-1"},
	"labels":{"team":"core"},"order":{"id":"17"},"ecs":{"version":"8.11"}}`)

// ecsLoggingJavaSample is ecs-logging-java with stackTraceAsArray.
var ecsLoggingJavaSample = oneLine(`{"@timestamp":"2019-08-06T12:09:12.375Z", "log.level": "ERROR",
	"message":"Request failed", "ecs.version": "1.2.0","service.name":"spring-petclinic",
	"event.dataset":"spring-petclinic.log","process.thread.name":"http-nio-8080-exec-1",
	"log.logger":"org.springframework.samples.petclinic.system.CrashController",
	"error.type":"java.lang.RuntimeException","error.message":"Expected: controller used to showcase what happens when an exception is thrown",
	"error.stack_trace":["java.lang.RuntimeException: Expected: controller used to showcase what happens when an exception is thrown",
	"\tat org.springframework.samples.petclinic.system.CrashController.triggerException(CrashController.java:33)",
	"\tat java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)"]}`)

// gelfSample is Spring Boot's "gelf" structured format.
var gelfSample = oneLine(`{"version":"1.1","short_message":"Could not send invoice 7","timestamp":1725459730.385,
	"level":3,"_level_name":"ERROR","_process_pid":76204,"_process_thread_name":"mail-1","host":"billing",
	"_service_version":"1.0.0","_log_logger":"com.example.billing.Mailer","_traceId":"f00d",
	"full_message":"Could not send invoice 7\n\njakarta.mail.MessagingException: Connection refused\n\tat com.example.billing.Mailer.send(Mailer.java:40)\n",
	"_error_type":"jakarta.mail.MessagingException","_error_message":"Connection refused",
	"_error_stack_trace":"jakarta.mail.MessagingException: Connection refused\n\tat com.example.billing.Mailer.send(Mailer.java:40)\n"}`)

const plainSample = `{"time":"2024-01-02T03:04:05.5+01:00","level":"warning","msg":"disk almost full","logger":"fs","path":"/var","pct":93,"service":"storage"}`

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestParseEvent(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want event.Event
	}{
		{
			name: "logback JsonEncoder",
			raw:  logbackSample,
			want: event.Event{
				Timestamp: time.Unix(1717236000, 123456789).UTC(),
				Message:   "Failed to place order 42 for customer c-77",
				Log:       event.Log{Level: "ERROR", Logger: "com.example.orders.OrderController"},
				Process:   &event.Process{Thread: event.Thread{Name: "http-nio-8080-exec-3"}},
				Service:   event.Service{Name: "orders-service", Environment: "prod"},
				Host:      &event.Host{Name: "orders-7d9f8b6c5-x2k4q"},
				Error: &event.Error{
					Type:       "java.lang.IllegalStateException",
					Message:    "Order 42 could not be placed",
					StackTrace: logbackTrace,
				},
				Event: event.Meta{Dataset: "logback"},
				Trace: &event.Trace{ID: "4bf92f3577b34da6a3ce929d0e0e4736"},
				Labels: map[string]string{
					"traceId": "4bf92f3577b34da6a3ce929d0e0e4736", "spanId": "00f067aa0ba902b7",
					"env": "prod", "user_id": "u-1001", "orderId": "42", "attempt": "3",
				},
				Faultline: event.Faultline{
					MessageTemplate: "Failed to place order {} for customer {}",
					Exceptions: []event.Exception{
						{
							Type:    "java.lang.IllegalStateException",
							Message: "Order 42 could not be placed",
							Frames: []event.Frame{
								{Class: "com.example.orders.OrderService", Method: "lambda$placeOrder$0", File: "OrderService.java", Line: 88},
								{Class: "java.util.Optional", Method: "orElseThrow", File: "Optional.java", Line: 403},
								{Class: "com.example.orders.OrderService", Method: "placeOrder", File: "OrderService.java", Line: 61},
								{Class: "com.example.orders.OrderService$$SpringCGLIB$$0", Method: "placeOrder", File: "<generated>"},
								{Class: "com.example.orders.OrderController", Method: "placeOrder", File: "OrderController.java", Line: 34},
								{Class: "java.lang.Thread", Method: "run", File: "Thread.java", Line: 1583},
							},
						},
						{
							Type:    "org.springframework.dao.DataIntegrityViolationException",
							Message: "could not execute statement; constraint [uk_order_ref]",
							Frames: []event.Frame{
								{Class: "org.springframework.orm.jpa.vendor.HibernateJpaDialect", Method: "convertHibernateAccessException", File: "HibernateJpaDialect.java", Line: 290},
								{Class: "jdk.proxy2.$Proxy142", Method: "save"},
							},
						},
						{
							Type:    "java.sql.SQLIntegrityConstraintViolationException",
							Message: "Duplicate entry 'A-42' for key 'uk_order_ref'",
							Frames: []event.Frame{
								{Class: "com.mysql.cj.jdbc.exceptions.SQLError", Method: "createSQLException", File: "SQLError.java", Line: 118},
								{Class: "sun.nio.ch.SocketDispatcher", Method: "write0"},
							},
						},
					},
				},
			},
		},
		{
			name: "logstash",
			raw:  logstashSample,
			want: event.Event{
				Timestamp: time.Date(2024, 6, 1, 12, 0, 0, 123456000, time.UTC),
				Message:   "Payment declined for order 42",
				Log:       event.Log{Level: "WARN", Logger: "com.example.pay.PaymentClient"},
				Process:   &event.Process{Thread: event.Thread{Name: "scheduling-1"}},
				Service:   event.Service{Name: "payments"},
				Host:      &event.Host{Name: "pay-1"},
				Error: &event.Error{
					Type:       "org.springframework.web.client.HttpServerErrorException$BadGateway",
					Message:    `502 Bad Gateway: "upstream timeout"`,
					StackTrace: javaTrace,
				},
				Event: event.Meta{Dataset: "logstash"},
				Trace: &event.Trace{ID: "0af7651916cd43dd8448eb211c80319c"},
				Labels: map[string]string{
					"traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "b7ad6b7169203331",
					"service": "payments", "amount": "129.5", "retry": "true", "card_brand": "visa",
				},
				Faultline: event.Faultline{Exceptions: event.ParseStackTrace(javaTrace)},
			},
		},
		{
			name: "ECS dotted (Spring Boot 3.4)",
			raw:  ecsDottedSample,
			want: event.Event{
				Timestamp: time.Date(2024, 11, 20, 9, 15, 30, 123456000, time.UTC),
				Message:   "Stock reservation failed",
				Log:       event.Log{Level: "ERROR", Logger: "com.example.inventory.StockController"},
				Process:   &event.Process{Thread: event.Thread{Name: "http-nio-8080-exec-7"}},
				Service:   event.Service{Name: "inventory", Environment: "staging"},
				Error: &event.Error{
					Type:       "com.example.inventory.OutOfStockException",
					Message:    "SKU-9 has 0 left",
					StackTrace: "com.example.inventory.OutOfStockException: SKU-9 has 0 left\n\tat com.example.inventory.StockService.reserve(StockService.java:51)\n\tat com.example.inventory.StockService$$SpringCGLIB$$0.reserve(<generated>)\n\tat com.example.inventory.StockController.reserve(StockController.java:29)\n",
				},
				Event: event.Meta{Dataset: "ecs"},
				Trace: &event.Trace{ID: "0af7651916cd43dd8448eb211c80319c"},
				Labels: map[string]string{
					"traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "b7ad6b7169203331",
					"service_version": "2.3.1", "service_node_name": "inventory-1",
				},
				Faultline: event.Faultline{Exceptions: []event.Exception{{
					Type:    "com.example.inventory.OutOfStockException",
					Message: "SKU-9 has 0 left",
					Frames: []event.Frame{
						{Class: "com.example.inventory.StockService", Method: "reserve", File: "StockService.java", Line: 51},
						{Class: "com.example.inventory.StockService$$SpringCGLIB$$0", Method: "reserve", File: "<generated>"},
						{Class: "com.example.inventory.StockController", Method: "reserve", File: "StockController.java", Line: 29},
					},
				}}},
			},
		},
		{
			name: "ECS nested (Spring Boot 3.5)",
			raw:  ecsNestedSample,
			want: event.Event{
				Timestamp: time.Date(2025, 6, 2, 8, 0, 1, 500000000, time.UTC),
				Message:   "Sync lagging by 42s",
				Log:       event.Log{Level: "WARN", Logger: "com.example.inventory.Sync"},
				Process:   &event.Process{Thread: event.Thread{Name: "sync-1"}},
				Service:   event.Service{Name: "inventory", Environment: "prod"},
				Host:      &event.Host{Name: "node-a"},
				Event:     event.Meta{ID: "evt-1", Dataset: "ecs"},
				Trace:     &event.Trace{ID: "abc123"},
				Labels: map[string]string{
					"team": "core", "order_id": "17", "service_version": "2.4.0", "service_node_name": "inv-2",
				},
			},
		},
		{
			name: "ECS mixed dotted and nested",
			raw:  `{"@timestamp":"2025-06-02T08:00:01Z","log.level":"info","log":{"logger":"a.B"},"message":"hi","service.name":"x"}`,
			want: event.Event{
				Timestamp: time.Date(2025, 6, 2, 8, 0, 1, 0, time.UTC),
				Message:   "hi",
				Log:       event.Log{Level: "INFO", Logger: "a.B"},
				Service:   event.Service{Name: "x"},
				Event:     event.Meta{Dataset: "ecs"},
			},
		},
		{
			name: "ecs-logging-java stack trace array",
			raw:  ecsLoggingJavaSample,
			want: event.Event{
				Timestamp: time.Date(2019, 8, 6, 12, 9, 12, 375000000, time.UTC),
				Message:   "Request failed",
				Log:       event.Log{Level: "ERROR", Logger: "org.springframework.samples.petclinic.system.CrashController"},
				Process:   &event.Process{Thread: event.Thread{Name: "http-nio-8080-exec-1"}},
				Service:   event.Service{Name: "spring-petclinic"},
				Error: &event.Error{
					Type:       "java.lang.RuntimeException",
					Message:    "Expected: controller used to showcase what happens when an exception is thrown",
					StackTrace: "java.lang.RuntimeException: Expected: controller used to showcase what happens when an exception is thrown\n\tat org.springframework.samples.petclinic.system.CrashController.triggerException(CrashController.java:33)\n\tat java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)",
				},
				Event: event.Meta{Dataset: "ecs"},
				Faultline: event.Faultline{Exceptions: []event.Exception{{
					Type:    "java.lang.RuntimeException",
					Message: "Expected: controller used to showcase what happens when an exception is thrown",
					Frames: []event.Frame{
						{Class: "org.springframework.samples.petclinic.system.CrashController", Method: "triggerException", File: "CrashController.java", Line: 33},
						{Class: "jdk.internal.reflect.NativeMethodAccessorImpl", Method: "invoke0"},
					},
				}}},
			},
		},
		{
			name: "GELF",
			raw:  gelfSample,
			want: event.Event{
				Timestamp: time.Unix(1725459730, 385000000).UTC(),
				Message:   "Could not send invoice 7",
				Log:       event.Log{Level: "ERROR", Logger: "com.example.billing.Mailer"},
				Process:   &event.Process{Thread: event.Thread{Name: "mail-1"}},
				Host:      &event.Host{Name: "billing"},
				Error: &event.Error{
					Type:       "jakarta.mail.MessagingException",
					Message:    "Connection refused",
					StackTrace: "jakarta.mail.MessagingException: Connection refused\n\tat com.example.billing.Mailer.send(Mailer.java:40)\n",
				},
				Event:  event.Meta{Dataset: "gelf"},
				Trace:  &event.Trace{ID: "f00d"},
				Labels: map[string]string{"service_version": "1.0.0", "traceId": "f00d"},
				Faultline: event.Faultline{Exceptions: []event.Exception{{
					Type:    "jakarta.mail.MessagingException",
					Message: "Connection refused",
					Frames:  []event.Frame{{Class: "com.example.billing.Mailer", Method: "send", File: "Mailer.java", Line: 40}},
				}}},
			},
		},
		{
			name: "plain",
			raw:  plainSample,
			want: event.Event{
				Timestamp: time.Date(2024, 1, 2, 2, 4, 5, 500000000, time.UTC),
				Message:   "disk almost full",
				Log:       event.Log{Level: "WARN", Logger: "fs"},
				Service:   event.Service{Name: "storage"},
				Event:     event.Meta{Dataset: "plain"},
				Labels:    map[string]string{"path": "/var", "pct": "93", "service": "storage"},
			},
		},
		{
			name: "plain pino-style numbers",
			raw:  `{"level":50,"time":1717236000123,"msg":"boom","pid":7}`,
			want: event.Event{
				Timestamp: time.UnixMilli(1717236000123).UTC(),
				Message:   "boom",
				Log:       event.Log{Level: "ERROR"},
				Event:     event.Meta{Dataset: "plain"},
				Labels:    map[string]string{"pid": "7"},
			},
		},
		{
			name: "logback formattedMessage wins, no template placeholders",
			raw:  `{"sequenceNumber":1,"timestamp":1717236000000,"nanoseconds":-1,"level":"INFO","threadName":"main","loggerName":"App","context":{"name":"default","birthdate":0,"properties":{}},"mdc": {},"message":"Started in \\{} ms","formattedMessage":"Started in {} ms","throwable":null}`,
			want: event.Event{
				Timestamp: time.UnixMilli(1717236000000).UTC(),
				Message:   "Started in {} ms",
				Log:       event.Log{Level: "INFO", Logger: "App"},
				Process:   &event.Process{Thread: event.Thread{Name: "main"}},
				Event:     event.Meta{Dataset: "logback"},
			},
		},
		{
			name: "logback throwable only",
			raw:  `{"level":"ERROR","loggerName":"App","message":"","throwable":{"className":"java.lang.NullPointerException","message":"null","stepArray":[{"className":"App","methodName":"main","fileName":"App.java","lineNumber":5}]}}`,
			want: event.Event{
				Log:   event.Log{Level: "ERROR", Logger: "App"},
				Event: event.Meta{Dataset: "logback"},
				Error: &event.Error{
					Type:       "java.lang.NullPointerException",
					StackTrace: "java.lang.NullPointerException\n\tat App.main(App.java:5)\n",
				},
				Faultline: event.Faultline{Exceptions: []event.Exception{{
					Type:   "java.lang.NullPointerException",
					Frames: []event.Frame{{Class: "App", Method: "main", File: "App.java", Line: 5}},
				}}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEvent([]byte(tt.raw))
			if err != nil {
				t.Fatalf("ParseEvent: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				g, _ := json.MarshalIndent(got, "", "  ")
				w, _ := json.MarshalIndent(tt.want, "", "  ")
				t.Errorf("ParseEvent mismatch\n got %s\nwant %s", g, w)
			}
		})
	}
}

// The rendered logback trace must parse back to the chain read from the
// JSON, so text and JSON inputs of one error fingerprint alike.
func TestLogbackTraceRoundTrip(t *testing.T) {
	ev, err := ParseEvent([]byte(logbackSample))
	if err != nil {
		t.Fatal(err)
	}
	if got := event.ParseStackTrace(ev.Error.StackTrace); !reflect.DeepEqual(got, ev.Faultline.Exceptions) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, ev.Faultline.Exceptions)
	}
}

func TestParseEventErrors(t *testing.T) {
	tests := []struct {
		name, raw, want string
	}{
		{"array", `[{"message":"a"}]`, "event is a JSON array, not an object"},
		{"string", `"hello"`, "event is a JSON string, not an object"},
		{"number", `42`, "event is a JSON number, not an object"},
		{"boolean", `false`, "event is a JSON boolean, not an object"},
		{"null", `null`, "event is a JSON null, not an object"},
		{"no message", `{"foo":1,"bar":"x"}`, `no "message" field (expected logback, logstash, ECS or plain JSON with a message)`},
		{"empty message", `{"message":""}`, "plain event has an empty message and no exception"},
		{"logback without message", `{"loggerName":"a","level":"INFO","throwable":null}`, `logback event has no "message", "formattedMessage" or "throwable"`},
		{"ECS without message", `{"log.level":"INFO","ecs.version":"8.11"}`, `ECS event has no "message" and no "error.type" or "error.stack_trace"`},
		{"trailing data", `{"message":"a"} {"message":"b"}`, "invalid JSON: data after the event object"},
		{"invalid", `{"message":}`, "invalid JSON: invalid character '}' looking for beginning of value (at byte 12)"},
		{"too deep", `{"message":"a","x":` + strings.Repeat("[", 64) + strings.Repeat("]", 64) + `}`, "JSON nested deeper than 64 levels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseEvent([]byte(tt.raw))
			if err == nil || err.Error() != tt.want {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
	// The limit itself is allowed; braces inside strings do not count.
	ok := `{"message":"[[{{","x":` + strings.Repeat("[", 63) + strings.Repeat("]", 63) + `}`
	if _, err := ParseEvent([]byte(ok)); err != nil {
		t.Errorf("depth 64: %v", err)
	}
}

func TestFormatTemplate(t *testing.T) {
	tests := []struct {
		tpl  string
		args []any
		want string
	}{
		{"a {} b {}", []any{"x", json.Number("2")}, "a x b 2"},
		{"a {} b {}", []any{"x"}, "a x b {}"},
		{"{}{}", []any{nil, true}, "nulltrue"},
		{`set \{} to {}`, []any{"v"}, "set {} to v"},
		{`path C:\\{}`, []any{"dir"}, `path C:\dir`},
		{`no args \{}`, nil, `no args \{}`},
		{"extra {}", []any{"a", "b"}, "extra a"},
		{"obj {}", []any{map[string]any{"k": "<v>"}}, `obj {"k":"<v>"}`},
	}
	for _, tt := range tests {
		if got := formatTemplate(tt.tpl, tt.args); got != tt.want {
			t.Errorf("formatTemplate(%q, %v) = %q, want %q", tt.tpl, tt.args, got, tt.want)
		}
	}
	for tpl, want := range map[string]bool{"a {}": true, `a \{}`: false, `a \\{}`: true, "a { }": false, `\{} {}`: true} {
		if got := hasPlaceholder(tpl); got != want {
			t.Errorf("hasPlaceholder(%q) = %v", tpl, got)
		}
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   any
		want time.Time
		err  string // the reason, when refused
	}{
		{in: "2024-06-01T14:00:00.123+02:00", want: time.Date(2024, 6, 1, 12, 0, 0, 123000000, time.UTC)},
		{in: "2024-06-01T14:00:00.123+0200", want: time.Date(2024, 6, 1, 12, 0, 0, 123000000, time.UTC)},
		{in: "2024-06-01 12:00:00,123", want: time.Date(2024, 6, 1, 12, 0, 0, 123000000, time.UTC)},
		{in: json.Number("1717243200"), want: time.Unix(1717243200, 0).UTC()},
		{in: json.Number("1717243200.25"), want: time.Unix(1717243200, 250000000).UTC()},
		{in: json.Number("1717243200123"), want: time.UnixMilli(1717243200123).UTC()},
		{in: json.Number("1717243200123456"), want: time.UnixMicro(1717243200123456).UTC()},
		{in: json.Number("1717243200123456789"), want: time.Unix(0, 1717243200123456789).UTC()},
		{in: json.Number("1.7172432e9"), want: time.Unix(1717243200, 0).UTC()},
		// No value: ingest stamps the event with its own clock.
		{in: nil},
		{in: ""},
		{in: "  "},
		// A value it cannot read is refused, saying why.
		{in: "NaN", err: `timestamp "NaN": want RFC 3339 text`},
		{in: "yesterday", err: `timestamp "yesterday": want RFC 3339 text`},
		{in: "Dec  3 13:00:00", err: `timestamp "Dec  3 13:00:00": want RFC 3339`},
		{in: "2026-13-01T00:00:00Z", err: `timestamp "2026-13-01T00:00:00Z"`},
		{in: strings.Repeat("9", 200), err: `timestamp "99999999`},
		{in: json.Number("-5"), err: "timestamp -5: want RFC 3339 text (2006-01-02T15:04:05Z) or a positive Unix epoch number"},
		{in: json.Number("0"), err: "timestamp 0: want"},
		{in: true, err: "timestamp is a JSON boolean"},
		{in: map[string]any{}, err: "timestamp is a JSON object"},
	}
	for _, tt := range tests {
		got, err := parseTime(tt.in)
		if !got.Equal(tt.want) || (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("parseTime(%v) = %v, %v; want %v, error %q", tt.in, got, err, tt.want, tt.err)
		}
		if err != nil && len(err.Error()) > 200 {
			t.Errorf("parseTime(%.20v…): a reason of %d bytes", tt.in, len(err.Error()))
		}
	}
}

// TestEventTimestamps: per format, what happens to a timestamp far ahead,
// far behind, unreadable or absent, as ingest answers it.
func TestEventTimestamps(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	s := &Server{now: func() time.Time { return now }, cfg: Config{MaxEventBytes: 1 << 20}}
	for _, tc := range []struct {
		name, line string
		want       time.Time // the stored time when accepted
		err        string
	}{
		{"logback, now", `{"timestamp":1796299200000,"level":"ERROR","loggerName":"a.B","message":"x"}`, now, ""},
		{"logback, year 5138", `{"timestamp":99999999999999,"level":"ERROR","loggerName":"a.B","message":"x"}`, time.Time{}, "timestamp 5138-11-16T09:46:39.999Z is 1136616 days after ingest's clock"},
		{"logback, zero", `{"timestamp":0,"level":"ERROR","loggerName":"a.B","message":"x"}`, time.Time{}, "timestamp 0: want"},
		{"logback, text", `{"timestamp":"soon","level":"ERROR","loggerName":"a.B","message":"x"}`, time.Time{}, `timestamp "soon"`},
		{"logback, RFC 3339 text", `{"timestamp":"2026-12-03T11:00:00Z","level":"ERROR","loggerName":"a.B","message":"x"}`, now.Add(-time.Hour), ""},
		{"logback, object", `{"timestamp":{},"level":"ERROR","loggerName":"a.B","message":"x"}`, time.Time{}, "timestamp is a JSON object"},
		{"logback, none", `{"level":"ERROR","loggerName":"a.B","message":"x"}`, now, ""},
		{"ECS, 23h ahead", `{"@timestamp":"2026-12-04T11:00:00Z","log.level":"error","message":"x","ecs.version":"1.6.0"}`, now.Add(23 * time.Hour), ""},
		{"ECS, 25h ahead", `{"@timestamp":"2026-12-04T13:00:00Z","log.level":"error","message":"x","ecs.version":"1.6.0"}`, time.Time{}, "is 25h0m0s after ingest's clock (2026-12-03T12:00:00Z); more than 24h0m0s ahead is refused"},
		{"logstash, 1999", `{"@timestamp":"1999-12-31T23:59:59Z","@version":"1","message":"x","level":"ERROR"}`, time.Time{}, "timestamp 1999-12-31T23:59:59Z is before 2000-01-01"},
		{"logstash, 2000", `{"@timestamp":"2000-01-01T00:00:00Z","@version":"1","message":"x","level":"ERROR"}`, Earliest, ""},
		{"GELF, epoch seconds", `{"short_message":"x","timestamp":1796299200.5}`, now.Add(500 * time.Millisecond), ""},
		{"GELF, null", `{"short_message":"x","timestamp":null}`, now, ""},
		{"plain, 1970 epoch", `{"message":"x","time":1}`, time.Time{}, "is before 2000-01-01"},
		{"plain, unreadable ts", `{"message":"x","ts":"3 pm"}`, time.Time{}, `timestamp "3 pm"`},
		{"plain, year 9999", `{"message":"x","timestamp":"9999-12-31T23:59:59Z"}`, time.Time{}, "after ingest's clock"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := s.parse(Line{Raw: []byte(tc.line), N: 1}, "svc", "", &idRules{})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("got %v, want an error containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ev event.Event
			derr := event.Unmarshal(e.data, &ev)
			if derr != nil || !ev.Timestamp.Equal(tc.want) {
				t.Errorf("stored at %v (%v), want %v", ev.Timestamp, derr, tc.want)
			}
		})
	}
}

// FuzzEventTime: whatever a line says, an event ingest accepts is stored
// at a time within the bounds, and a refusal says why.
func FuzzEventTime(f *testing.F) {
	for _, s := range []string{
		`{"timestamp":1796299200000,"loggerName":"a","message":"x"}`, `{"timestamp":99999999999999,"loggerName":"a","message":"x"}`,
		`{"@timestamp":"2026-12-04T13:00:00Z","ecs.version":"1","message":"x"}`, `{"@timestamp":"1999-12-31T23:59:59Z","@version":"1","message":"x"}`,
		`{"short_message":"x","timestamp":1796299200.5}`, `{"message":"x","time":1}`, `{"message":"x","ts":"3 pm"}`,
		`{"message":"x","timestamp":"9999-12-31T23:59:59Z"}`, `{"message":"x","ts":"1796299200123456789"}`, `{"message":"x"}`,
	} {
		f.Add([]byte(s))
	}
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	s := &Server{now: func() time.Time { return now }, cfg: Config{MaxEventBytes: 1 << 20}}
	f.Fuzz(func(t *testing.T, raw []byte) {
		e, err := s.parse(Line{Raw: raw, N: 1}, "svc", "", &idRules{})
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty reason")
			}
			return
		}
		var ev event.Event
		if err := event.Unmarshal(e.data, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Timestamp.Before(Earliest) || ev.Timestamp.After(now.Add(MaxAhead)) {
			t.Fatalf("%q stored at %v", raw, ev.Timestamp)
		}
	})
}

func FuzzParseEvent(f *testing.F) {
	for _, s := range []string{
		logbackSample, logstashSample, ecsDottedSample, ecsNestedSample, ecsLoggingJavaSample, gelfSample, plainSample,
		`{"message":"x","a":{"b":{"c":[1,{"d":null}]}}}`, `{"throwable":{"className":"A","cause":{"className":"B"}}}`,
		`{"msg":"x","ts":"NaN"}`, `[]`, `{"error":"java.lang.Error\n\tat a.b(c)"}`,
		`{"loggerName":"a","message":"\\{} {} \\\\{}","arguments":[1,null,"z"],"kvpList":[{"k":"v"}],"mdc":{"service":"s"}}`,
		`{"short_message":"m","full_message":"m\n\nx.Y: z\n\tat a.b(c:1)","level":7,"timestamp":"1.7e9"}`,
		`{"log":{"level":"ERROR"},"error":{"type":"x.Y","stack_trace":["x.Y: z","\tat a.b(c:1)"]},"labels":{"a.b":1}}`,
		`{"@version":"1","level_value":40000,"stack_trace":"Wrapped by: a.B\n\tSuppressed: c.D"}`,
		// Timestamps ahead, behind, unreadable and of the wrong type.
		`{"timestamp":99999999999999,"loggerName":"a","message":"x"}`, `{"timestamp":-1,"threadName":"t","message":"x"}`,
		`{"timestamp":"2026-01-01T00:00:00Z","loggerName":"a","message":"x"}`, `{"timestamp":{},"loggerName":"a","message":"x"}`,
		`{"@timestamp":"soon","ecs.version":"1","message":"x"}`, `{"message":"x","time":"9999-12-31T23:59:59Z"}`,
		`{"short_message":"x","timestamp":[1]}`, `{"message":"x","ts":1e300}`,
	} {
		f.Add([]byte(s))
	}
	// The real libraries' output is the best seed of all.
	for _, name := range []string{"logback-jsonencoder.ndjson", "logstash.ndjson", "ecs.ndjson"} {
		raw, err := os.ReadFile(filepath.Join("..", "schemas", "testdata", "fixtures", name))
		if err != nil {
			f.Fatal(err)
		}
		for _, line := range bytes.Split(raw, []byte("\n")) {
			if len(line) > 0 {
				f.Add(line)
			}
		}
	}
	datasets := map[string]bool{"logback": true, "logstash": true, "ecs": true, "gelf": true, "plain": true}
	f.Fuzz(func(t *testing.T, raw []byte) {
		sameAsReference(t, raw)
		ev, err := ParseEvent(raw)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error text")
			}
			return
		}
		if ev.Message == "" && len(ev.Faultline.Exceptions) == 0 {
			t.Fatal("accepted an event with neither message nor exception")
		}
		if !datasets[ev.Event.Dataset] {
			t.Fatalf("dataset %q", ev.Event.Dataset)
		}
		for k := range ev.Labels {
			if k == "" || strings.Contains(k, ".") {
				t.Fatalf("label key %q", k)
			}
		}
		if _, err := json.Marshal(ev); err != nil {
			t.Fatalf("marshal: %v", err)
		}
		again, _ := ParseEvent(raw)
		if !reflect.DeepEqual(ev, again) {
			t.Fatal("ParseEvent is not deterministic")
		}
	})
}
