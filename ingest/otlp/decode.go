package otlp

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/faultline/faultline/internal/event"
)

// encoding is the wire form of a request, and of its answer.
type encoding int

const (
	encNone encoding = iota // not OTLP: today's /v1/logs handler serves it
	encProto
	encJSON
)

const (
	protoType = "application/x-protobuf"
	jsonType  = "application/json"
)

// sniffBytes is how much of a JSON body is looked at to tell OTLP JSON from
// a logback/ECS event: the first member's name, even behind a gzip header
// and the first deflate block's code tables.
const sniffBytes = 2048

// classify tells an OTLP request from the JSON events today's handler
// reads on the same route and content type. Protobuf is OTLP by its type;
// JSON is OTLP when the object's first member is "resourceLogs" (the only
// field of ExportLogsServiceRequest; exporters write nothing before it).
// The bytes looked at are put back, so the body reads whole afterwards.
func classify(r *http.Request) encoding {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return encNone
	}
	switch mt {
	case protoType:
		return encProto
	case jsonType:
	default:
		return encNone
	}
	br := bufio.NewReaderSize(r.Body, sniffBytes)
	r.Body = struct {
		io.Reader
		io.Closer
	}{br, r.Body}
	head, _ := br.Peek(sniffBytes) // a shorter body is all there is
	var text io.Reader = bytes.NewReader(head)
	switch strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))) {
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(text)
		if err != nil {
			return encNone // today's handler names the bad gzip body
		}
		text = zr
	}
	dec := json.NewDecoder(text)
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return encNone
	}
	if tok, err := dec.Token(); err == nil && (tok == "resourceLogs" || tok == "resource_logs") {
		return encJSON
	}
	return encNone
}

// maxRecords bounds the log records of one request: each becomes an event
// of its own with the resource's fields copied in, so records are what a
// request costs, more than its bytes. OTel SDKs export 512 at a time.
const maxRecords = 10000

// decode reads an ExportLogsServiceRequest in enc.
func decode(body []byte, enc encoding) (*collogspb.ExportLogsServiceRequest, error) {
	req := &collogspb.ExportLogsServiceRequest{}
	switch enc {
	case encProto:
		// Counted on the wire first, so a body of tiny records is refused
		// before it is unpacked into many times its size.
		n, err := countRecords(body)
		if err != nil {
			return nil, fmt.Errorf("protobuf ExportLogsServiceRequest: %w", err)
		}
		if n > maxRecords {
			return nil, errTooMany
		}
		if err := proto.Unmarshal(body, req); err != nil {
			return nil, fmt.Errorf("protobuf ExportLogsServiceRequest: %w", err)
		}
	case encJSON:
		fixed, err := hexIDsToBase64(body)
		if err != nil {
			return nil, err
		}
		if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(fixed, req); err != nil {
			return nil, fmt.Errorf("OTLP JSON ExportLogsServiceRequest: %w", err)
		}
		if n := records(req); n > maxRecords {
			return nil, errTooMany
		}
	}
	return req, nil
}

func records(req *collogspb.ExportLogsServiceRequest) int {
	n := 0
	for _, rl := range req.GetResourceLogs() {
		for _, sl := range rl.GetScopeLogs() {
			n += len(sl.GetLogRecords())
		}
	}
	return n
}

// countRecords counts ResourceLogs(1).ScopeLogs(2).LogRecords(2) on the
// wire, without decoding them; proto.Unmarshal checks everything else.
func countRecords(b []byte) (int, error) {
	n := 0
	err := eachField(b, 1, func(rl []byte) error {
		return eachField(rl, 2, func(sl []byte) error {
			return eachField(sl, 2, func([]byte) error { n++; return nil })
		})
	})
	return n, err
}

// eachField calls fn with the bytes of every length-delimited field num in b.
func eachField(b []byte, num protowire.Number, fn func([]byte) error) error {
	for len(b) > 0 {
		f, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if f == num && typ == protowire.BytesType {
			v, m := protowire.ConsumeBytes(b)
			if m < 0 {
				return protowire.ParseError(m)
			}
			if err := fn(v); err != nil {
				return err
			}
			b = b[m:]
			continue
		}
		m := protowire.ConsumeFieldValue(f, typ, b)
		if m < 0 {
			return protowire.ParseError(m)
		}
		b = b[m:]
	}
	return nil
}

// hexIDsToBase64 rewrites the trace and span ids of OTLP JSON from hex, as
// the OTLP spec writes them, to the base64 protojson reads for bytes fields;
// the OpenTelemetry Collector's own JSON unmarshaler reads them as hex the
// same way. Everything else passes through as written (numbers exactly).
func hexIDsToBase64(body []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("OTLP JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("OTLP JSON: more than one value in the body")
	}
	for i, rl := range list(doc, "resourceLogs", "resource_logs") {
		for j, sl := range list(rl, "scopeLogs", "scope_logs") {
			for k, lr := range list(sl, "logRecords", "log_records") {
				at := fmt.Sprintf("resourceLogs[%d].scopeLogs[%d].logRecords[%d]", i, j, k)
				if err := hexField(lr, at, 16, "traceId", "trace_id"); err != nil {
					return nil, err
				}
				if err := hexField(lr, at, 8, "spanId", "span_id"); err != nil {
					return nil, err
				}
			}
		}
	}
	return json.Marshal(doc)
}

// list is the objects in the array member of m named by either name; what
// is not an object is left for protojson to refuse.
func list(m any, names ...string) []map[string]any {
	obj, _ := m.(map[string]any)
	for _, name := range names {
		arr, ok := obj[name].([]any)
		if !ok {
			continue
		}
		out := make([]map[string]any, 0, len(arr))
		for _, v := range arr {
			o, _ := v.(map[string]any)
			out = append(out, o) // nil keeps the indexes in the error messages
		}
		return out
	}
	return nil
}

func hexField(lr map[string]any, at string, size int, names ...string) error {
	for _, name := range names {
		v, ok := lr[name]
		if !ok {
			continue
		}
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("%s.%s: want a string of %d hex digits", at, names[0], 2*size)
		}
		if s == "" {
			continue
		}
		raw, err := hex.DecodeString(s)
		if err != nil || len(raw) != size {
			return fmt.Errorf("%s.%s: %q is not %d hex digits", at, names[0], event.Truncate(s, 64), 2*size)
		}
		lr[name] = base64.StdEncoding.EncodeToString(raw)
	}
	return nil
}

// Decode maps an OTLP/HTTP logs export body (contentType
// application/x-protobuf or application/json, not compressed) to canonical
// events, as /v1/logs does before it delivers them, without a server. A
// record the route would refuse fails the whole body here, named by its
// position.
func Decode(body []byte, contentType string) ([]event.Event, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, fmt.Errorf("content type %q: %w", contentType, err)
	}
	var enc encoding
	switch mt {
	case protoType:
		enc = encProto
	case jsonType:
		enc = encJSON
	default:
		return nil, fmt.Errorf("content type %q is not OTLP; want %s or %s", mt, protoType, jsonType)
	}
	req, err := decode(body, enc)
	if err != nil {
		return nil, err
	}
	evs := make([]event.Event, 0, records(req))
	for i, rl := range req.GetResourceLogs() {
		ri := readResource(rl.GetResource().GetAttributes())
		for j, sl := range rl.GetScopeLogs() {
			for k, lr := range sl.GetLogRecords() {
				ev, err := toEvent(&ri, sl.GetScope(), lr)
				if err != nil {
					return nil, fmt.Errorf("resourceLogs[%d].scopeLogs[%d].logRecords[%d]: %w", i, j, k, err)
				}
				evs = append(evs, ev)
			}
		}
	}
	return evs, nil
}
