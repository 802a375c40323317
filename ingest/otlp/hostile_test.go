package otlp

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"

	"github.com/faultline/faultline/ingest"
	"github.com/faultline/faultline/internal/auth"
	"github.com/faultline/faultline/internal/broker"
)

func tinyRecords(n int) *collogspb.ExportLogsServiceRequest {
	recs := make([]*logspb.LogRecord, n)
	for i := range recs {
		recs[i] = &logspb.LogRecord{Body: str("x")}
	}
	return request([]*commonpb.KeyValue{kv("service.name", str("hostile"))}, "", recs...)
}

// Hostile and broken requests get the answer the OTLP spec asks for, with a
// message that names what was wrong, and nothing of them is stored.
func TestHostileRequests(t *testing.T) {
	keys, err := auth.New([]auth.Key{{Service: "hostile", Hash: auth.Hash("hostile-secret")}})
	if err != nil {
		t.Fatal(err)
	}
	s := newServer(t, ingest.Config{Auth: keys, MaxBodyBytes: 1 << 20, MaxEventBytes: 64 << 10})
	bearer := map[string]string{"Authorization": "Bearer hostile-secret"}
	valid := mustMarshal(t, sampleRequest("hostile"))
	attrs := make([]*commonpb.KeyValue, 3000)
	for i := range attrs {
		attrs[i] = kv(fmt.Sprintf("k%05d", i), str("v"))
	}
	for _, tc := range []struct {
		name, contentType string
		body              []byte
		header            map[string]string
		status            int
		message           string // google.rpc.Status message (prefix)
		retryAfter        string
	}{
		{name: "truncated protobuf", contentType: protoType, body: valid[:len(valid)-7],
			status: http.StatusBadRequest, message: "protobuf ExportLogsServiceRequest: "},
		{name: "not protobuf at all", contentType: protoType, body: []byte("{\"resourceLogs\":[]}"),
			status: http.StatusBadRequest, message: "protobuf ExportLogsServiceRequest: "},
		{name: "unsupported content encoding", contentType: protoType, body: valid, header: map[string]string{"Content-Encoding": "br"},
			status: http.StatusUnsupportedMediaType, message: `content encoding "br" not supported (use gzip)`},
		{name: "gzip header lies", contentType: protoType, body: valid, header: map[string]string{"Content-Encoding": "gzip"},
			status: http.StatusBadRequest, message: "gzip body: gzip: invalid header"},
		{name: "body over max_body_bytes", contentType: protoType, body: bytes.Repeat([]byte{0}, 2<<20),
			status: http.StatusRequestEntityTooLarge, message: "body of 2097152 bytes is larger than 1048576 bytes"},
		{name: "100 000 records", contentType: protoType, body: mustMarshal(t, tinyRecords(100000)),
			status: http.StatusRequestEntityTooLarge, message: "more than 10000 log records in one request; export smaller batches (OTEL_BLRP_MAX_EXPORT_BATCH_SIZE)"},
		{name: "JSON trace id not hex", contentType: jsonType,
			body:   []byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"a"}},{"body":{"stringValue":"b"},"traceId":"zz8efff798038103d269b633813fc60c"}]}]}]}`),
			status: http.StatusBadRequest, message: `resourceLogs[0].scopeLogs[0].logRecords[1].traceId: "zz8efff798038103d269b633813fc60c" is not 32 hex digits`},
		{name: "JSON span id too short", contentType: jsonType,
			body:   []byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"a"},"spanId":"eee19b"}]}]}]}`),
			status: http.StatusBadRequest, message: `resourceLogs[0].scopeLogs[0].logRecords[0].spanId: "eee19b" is not 16 hex digits`},
		{name: "JSON trace id base64 instead of hex", contentType: jsonType,
			body:   []byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"a"},"traceId":"W47/95gDgQPSabYzgT/GDA=="}]}]}]}`),
			status: http.StatusBadRequest, message: `resourceLogs[0].scopeLogs[0].logRecords[0].traceId: "W47/95gDgQPSabYzgT/GDA==" is not 32 hex digits`},
		{name: "JSON wrong types", contentType: jsonType, body: []byte(`{"resourceLogs":[{"scopeLogs":5}]}`),
			status: http.StatusBadRequest, message: "OTLP JSON ExportLogsServiceRequest: "},
		{name: "JSON truncated", contentType: jsonType, body: []byte(`{"resourceLogs":[{"scopeLogs":[{"logRec`),
			status: http.StatusBadRequest, message: "OTLP JSON: unexpected EOF"},
		{name: "no key", contentType: protoType, body: valid, header: map[string]string{},
			status: http.StatusUnauthorized, message: "missing API key: send Authorization: Bearer <key>"},
		{name: "unknown key", contentType: jsonType, body: otlpJSON(t, sampleRequest("hostile")), header: map[string]string{"Authorization": "Bearer nope"},
			status: http.StatusForbidden, message: "unknown API key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			header := tc.header
			if header == nil {
				header = bearer
			} else if _, ok := header["Authorization"]; !ok && tc.status != http.StatusUnauthorized {
				header["Authorization"] = bearer["Authorization"]
			}
			before := len(s.stored(t))
			a := s.post(t, tc.contentType, tc.body, header)
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %s", a.status, tc.status, a.body)
			}
			st := a.rpcStatus(t)
			if !strings.HasPrefix(st.GetMessage(), tc.message) || (tc.message == "" && st.GetMessage() != "") {
				t.Errorf("message %q, want %q", st.GetMessage(), tc.message)
			}
			if want := tc.contentType; a.header.Get("Content-Type") != want {
				t.Errorf("Content-Type %q, want %q", a.header.Get("Content-Type"), want)
			}
			if got := a.header.Get("Retry-After"); got != tc.retryAfter {
				t.Errorf("Retry-After %q, want %q", got, tc.retryAfter)
			}
			if n := len(s.stored(t)) - before; n != 0 {
				t.Errorf("%d events stored", n)
			}
		})
	}

	t.Run("huge attribute map", func(t *testing.T) {
		before := len(s.stored(t))
		req := tinyRecords(1)
		req.ResourceLogs[0].ScopeLogs[0].LogRecords[0].Attributes = attrs
		a := s.post(t, protoType, mustMarshal(t, req), bearer)
		if a.status != http.StatusOK || a.response(t).GetPartialSuccess() != nil {
			t.Fatalf("status %d: %s", a.status, a.body)
		}
		evs := s.stored(t)[before:]
		if len(evs) != 1 || len(evs[0].Labels) != maxLabels+1 || evs[0].Labels["k00000"] != "v" || evs[0].Labels["faultline_dropped_attributes"] != fmt.Sprint(4*maxLabels+1-maxLabels) {
			t.Fatalf("labels %d: dropped %q", len(evs[0].Labels), evs[0].Labels["faultline_dropped_attributes"])
		}
	})

	t.Run("bad records refused in partial_success", func(t *testing.T) {
		before := len(s.stored(t))
		big := strings.Repeat("x", 70<<10)
		req := tinyRecords(4)
		recs := req.ResourceLogs[0].ScopeLogs[0].LogRecords
		recs[1].Body = nil
		recs[2].Body = str(big)
		a := s.post(t, jsonType, otlpJSON(t, req), bearer)
		if a.status != http.StatusOK {
			t.Fatalf("status %d: %s", a.status, a.body)
		}
		ps := a.response(t).GetPartialSuccess()
		want := "log record 2: log record has neither a body nor exception attributes; log record 3: 71688 bytes, larger than the 65536 byte event limit"
		if ps.GetRejectedLogRecords() != 2 || ps.GetErrorMessage() != want {
			t.Errorf("partial success %v, want 2 rejected: %s", ps, want)
		}
		if n := len(s.stored(t)) - before; n != 2 {
			t.Errorf("%d events stored, want 2", n)
		}
	})

	t.Run("empty request", func(t *testing.T) {
		a := s.post(t, protoType, nil, bearer)
		if a.status != http.StatusOK || len(a.body) != 0 {
			t.Fatalf("status %d: %q", a.status, a.body)
		}
	})
}

// A sender over its rate limit hears 429 and a stream that cannot store
// 503, both with Retry-After: the answers OTLP exporters retry.
func TestRetryableAnswers(t *testing.T) {
	s := newServer(t, ingest.Config{RateLimit: 1, Burst: 2})
	body := mustMarshal(t, sampleRequest("retryable"))
	if a := s.post(t, protoType, body, nil); a.status != http.StatusOK {
		t.Fatalf("first: %d %s", a.status, a.body)
	}
	a := s.post(t, protoType, body, nil)
	if st := a.rpcStatus(t); a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") == "" || !strings.HasPrefix(st.GetMessage(), "rate limit of 1 events/s exceeded") || st.GetCode() != 8 {
		t.Fatalf("over the limit: %d Retry-After %q %v", a.status, a.header.Get("Retry-After"), st)
	}

	// A full events stream: 507 on the JSON route, 503 here, since OTLP
	// exporters do not retry 507.
	s = newServer(t, ingest.Config{})
	if err := broker.EnsureStreamsWith(context.Background(), s.js, 1, broker.Limits{EventsMaxBytes: 64 << 10}); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		req := tinyRecords(1)
		req.ResourceLogs[0].ScopeLogs[0].LogRecords[0].Body = str(fmt.Sprintf("fill %d %s", i, strings.Repeat("x", 2000)))
		a = s.post(t, protoType, mustMarshal(t, req), nil)
		if a.status != http.StatusOK {
			break
		}
		if i > 1000 {
			t.Fatal("a 64 KiB stream never filled")
		}
	}
	if st := a.rpcStatus(t); a.status != http.StatusServiceUnavailable || a.header.Get("Retry-After") != "30" || !strings.HasPrefix(st.GetMessage(), "event stream full") || st.GetCode() != 14 {
		t.Fatalf("stream full: %d Retry-After %q %v", a.status, a.header.Get("Retry-After"), st)
	}

	s = newServer(t, ingest.Config{})
	s.stop()
	a = s.post(t, jsonType, otlpJSON(t, sampleRequest("retryable")), nil)
	if st := a.rpcStatus(t); a.status != http.StatusServiceUnavailable || a.header.Get("Retry-After") != "5" || !strings.HasPrefix(st.GetMessage(), "event stream unavailable, retry later") || st.GetCode() != 14 {
		t.Fatalf("NATS down: %d Retry-After %q %v", a.status, a.header.Get("Retry-After"), st)
	}
}

// A body that is not OTLP by its content type goes to the JSON route, which
// answers as it always did.
func TestWrongContentTypeGetsTodaysAnswer(t *testing.T) {
	s := newServer(t, ingest.Config{})
	pb := mustMarshal(t, sampleRequest("wrong-type"))
	for _, tc := range []struct {
		name, contentType string
		status            int
		body              string
	}{
		{"xml", "text/xml", http.StatusUnsupportedMediaType, `{"accepted":0,"error":"content type \"text/xml\" is not JSON: send application/json or application/x-ndjson"}`},
		{"protobuf sent as JSON", jsonType, http.StatusBadRequest, `"error":"no valid events in the body"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := s.post(t, tc.contentType, pb, nil)
			if a.status != tc.status || !strings.Contains(string(a.body), tc.body) {
				t.Fatalf("%d %s, want %d %s", a.status, a.body, tc.status, tc.body)
			}
			if n := len(s.stored(t)); n != 0 {
				t.Errorf("%d events stored", n)
			}
		})
	}
}
