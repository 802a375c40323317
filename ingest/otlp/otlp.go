package otlp

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/rs/zerolog"
	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	"google.golang.org/genproto/googleapis/rpc/code"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/faultline/faultline/ingest"
	"github.com/faultline/faultline/internal/auth"
	"github.com/faultline/faultline/internal/event"
)

// Handler serves OTLP/HTTP log exports into an ingest server's sink.
type Handler struct {
	sink    *ingest.Server
	log     zerolog.Logger
	metrics *Metrics
}

// New returns a handler that delivers through sink, counting into m (nil:
// NewMetrics(nil)).
func New(sink *ingest.Server, log zerolog.Logger, m *Metrics) *Handler {
	if m == nil {
		m = NewMetrics(nil)
	}
	return &Handler{sink: sink, log: log.With().Str("service", "ingest").Str("protocol", "otlp").Logger(), metrics: m}
}

// Wrap serves the OTLP requests to /v1/logs and passes every other request
// to next (ingest.Server.ShareLogs).
func (h *Handler) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		enc := classify(r)
		if enc == encNone {
			next.ServeHTTP(w, r)
			return
		}
		h.serve(w, r, enc)
	})
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request, enc encoding) {
	p, err := h.sink.Auth().Authorize(r, auth.RoleIngest)
	if err != nil {
		status := auth.Status(err)
		auth.Challenge(w, status)
		h.fail(w, enc, &ingest.Refusal{Status: status, Reason: err.Error()})
		return
	}
	service := p.Service
	release, ref := h.sink.Open(r, service)
	if ref != nil {
		h.fail(w, enc, ref)
		return
	}
	defer release()
	body, ref := h.sink.ReadBody(w, r, false)
	if ref != nil {
		h.fail(w, enc, ref)
		return
	}
	req, err := decode(body, enc)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, errTooMany) {
			status = http.StatusRequestEntityTooLarge
		}
		h.fail(w, enc, &ingest.Refusal{Status: status, Reason: err.Error()})
		return
	}

	var rejected rejections
	evs := make([]event.Event, 0, records(req))
	pos := make([]int, 0, cap(evs)) // record number of each event, from 1
	n := 0
	for _, rl := range req.GetResourceLogs() {
		ri := readResource(rl.GetResource().GetAttributes())
		for _, sl := range rl.GetScopeLogs() {
			for _, lr := range sl.GetLogRecords() {
				n++
				if size := proto.Size(lr); size > h.sink.MaxEventBytes() {
					rejected.add(n, fmt.Sprintf("%d bytes, larger than the %d byte event limit", size, h.sink.MaxEventBytes()))
					continue
				}
				ev, err := toEvent(&ri, sl.GetScope(), lr)
				if err != nil {
					rejected.add(n, err.Error())
					continue
				}
				evs = append(evs, ev)
				pos = append(pos, n)
			}
		}
	}
	if len(evs) > 0 {
		d := h.sink.Deliver(r, service, evs)
		// A refusal a retry can cure fails the whole request, retried whole
		// by the exporter; what was stored of it is deduplicated by id.
		if ref := d.Failed(); ref != nil {
			h.fail(w, enc, ref)
			return
		}
		for i, o := range d.Outcomes {
			if o.Err != nil {
				rejected.add(pos[i], o.Err.Reason)
			}
		}
	}
	res := &collogspb.ExportLogsServiceResponse{}
	if rejected.n > 0 {
		h.metrics.recordsRejected.Add(float64(rejected.n))
		res.PartialSuccess = &collogspb.ExportLogsPartialSuccess{RejectedLogRecords: int64(rejected.n), ErrorMessage: rejected.message()}
	}
	h.write(w, enc, http.StatusOK, res)
}

// rejections collects the records refused one by one.
type rejections struct {
	n       int
	reasons []string
}

// maxReasons is how many refused records error_message names.
const maxReasons = 10

func (rj *rejections) add(record int, reason string) {
	rj.n++
	if len(rj.reasons) < maxReasons {
		rj.reasons = append(rj.reasons, fmt.Sprintf("log record %d: %s", record, event.Truncate(reason, 512)))
	}
}

func (rj *rejections) message() string {
	msg := strings.Join(rj.reasons, "; ")
	if more := rj.n - len(rj.reasons); more > 0 {
		msg += fmt.Sprintf("; and %d more", more)
	}
	return msg
}

// fail answers a refused request with a google.rpc.Status. The OTLP
// exporters retry 429, 502, 503 and 504 only; a full events stream (507
// on faultline's own routes) is answered 503 so they retry it too.
func (h *Handler) fail(w http.ResponseWriter, enc encoding, ref *ingest.Refusal) {
	status := ref.Status
	if status == http.StatusInsufficientStorage {
		status = http.StatusServiceUnavailable
	}
	if ref.RetryAfter != "" {
		w.Header().Set("Retry-After", ref.RetryAfter)
	}
	h.write(w, enc, status, &spb.Status{Code: int32(grpcCode(status)), Message: ref.Reason})
}

// grpcCode is the status code the OTLP spec pairs with an HTTP status.
func grpcCode(status int) code.Code {
	switch status {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
		return code.Code_INVALID_ARGUMENT
	case http.StatusUnauthorized:
		return code.Code_UNAUTHENTICATED
	case http.StatusForbidden:
		return code.Code_PERMISSION_DENIED
	case http.StatusTooManyRequests:
		return code.Code_RESOURCE_EXHAUSTED
	case http.StatusServiceUnavailable:
		return code.Code_UNAVAILABLE
	}
	return code.Code_UNKNOWN
}

func (h *Handler) write(w http.ResponseWriter, enc encoding, status int, m proto.Message) {
	var b []byte
	var err error
	ct := protoType
	if enc == encJSON {
		ct = jsonType
		b, err = protojson.Marshal(m)
	} else {
		b, err = proto.Marshal(m)
	}
	if err != nil {
		h.log.Error().Err(err).Msg("encode OTLP answer")
		status, b = http.StatusInternalServerError, nil
	}
	name := "protobuf"
	if enc == encJSON {
		name = "json"
	}
	h.metrics.requests.WithLabelValues(name, strconv.Itoa(status)).Inc()
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
