package otlp

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/faultline/faultline/ingest"
	"github.com/faultline/faultline/ingest/ingesttest"
	"github.com/faultline/faultline/internal/auth"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/testenv"
)

// JavaStack is how the OpenTelemetry logback appender writes
// exception.stacktrace: Throwable.printStackTrace's text.
const javaStack = `java.lang.IllegalStateException: Payment declined for order o-1
	at com.acme.checkout.PaymentService.charge(PaymentService.java:41)
	at com.acme.checkout.OrderService.placeOrder(OrderService.java:91)
	at java.lang.Thread.run(Thread.java:840)
Caused by: java.net.SocketTimeoutException: Read timed out
	at java.net.SocketInputStream.read(SocketInputStream.java:183)
	at com.acme.checkout.PaymentClient.post(PaymentClient.java:61)
	... 2 more
`

type server struct {
	url  string
	js   jetstream.JetStream
	stop func() // takes NATS down
}

func newServer(t *testing.T, cfg ingest.Config) *server {
	t.Helper()
	shared := func(srv *ingest.Server, _ *http.ServeMux) { srv.ShareLogs(New(srv, zerolog.Nop(), nil).Wrap) }
	s := ingesttest.Start(t, cfg, []ingesttest.Wire{shared}, nil)
	return &server{url: s.URL + "/v1/logs", js: s.JS, stop: s.NS.Shutdown}
}

func (s *server) stored(t *testing.T) []event.Event {
	t.Helper()
	return testenv.StreamEvents(t, s.js)
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (s *server) post(t *testing.T, contentType string, body []byte, header map[string]string) answer {
	t.Helper()
	h := map[string]string{"Content-Type": contentType}
	for k, v := range header {
		h[k] = v
	}
	res, b := testenv.Post(t, s.url, body, h)
	return answer{status: res.StatusCode, header: res.Header, body: b}
}

// status decodes a google.rpc.Status answer in the encoding of contentType.
func (a answer) rpcStatus(t *testing.T) *spb.Status {
	t.Helper()
	st := &spb.Status{}
	var err error
	if strings.HasPrefix(a.header.Get("Content-Type"), jsonType) {
		err = protojson.Unmarshal(a.body, st)
	} else {
		err = proto.Unmarshal(a.body, st)
	}
	if err != nil {
		t.Fatalf("answer %d %q is not a google.rpc.Status: %v", a.status, a.body, err)
	}
	return st
}

func (a answer) response(t *testing.T) *collogspb.ExportLogsServiceResponse {
	t.Helper()
	res := &collogspb.ExportLogsServiceResponse{}
	var err error
	if strings.HasPrefix(a.header.Get("Content-Type"), jsonType) {
		err = protojson.Unmarshal(a.body, res)
	} else {
		err = proto.Unmarshal(a.body, res)
	}
	if err != nil {
		t.Fatalf("answer %d %q is not an ExportLogsServiceResponse: %v", a.status, a.body, err)
	}
	return res
}

func str(s string) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: s}}
}

func kv(k string, v *commonpb.AnyValue) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: v}
}

func request(resource []*commonpb.KeyValue, scope string, recs ...*logspb.LogRecord) *collogspb.ExportLogsServiceRequest {
	return &collogspb.ExportLogsServiceRequest{ResourceLogs: []*logspb.ResourceLogs{{
		Resource:  &resourcepb.Resource{Attributes: resource},
		ScopeLogs: []*logspb.ScopeLogs{{Scope: &commonpb.InstrumentationScope{Name: scope}, LogRecords: recs}},
	}}}
}

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func mustMarshal(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var (
	traceID = []byte{0x5b, 0x8e, 0xff, 0xf7, 0x98, 0x03, 0x81, 0x03, 0xd2, 0x69, 0xb6, 0x33, 0x81, 0x3f, 0xc6, 0x0c}
	spanID  = []byte{0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x74}
	when    = time.Date(2026, 12, 3, 10, 0, 0, 123456789, time.UTC)
)

func sampleRequest(service string) *collogspb.ExportLogsServiceRequest {
	return request([]*commonpb.KeyValue{
		kv("service.name", str(service)), kv("service.version", str("1.4.2")),
		kv("deployment.environment.name", str("prod")), kv("host.name", str("web-1")),
		kv("telemetry.sdk.language", str("java")),
	}, "com.acme.checkout.OrderController",
		&logspb.LogRecord{
			TimeUnixNano: uint64(when.UnixNano()), SeverityNumber: logspb.SeverityNumber_SEVERITY_NUMBER_ERROR, SeverityText: "ERROR",
			Body: str("Order o-1 failed"), TraceId: traceID, SpanId: spanID,
			Attributes: []*commonpb.KeyValue{
				kv("exception.type", str("java.lang.IllegalStateException")),
				kv("exception.message", str("Payment declined for order o-1")),
				kv("exception.stacktrace", str(javaStack)),
				kv("thread.name", str("http-nio-8080-exec-1")),
				kv("http", &commonpb.AnyValue{Value: &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{Values: []*commonpb.KeyValue{
					kv("route", str("/orders")), kv("status", &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: 502}}),
				}}}}),
			},
		},
		&logspb.LogRecord{
			ObservedTimeUnixNano: uint64(when.UnixNano()), SeverityNumber: logspb.SeverityNumber_SEVERITY_NUMBER_INFO2,
			Body: &commonpb.AnyValue{Value: &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{Values: []*commonpb.KeyValue{
				kv("msg", str("order placed")), kv("order", str("o-2")),
			}}}},
		},
	)
}

// checkSample asserts the canonical events of sampleRequest.
func checkSample(t *testing.T, evs []event.Event, service string) {
	t.Helper()
	if len(evs) != 2 {
		t.Fatalf("%d events stored, want 2: %+v", len(evs), evs)
	}
	e := evs[0]
	if e.Message != "Order o-1 failed" || e.Log.Level != "ERROR" || e.Log.Logger != "com.acme.checkout.OrderController" ||
		e.Service.Name != service || e.Service.Environment != "prod" || e.Host == nil || e.Host.Name != "web-1" ||
		e.Process == nil || e.Process.Thread.Name != "http-nio-8080-exec-1" || !e.Timestamp.Equal(when) ||
		e.Trace == nil || e.Trace.ID != "5b8efff798038103d269b633813fc60c" || e.Event.Dataset != Dataset {
		t.Errorf("error event: %+v", e)
	}
	if e.Error == nil || e.Error.Type != "java.lang.IllegalStateException" || e.Error.Message != "Payment declined for order o-1" || e.Error.StackTrace != javaStack {
		t.Errorf("error fields: %+v", e.Error)
	}
	exs := e.Faultline.Exceptions
	if len(exs) != 2 || exs[1].Type != "java.net.SocketTimeoutException" || len(exs[0].Frames) != 3 ||
		exs[0].Frames[0].Function() != "com.acme.checkout.PaymentService.charge" || e.Faultline.Platform != "" {
		t.Errorf("exception chain: %+v (platform %q)", exs, e.Faultline.Platform)
	}
	want := map[string]string{"span_id": "eee19b7ec3c1b174", "service_version": "1.4.2", "http_route": "/orders", "http_status": "502", "telemetry_sdk_language": "java"}
	if fmt.Sprint(e.Labels) != fmt.Sprint(want) {
		t.Errorf("labels %v, want %v", e.Labels, want)
	}
	i := evs[1]
	if i.Message != "order placed" || i.Log.Level != "INFO" || !i.Timestamp.Equal(when) || i.Error != nil || i.Labels["order"] != "o-2" {
		t.Errorf("info event: %+v", i)
	}
}

func TestProtobufGzipAndJSONAreMapped(t *testing.T) {
	for _, tc := range []struct {
		name, contentType string
		body              func(t *testing.T, req *collogspb.ExportLogsServiceRequest) []byte
		header            map[string]string
	}{
		{"protobuf", protoType, func(t *testing.T, req *collogspb.ExportLogsServiceRequest) []byte { return mustMarshal(t, req) }, nil},
		{"protobuf gzip", protoType, func(t *testing.T, req *collogspb.ExportLogsServiceRequest) []byte {
			return gzipped(t, mustMarshal(t, req))
		}, map[string]string{"Content-Encoding": "gzip"}},
		{"json", jsonType + "; charset=utf-8", func(t *testing.T, req *collogspb.ExportLogsServiceRequest) []byte { return otlpJSON(t, req) }, nil},
		{"json gzip", jsonType, func(t *testing.T, req *collogspb.ExportLogsServiceRequest) []byte {
			return gzipped(t, otlpJSON(t, req))
		}, map[string]string{"Content-Encoding": "gzip"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, ingest.Config{})
			service := "otlp-" + strings.ReplaceAll(tc.name, " ", "-")
			a := s.post(t, tc.contentType, tc.body(t, sampleRequest(service)), tc.header)
			if a.status != http.StatusOK {
				t.Fatalf("status %d: %s", a.status, a.body)
			}
			if res := a.response(t); res.GetPartialSuccess() != nil {
				t.Errorf("partial success %v", res.GetPartialSuccess())
			}
			ct := protoType
			if strings.HasPrefix(tc.name, "json") {
				ct = jsonType
			}
			if got := a.header.Get("Content-Type"); got != ct {
				t.Errorf("answer's Content-Type %q, want %q", got, ct)
			}
			checkSample(t, s.stored(t), service)
		})
	}
}

// otlpJSON is req as OTLP JSON: protojson with the ids in hex, as the OTLP
// spec (and every exporter) writes them.
func otlpJSON(t testing.TB, req *collogspb.ExportLogsServiceRequest) []byte {
	t.Helper()
	b, err := protojson.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	for _, rl := range req.GetResourceLogs() {
		for _, sl := range rl.GetScopeLogs() {
			for _, lr := range sl.GetLogRecords() {
				for _, id := range [][]byte{lr.GetTraceId(), lr.GetSpanId()} {
					if len(id) > 0 {
						b = bytes.Replace(b, []byte(fmt.Sprintf("%q", base64Std(id))), []byte(fmt.Sprintf("%q", fmt.Sprintf("%x", id))), 1)
					}
				}
			}
		}
	}
	return b
}

func TestKeyServiceWinsAndLogbackJSONStillServed(t *testing.T) {
	keys, err := auth.New([]auth.Key{{Service: "billing", Hash: auth.Hash("otlp-secret")}})
	if err != nil {
		t.Fatal(err)
	}
	s := newServer(t, ingest.Config{Auth: keys})
	bearer := map[string]string{"Authorization": "Bearer otlp-secret"}
	a := s.post(t, protoType, mustMarshal(t, sampleRequest("checkout")), bearer)
	if a.status != http.StatusOK {
		t.Fatalf("status %d: %s", a.status, a.body)
	}
	// Today's JSON events on the same route and content type: today's answer.
	a = s.post(t, jsonType, []byte(`{"level":"ERROR","loggerName":"com.acme.A","message":"boom","context":{"name":"shop"}}`), bearer)
	if a.status != http.StatusAccepted || string(a.body) != `{"accepted":1}`+"\n" {
		t.Fatalf("logback JSON: %d %s", a.status, a.body)
	}
	evs := s.stored(t)
	if len(evs) != 3 {
		t.Fatalf("%d events", len(evs))
	}
	for _, e := range evs {
		if e.Service.Name != "billing" {
			t.Errorf("service %q, want the key's", e.Service.Name)
		}
	}
	if evs[2].Event.Dataset == Dataset {
		t.Error("the logback event was read as OTLP")
	}
}

func base64Std(b []byte) string {
	out, _ := json.Marshal(b) // encoding/json writes []byte as standard base64
	return strings.Trim(string(out), `"`)
}
