package otlp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzDecodeJSON feeds the OTLP JSON path (hex ids, protojson, mapping):
// no input panics, an accepted request maps every record to an event with
// a message or refuses it, and the record bound holds.
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{
		string(otlpJSON(f, sampleRequest("fuzz"))),
		`{"resourceLogs":[]}`,
		`{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"x"}}]},"scopeLogs":[{"scope":{"name":"l"},"logRecords":[{"timeUnixNano":"1700000000000000000","severityNumber":17,"body":{"kvlistValue":{"values":[{"key":"msg","value":{"stringValue":"m"}}]}},"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174"}]}]}]}`,
		`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"arrayValue":{"values":[{"intValue":"1"},{"doubleValue":1.5},{"bytesValue":"AAE="}]}},"attributes":[{"key":"exception.stacktrace","value":{"stringValue":"panic: boom\n\ngoroutine 1 [running]:\nmain.main()\n\t/app/main.go:5 +0x1d\n"}}]}]}]}]}`,
		`{"resource_logs":[{"scope_logs":[{"log_records":[{"trace_id":"zz","body":{"stringValue":"a"}}]}]}]}`,
		`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":"SEVERITY_NUMBER_WARN","body":{"stringValue":"a"},"unknownField":1}]}]}]}`,
		`{"resourceLogs":5}`,
		`{"resourceLogs":[{"scopeLogs":[{"logRecords":[null,{"traceId":7}]}]}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decode(body, encJSON)
		if err != nil {
			return
		}
		if records(req) > maxRecords {
			t.Fatalf("%d records accepted", records(req))
		}
		for _, rl := range req.GetResourceLogs() {
			ri := readResource(rl.GetResource().GetAttributes())
			for _, sl := range rl.GetScopeLogs() {
				for _, lr := range sl.GetLogRecords() {
					ev, err := toEvent(&ri, sl.GetScope(), lr)
					if err == nil && ev.Message == "" {
						t.Fatalf("event without a message from %v", lr)
					}
					if len(ev.Labels) > maxLabels+1 {
						t.Fatalf("%d labels", len(ev.Labels))
					}
				}
			}
		}
	})
}

// FuzzDecode feeds the exported decoder, both encodings, from the bodies
// the OTel SDKs sent for the language corpus: no input panics it, and it
// returns events or an error, never both.
func FuzzDecode(f *testing.F) {
	for _, pattern := range []string{"*-otel.build1/*.pb", "*-otel.build1/*.json"} {
		files, _ := filepath.Glob(filepath.Join("../../schemas/testdata/corpus/sdk", pattern))
		if len(files) == 0 {
			f.Fatalf("no %s in the SDK corpus", pattern)
		}
		for _, file := range files {
			body, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(body, strings.HasSuffix(file, ".json"))
		}
	}
	f.Add([]byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{}]}]}]}`), true)
	f.Add([]byte{0x0a, 0x02, 0x12, 0x00}, false)
	f.Fuzz(func(t *testing.T, body []byte, isJSON bool) {
		ct := "application/x-protobuf"
		if isJSON {
			ct = "application/json"
		}
		evs, err := Decode(body, ct)
		if err != nil && evs != nil {
			t.Fatalf("%d events with the error %v", len(evs), err)
		}
		for _, ev := range evs {
			if ev.Message == "" {
				t.Fatalf("event without a message: %+v", ev)
			}
		}
	})
}
