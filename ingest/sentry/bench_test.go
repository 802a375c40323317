package sentry

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/grafana/loki/pkg/push"
	"github.com/klauspost/compress/snappy"
	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	"google.golang.org/protobuf/proto"

	"github.com/faultline/faultline/ingest"
	"github.com/faultline/faultline/ingest/ingesttest"
	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/testenv"
	"github.com/faultline/faultline/loadgen"
)

// benchBatch is how many events a request carries on every route that
// batches (/v1/logs, OTLP, Loki); a Sentry envelope carries one event, as
// every Sentry SDK sends it, so it is compared with /v1/logs at one event
// per request as well.
const benchBatch = 100

// intakeRoute is one protocol's requests for the same events.
type intakeRoute struct {
	name   string
	path   string
	header map[string]string
	want   int
	bodies [][]byte
	// base is the route this one is compared with: the JSON route that
	// batches like it.
	base int
}

// BenchmarkIntake sends the same loadgen bugs (Java errors with a cause,
// seven and two frames) through every intake on one ingest and one
// JetStream, each route after the other, and prints accepted events/s per
// route next to /v1/logs logback JSON. Each route gets its own copies of the
// events (the generator's sequence number differs, nothing else), so none
// is deduplicated against another route's. Bodies are encoded before the
// clock starts; eight requests are in flight, as in bench.BenchmarkIngest.
func BenchmarkIntake(b *testing.B) {
	n := 5000 * b.N
	h := newHarness(b, ingesttest.WithKey(b, "bench-key", "bench"))
	g := loadgen.NewGenerator(loadgen.Config{Services: 5, Bugs: 100, Seed: 1})
	lines := func() ([][]byte, []event.Event) {
		raw := make([][]byte, n)
		evs := make([]event.Event, n)
		for i := range raw {
			raw[i] = g.Event(i%100, i/100)
			ev, err := ingest.ParseEvent(raw[i])
			if err != nil {
				b.Fatal(err)
			}
			evs[i] = ev
		}
		return raw, evs
	}
	bearer := "Bearer bench-key"
	raw, _ := lines()
	routes := []intakeRoute{{name: "/v1/logs logback JSON", path: "/v1/logs", want: http.StatusAccepted,
		header: map[string]string{"Authorization": bearer, "Content-Type": "application/x-ndjson"}, bodies: ndjsonBodies(raw, benchBatch)}}
	raw, _ = lines()
	routes = append(routes, intakeRoute{name: "/v1/logs logback JSON, one event per request", path: "/v1/logs", want: http.StatusAccepted,
		header: routes[0].header, bodies: ndjsonBodies(raw, 1), base: 1})
	_, evs := lines()
	routes = append(routes, intakeRoute{name: "sentry envelope", path: "/api/1/envelope/", want: http.StatusOK,
		header: map[string]string{"X-Sentry-Auth": "Sentry sentry_key=bench-key"}, bodies: envelopeBodies(b, evs), base: 1})
	_, evs = lines()
	routes = append(routes, intakeRoute{name: "OTLP protobuf", path: "/v1/logs", want: http.StatusOK,
		header: map[string]string{"Authorization": bearer, "Content-Type": "application/x-protobuf"}, bodies: otlpBodies(b, evs)})
	raw, _ = lines()
	// The batched JSON route runs again last, and its rate is the mean of
	// both runs, so a drift of the machine or of the stream's size during
	// the run does not land on the other routes only.
	again := ndjsonBodies(raw, benchBatch)
	raw, evs = lines()
	routes = append(routes, intakeRoute{name: "Loki push protobuf+snappy", path: "/loki/api/v1/push", want: http.StatusNoContent,
		header: map[string]string{"Authorization": bearer, "Content-Type": "application/x-protobuf"}, bodies: lokiBodies(b, raw, evs)})

	stream, err := h.JS.Stream(context.Background(), broker.EventsStream)
	if err != nil {
		b.Fatal(err)
	}
	rates := make([]float64, len(routes))
	b.ResetTimer()
	for i, r := range routes {
		before, err := stream.Info(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		elapsed := testenv.SendAll(b, h.URL+r.path, r.header, r.want, r.bodies)
		after, err := stream.Info(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		// A route that answers success without storing would look fast.
		if got := after.State.Msgs - before.State.Msgs; got != uint64(n) {
			b.Fatalf("%s: %d events stored, want %d", r.name, got, n)
		}
		rates[i] = float64(n) / elapsed.Seconds()
	}
	first := rates[0]
	last := float64(n) / testenv.SendAll(b, h.URL+routes[0].path, routes[0].header, routes[0].want, again).Seconds()
	rates[0] = (first + last) / 2
	b.StopTimer()
	for i, r := range routes {
		perReq := n / len(r.bodies)
		ratio := fmt.Sprintf("%.2f of /v1/logs JSON batched alike", rates[i]/rates[r.base])
		if i == r.base {
			ratio = "baseline"
		}
		if i == 0 {
			ratio += fmt.Sprintf(", %.0f first and %.0f last", first, last)
		}
		if r.base != 0 {
			ratio += fmt.Sprintf(", %.2f of the batched JSON route", rates[i]/rates[0])
		}
		fmt.Printf("intake %s: %.0f events/s (%s; %d per request, %.0f requests/s)\n",
			r.name, rates[i], ratio, perReq, rates[i]/float64(perReq))
		b.ReportMetric(rates[i], metricUnit(r.name))
	}
}

// metricUnit names a route's events/s for the benchmark's own output.
func metricUnit(route string) string {
	out := []byte("events/s-")
	for _, c := range []byte(route) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			out = append(out, c)
		case len(out) > 0 && out[len(out)-1] != '-':
			out = append(out, '-')
		}
	}
	return string(bytes.TrimRight(out, "-"))
}

func batches[T any](items []T, size int) [][]T {
	var out [][]T
	for chunk := range slices.Chunk(items, size) {
		out = append(out, chunk)
	}
	return out
}

func ndjsonBodies(lines [][]byte, size int) [][]byte {
	var out [][]byte
	for _, chunk := range batches(lines, size) {
		out = append(out, append(bytes.Join(chunk, []byte("\n")), '\n'))
	}
	return out
}

// envelopeBodies is each event as sentry-java sends it: exceptions oldest
// (innermost cause) first, frames caller first, the message template in
// logentry.
func envelopeBodies(b *testing.B, evs []event.Event) [][]byte {
	type frame struct {
		Module   string `json:"module"`
		Function string `json:"function"`
		Filename string `json:"filename,omitempty"`
		Lineno   int    `json:"lineno,omitempty"`
	}
	type exception struct {
		Type       string `json:"type"`
		Value      string `json:"value,omitempty"`
		Stacktrace struct {
			Frames []frame `json:"frames"`
		} `json:"stacktrace"`
	}
	out := make([][]byte, len(evs))
	for i, ev := range evs {
		var values []exception
		for _, x := range slices.Backward(ev.Faultline.Exceptions) {
			e := exception{Type: x.Type, Value: x.Message}
			for _, f := range slices.Backward(x.Frames) {
				e.Stacktrace.Frames = append(e.Stacktrace.Frames, frame{Module: f.Class, Function: f.Method, Filename: f.File, Lineno: f.Line})
			}
			values = append(values, e)
		}
		id := fmt.Sprintf("%032x", i+1<<40)
		payload, err := json.Marshal(map[string]any{
			"event_id": id, "timestamp": float64(ev.Timestamp.UnixMilli()) / 1000, "level": "error", "platform": "java",
			"logger": ev.Log.Logger, "logentry": map[string]string{"message": ev.Faultline.MessageTemplate, "formatted": ev.Message},
			"exception": map[string]any{"values": values},
		})
		if err != nil {
			b.Fatal(err)
		}
		out[i] = fmt.Appendf(nil, "{\"event_id\":%q}\n{\"type\":\"event\",\"length\":%d}\n%s\n", id, len(payload), payload)
	}
	return out
}

// otlpBodies is what the OpenTelemetry logback appender exports: the
// exception as exception.* attributes with the Java stack as text.
func otlpBodies(b *testing.B, evs []event.Event) [][]byte {
	str := func(s string) *commonpb.AnyValue {
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: s}}
	}
	kv := func(k, v string) *commonpb.KeyValue { return &commonpb.KeyValue{Key: k, Value: str(v)} }
	var out [][]byte
	for _, chunk := range batches(evs, benchBatch) {
		recs := make([]*logspb.LogRecord, len(chunk))
		for i, ev := range chunk {
			recs[i] = &logspb.LogRecord{
				TimeUnixNano: uint64(ev.Timestamp.UnixNano()), SeverityNumber: logspb.SeverityNumber_SEVERITY_NUMBER_ERROR,
				SeverityText: "ERROR", Body: str(ev.Message),
				Attributes: []*commonpb.KeyValue{kv("exception.type", ev.Error.Type), kv("exception.message", ev.Error.Message),
					kv("exception.stacktrace", ev.Error.StackTrace), kv("thread.name", ev.Process.Thread.Name)},
			}
		}
		body, err := proto.Marshal(&collogspb.ExportLogsServiceRequest{ResourceLogs: []*logspb.ResourceLogs{{
			Resource:  &resourcepb.Resource{Attributes: []*commonpb.KeyValue{kv("service.name", "bench")}},
			ScopeLogs: []*logspb.ScopeLogs{{Scope: &commonpb.InstrumentationScope{Name: evs[0].Log.Logger}, LogRecords: recs}},
		}}})
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, body)
	}
	return out
}

// lokiBodies is what loki4j pushes with a JSON layout: each line the
// logback JSON event, one stream per request.
func lokiBodies(b *testing.B, lines [][]byte, evs []event.Event) [][]byte {
	var out [][]byte
	for i, chunk := range batches(lines, benchBatch) {
		entries := make([]push.Entry, len(chunk))
		for j, line := range chunk {
			entries[j] = push.Entry{Timestamp: evs[i*benchBatch+j].Timestamp, Line: string(line)}
		}
		req := push.PushRequest{Streams: []push.Stream{{Labels: `{service_name="bench", level="ERROR"}`, Entries: entries}}}
		raw, err := req.Marshal()
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, snappy.Encode(nil, raw))
	}
	return out
}
