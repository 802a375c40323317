package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/internal/auth"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/ops"
)

// The Elasticsearch API surface that shippers (logback Elasticsearch
// appenders, Fluent Bit, Vector, Logstash) touch before and while they send:
// answering it lets them point at faultline unchanged.

// esVersion is what faultline claims to be; shippers check for 8.x.
const esVersion = "8.19.0"

func (s *Server) registerElasticsearch(mux *http.ServeMux) {
	// Every route needs an ingest key when auth is on, the handshake too:
	// unauthenticated, /_cluster/health would be a free way to probe (and
	// load) the stream.
	es := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			// Official clients refuse any answer without it.
			w.Header().Set("X-Elastic-Product", "Elasticsearch")
			p, err := s.cfg.Auth.Authorize(r, auth.RoleIngest)
			if err != nil {
				status := auth.Status(err)
				s.metrics.eventsRejected.WithLabelValues("auth").Inc()
				auth.Challenge(w, status)
				s.esError(w, r.Pattern, status, "security_exception", err.Error())
				return
			}
			h(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
		}
	}
	mux.HandleFunc("GET /{$}", es(s.handleRoot))
	mux.HandleFunc("HEAD /{$}", es(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	mux.HandleFunc("GET /_license", es(func(w http.ResponseWriter, _ *http.Request) {
		ops.WriteJSON(w, http.StatusOK, map[string]any{"license": map[string]any{"status": "active", "type": "basic", "uid": "faultline"}})
	}))
	mux.HandleFunc("GET /_cluster/health", es(func(w http.ResponseWriter, _ *http.Request) {
		status := "green"
		if s.Ready() != nil {
			status = "red"
		}
		ops.WriteJSON(w, http.StatusOK, map[string]any{"cluster_name": "faultline", "status": status})
	}))
	// Template and lifecycle calls are acknowledged and ignored: faultline
	// installs its own templates on the real cluster.
	ack := es(func(w http.ResponseWriter, _ *http.Request) {
		ops.WriteJSON(w, http.StatusOK, map[string]any{"acknowledged": true})
	})
	for _, p := range []string{"/_index_template/{name}", "/_template/{name}", "/_ilm/policy/{name}", "/_component_template/{name}"} {
		mux.HandleFunc("PUT "+p, ack)
		mux.HandleFunc("GET "+p, es(func(w http.ResponseWriter, r *http.Request) { ops.WriteJSON(w, http.StatusOK, map[string]any{}) }))
		mux.HandleFunc("HEAD "+p, es(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	}
	mux.HandleFunc("POST /_bulk", es(s.handleBulk))
	mux.HandleFunc("PUT /_bulk", es(s.handleBulk))
	mux.HandleFunc("POST /{index}/_bulk", es(s.handleBulk))
}

func (s *Server) handleRoot(w http.ResponseWriter, _ *http.Request) {
	ops.WriteJSON(w, http.StatusOK, map[string]any{
		"name":         "faultline",
		"cluster_name": "faultline",
		"cluster_uuid": "faultline",
		"version": map[string]any{
			"number":                              esVersion,
			"build_flavor":                        "default",
			"build_type":                          "faultline",
			"lucene_version":                      "9.12.0",
			"minimum_wire_compatibility_version":  "7.17.0",
			"minimum_index_compatibility_version": "7.0.0",
		},
		"tagline": "You Know, for Search",
	})
}

// esError is an Elasticsearch-shaped error, so clients print something useful.
func (s *Server) esError(w http.ResponseWriter, route string, status int, typ, reason string) {
	s.metrics.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	ops.WriteJSON(w, status, map[string]any{"error": map[string]any{"type": typ, "reason": reason}, "status": status})
}

type bulkItem struct {
	op    string
	index string
	id    string
	// status and err are set when the item fails before publishing.
	status int
	err    string
	ev     *encoded
}

// handleBulk takes the bulk API's action/document pairs. Every document is
// answered in order; only the bad ones are marked, as Elasticsearch does.
func (s *Server) handleBulk(w http.ResponseWriter, r *http.Request) {
	const route = "/_bulk"
	start := time.Now()
	service := auth.FromContext(r.Context()).Service
	if after, err := s.notSetUp(); err != nil {
		// A whole-request 503, which bulk clients retry as a whole, rather
		// than one 429 per item of a body read for nothing.
		s.metrics.eventsRejected.WithLabelValues("unavailable").Inc()
		w.Header().Set("Retry-After", after)
		s.esError(w, route, http.StatusServiceUnavailable, "unavailable_shards_exception", "event stream unavailable, retry later: "+err.Error())
		return
	}
	release, ref := s.Open(r, service)
	if ref != nil {
		typ := "es_rejected_execution_exception"
		if ref.Status == http.StatusRequestEntityTooLarge {
			typ = "parse_exception"
		}
		if ref.RetryAfter != "" {
			w.Header().Set("Retry-After", ref.RetryAfter)
		}
		s.esError(w, route, ref.Status, typ, ref.Reason)
		return
	}
	defer release()
	body, ref := s.ReadBody(w, r, false)
	if ref != nil {
		s.esError(w, route, ref.Status, "parse_exception", ref.Reason)
		return
	}
	items, err := s.parseBulk(body, r.PathValue("index"), service, requestIDRules(r, service))
	if err != nil {
		s.metrics.eventsRejected.WithLabelValues("invalid").Inc()
		s.esError(w, route, http.StatusBadRequest, "illegal_argument_exception", err.Error())
		return
	}
	var evs []encoded
	var idx []int // items[idx[i]] is the item of evs[i]
	for i, it := range items {
		if it.ev != nil {
			evs = append(evs, *it.ev)
			idx = append(idx, i)
		}
	}
	s.metrics.eventsRejected.WithLabelValues("invalid").Add(float64(len(items) - len(evs)))
	d := s.deliver(r.Context(), r, service, evs)
	if ref := d.Refused; ref != nil {
		typ := "es_rejected_execution_exception"
		if ref.Status == http.StatusRequestEntityTooLarge && ref.Cause == "rate_limited" {
			typ = "illegal_argument_exception"
		}
		if ref.RetryAfter != "" {
			w.Header().Set("Retry-After", ref.RetryAfter)
		}
		s.esError(w, route, ref.Status, typ, ref.Reason)
		return
	}
	for i, o := range d.Outcomes {
		it := &items[idx[i]]
		switch {
		case o.Err == nil:
			it.status = http.StatusCreated
		case o.Err.Cause == "stream_full":
			// 429 is what bulk clients retry per item.
			it.status, it.err = http.StatusTooManyRequests, o.Err.Reason
		default:
			it.status, it.err = http.StatusTooManyRequests, "event stream unavailable: "+o.Err.Err.Error()
		}
	}
	resp := map[string]any{"took": time.Since(start).Milliseconds(), "errors": false}
	out := make([]map[string]any, len(items))
	for i, it := range items {
		res := map[string]any{"_index": it.index, "_id": it.id, "status": it.status}
		if it.err != "" {
			resp["errors"] = true
			typ := "document_parsing_exception"
			if it.status == http.StatusTooManyRequests {
				typ = "es_rejected_execution_exception"
			}
			res["error"] = map[string]any{"type": typ, "reason": it.err}
		} else {
			res["result"], res["_version"] = "created", 1
		}
		out[i] = map[string]any{it.op: res}
	}
	resp["items"] = out
	s.metrics.requests.WithLabelValues(route, "200").Inc()
	ops.WriteJSON(w, http.StatusOK, resp)
}

// parseBulk reads action lines and their documents. An error means the body
// is not a bulk body at all; a bad document only fails its own item.
func (s *Server) parseBulk(body []byte, defaultIndex, service string, ids *idRules) ([]bulkItem, error) {
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 64*1024), int(s.cfg.MaxBodyBytes)+1)
	var items []bulkItem
	lineNo := 0
	next := func() ([]byte, bool) {
		for sc.Scan() {
			lineNo++
			if b := bytes.TrimSpace(sc.Bytes()); len(b) > 0 {
				return b, true
			}
		}
		return nil, false
	}
	for {
		line, ok := next()
		if !ok {
			break
		}
		var action map[string]struct {
			Index string `json:"_index"`
			ID    string `json:"_id"`
		}
		if err := json.Unmarshal(line, &action); err != nil || len(action) != 1 {
			return nil, fmt.Errorf("line %d: expected an action line like {\"create\":{}}, got %.80q", lineNo, line)
		}
		var it bulkItem
		for op, meta := range action {
			it = bulkItem{op: op, index: meta.Index, id: meta.ID}
		}
		if it.index == "" {
			it.index = defaultIndex
		}
		if it.op == "delete" {
			it.status, it.err = http.StatusBadRequest, "faultline does not delete events"
			items = append(items, it)
			continue
		}
		doc, ok := next()
		if !ok {
			return nil, fmt.Errorf("line %d: action %q has no document line after it", lineNo, it.op)
		}
		docLine := lineNo
		switch it.op {
		case "index", "create":
		default:
			it.status, it.err = http.StatusBadRequest, fmt.Sprintf("line %d: action %q is not supported (use index or create)", docLine, it.op)
			items = append(items, it)
			continue
		}
		ev, err := s.parseWith(parseShipped, Line{N: docLine, Raw: doc}, service, it.id, ids)
		if err != nil {
			it.status, it.err = http.StatusBadRequest, fmt.Sprintf("line %d: %v", docLine, err)
		} else {
			it.ev = &ev
			it.id = ev.id
		}
		items = append(items, it)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", lineNo+1, err)
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("empty bulk body")
	}
	return items, nil
}

// parseShipped reads a bulk document. Shippers that tail a text log send
// each line (multi-line records joined) unparsed: Vector, Filebeat and
// rsyslog in message, Fluent Bit's tail and Docker's json-file in log, ECS
// producers in event.original. A document that says nothing else (no
// level, no error) is read as the Loki route reads a line, so its level,
// time and stack trace are not lost; its other fields stay labels.
func parseShipped(raw []byte) (event.Event, error) {
	ev, err := ParseEvent(raw)
	if errors.Is(err, errNoMessage) || errors.Is(err, errNoECSMessage) {
		if moved, ok := lineAsMessage(raw); ok {
			ev, err = ParseEvent(moved)
		}
	}
	if err != nil {
		return event.Event{}, err
	}
	if ev.Log.Level == "" && ev.Error == nil && len(ev.Faultline.Exceptions) == 0 && ev.Message != "" {
		readLine(&ev)
	}
	return ev, nil
}

// lineAsMessage is a document without a message whose line is in log (a
// string: ECS's log is an object) or event.original, with the line moved
// to message so that the format readers take it.
func lineAsMessage(raw []byte) ([]byte, bool) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber() // numbers stay as written in the labels
	var m map[string]any
	if d.Decode(&m) != nil || m["message"] != nil {
		return nil, false
	}
	var line string
	if l, ok := m["log"].(string); ok && strings.TrimSpace(l) != "" {
		line = l
		delete(m, "log")
	} else if l, ok := m["event.original"].(string); ok && strings.TrimSpace(l) != "" {
		line = l
		delete(m, "event.original")
	} else if e, ok := m["event"].(map[string]any); ok {
		if l, ok := e["original"].(string); ok && strings.TrimSpace(l) != "" {
			line = l
			delete(e, "original")
		}
	}
	if line == "" {
		return nil, false
	}
	m["message"] = line
	b, err := json.Marshal(m)
	return b, err == nil
}

// readLine reads ev's message as a log line, as the Loki route does: a
// JSON event (a JSON log tailed without a parser) replaces the document,
// which fills in what it did not say; otherwise what the text says of its
// level, time and stack trace replaces the nothing the document said.
func readLine(ev *event.Event) {
	if m := strings.TrimSpace(ev.Message); strings.HasPrefix(m, "{") && strings.HasSuffix(m, "}") {
		if inner, err := ParseEvent([]byte(m)); err == nil {
			fillFrom(&inner, ev)
			*ev = inner
			return
		}
	}
	t := ParseText(ev.Message)
	ev.Event.Dataset = DatasetText
	ev.Message, ev.Log.Level = t.Message, t.Log.Level
	if ev.Log.Level == "" && len(t.Faultline.Exceptions) > 0 {
		// A trace printed without a level is an error being reported.
		ev.Log.Level = "ERROR"
	}
	if !t.Timestamp.IsZero() {
		// The line's own time is when it happened; a shipper's is when it
		// read the file.
		ev.Timestamp = t.Timestamp
	}
	ev.Error, ev.Faultline.Exceptions, ev.Faultline.Platform = t.Error, t.Faultline.Exceptions, t.Faultline.Platform
}

// fillFrom gives line what only the document around it said: the shipper's
// fields as labels (the line's own win), its time, service, host and trace.
func fillFrom(line, doc *event.Event) {
	labels := make(map[string]string, len(doc.Labels)+len(line.Labels))
	maps.Copy(labels, doc.Labels)
	maps.Copy(labels, line.Labels)
	if len(labels) > 0 {
		line.Labels = labels
	}
	if line.Timestamp.IsZero() {
		line.Timestamp = doc.Timestamp
	}
	if line.Event.ID == "" {
		line.Event.ID = doc.Event.ID
	}
	if line.Service.Name == "" {
		line.Service.Name = doc.Service.Name
	}
	if line.Service.Environment == "" {
		line.Service.Environment = doc.Service.Environment
	}
	if line.Host == nil {
		line.Host = doc.Host
	}
	if line.Trace == nil {
		line.Trace = doc.Trace
	}
}
