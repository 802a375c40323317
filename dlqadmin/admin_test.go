package dlqadmin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/faultline/faultline/dlqadmin"
	"github.com/faultline/faultline/groupadmin"
	"github.com/faultline/faultline/internal/auth"
	"github.com/faultline/faultline/internal/broker"
	clikit "github.com/faultline/faultline/internal/cli"
	"github.com/faultline/faultline/internal/elastic"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/testenv"
	"github.com/faultline/faultline/processor"
)

// The keys of every test: secret = "k-" + name.
func testKeys(svcA string) []auth.Key {
	key := func(name string, role auth.Role, services ...string) auth.Key {
		return auth.Key{Name: name, Roles: []auth.Role{role}, Services: services, Hash: auth.Hash("k-" + name)}
	}
	ingest := auth.Key{Name: "ingester", Service: svcA, Hash: auth.Hash("k-ingester")}
	return []auth.Key{key("reader", auth.RoleRead), key("admin", auth.RoleAdmin), ingest,
		key("a-reader", auth.RoleRead, svcA), key("a-admin", auth.RoleAdmin, svcA)}
}

// dlqAPI is the dead-letter routes in front of a JetStream whose dead
// letters the real processor made: one event of service a, one of b (both
// over its bulk cap) and one message that is no event at all.
type dlqAPI struct {
	t    *testing.T
	ns   *server.Server
	js   jetstream.JetStream
	url  string
	a, b string
	// seq and data of each dead letter by service ("" = the undecodable one).
	seq  map[string]uint64
	data map[string][]byte
	log  *testenv.Buffer
}

func newDLQAPI(t *testing.T) *dlqAPI {
	t.Helper()
	ns, _, js := testenv.JetStream(t)
	now := time.Now().UnixNano()
	f := &dlqAPI{t: t, ns: ns, js: js, a: fmt.Sprintf("dlqadmin-a-%d", now), b: fmt.Sprintf("dlqadmin-b-%d", now),
		seq: map[string]uint64{}, data: map[string][]byte{}, log: &testenv.Buffer{}}
	f.deadLetter()

	keys, err := auth.New(testKeys(f.a))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	dlqadmin.Register(mux, &dlqadmin.Admin{JS: js, Log: zerolog.New(f.log)}, keys)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

// deadLetter runs a processor with the smallest bulk cap until it has
// dead-lettered the three messages, then stops it, so that what is replayed
// stays on the events stream for the test to see.
func (f *dlqAPI) deadLetter() {
	t := f.t
	es, err := elastic.NewClient([]string{testenv.ElasticsearchURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := processor.New(f.js, es, zerolog.Nop(), processor.Config{MaxBulkBytes: 64 << 10})
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("processor did not stop")
		}
	}()
	for _, svc := range []string{f.a, f.b} {
		ev := event.Event{Timestamp: time.Now().UTC(), Message: strings.Repeat("too big ", 16<<10), Log: event.Log{Level: "ERROR"},
			Service: event.Service{Name: svc}, Event: event.Meta{ID: svc + "-1"}}
		data, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		f.publish(svc, data)
	}
	f.publish("", []byte(`{"message": not json`))
	testenv.Eventually(t, "three dead letters", 60*time.Second, func() bool {
		dls, err := processor.ListDLQ(ctx, f.js, 10)
		if err != nil || len(dls) != 3 {
			return false
		}
		for _, dl := range dls {
			if !bytes.Equal(dl.Data, f.data[dl.Service]) {
				t.Fatalf("dead letter of %q holds other bytes than its event", dl.Service)
			}
			f.seq[dl.Service] = dl.Seq
		}
		return true
	})
}

func (f *dlqAPI) publish(service string, data []byte) {
	f.t.Helper()
	if _, err := f.js.Publish(context.Background(), broker.EventsSubject, data); err != nil {
		f.t.Fatal(err)
	}
	f.data[service] = data
}

// call asks the API with key (none when empty) and decodes the answer.
func (f *dlqAPI) call(method, path, key, body string, out any) int {
	f.t.Helper()
	req, err := http.NewRequest(method, f.url+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer k-"+key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			f.t.Fatalf("%s %s: %d %q: %v", method, path, res.StatusCode, raw, err)
		}
	}
	return res.StatusCode
}

// remaining is the services of the dead letters still in the stream.
func (f *dlqAPI) remaining() []string {
	f.t.Helper()
	dls, err := processor.ListDLQ(context.Background(), f.js, 10)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, dl := range dls {
		out = append(out, dl.Service)
	}
	slices.Sort(out)
	return out
}

// lastEvent is the newest message on the events stream.
func (f *dlqAPI) lastEvent() *jetstream.RawStreamMsg {
	f.t.Helper()
	s, err := f.js.Stream(context.Background(), broker.EventsStream)
	if err != nil {
		f.t.Fatal(err)
	}
	m, err := s.GetLastMsgForSubject(context.Background(), broker.EventsSubject)
	if err != nil {
		f.t.Fatal(err)
	}
	return m
}

type listAnswer struct {
	DeadLetters []processor.DeadLetter `json:"dead_letters"`
	Error       string                 `json:"error"`
}

type replayAnswer struct {
	Replayed int    `json:"replayed"`
	Error    string `json:"error"`
}

// A read key lists every dead letter with its service, event id and reason;
// a key scoped to services only those of its services (not the undecodable
// one); keys without read, or none, are refused.
func TestListNeedsReadAndKeepsToTheKeysServices(t *testing.T) {
	f := newDLQAPI(t)
	var all listAnswer
	if code := f.call("GET", "/v1/dlq", "reader", "", &all); code != http.StatusOK || len(all.DeadLetters) != 3 {
		t.Fatalf("read key: %d %+v", code, all)
	}
	for _, dl := range all.DeadLetters {
		if dl.Seq != f.seq[dl.Service] || dl.Time.IsZero() || dl.Reason == "" {
			t.Errorf("dead letter %+v", dl)
		}
		want := ""
		if dl.Service != "" {
			want = dl.Service + "-1"
		}
		if dl.EventID != want {
			t.Errorf("dead letter of %q: event id %q, want %q", dl.Service, dl.EventID, want)
		}
	}
	if r := all.DeadLetters[0].Reason; !strings.Contains(r, "bulk request cap") && !strings.Contains(r, "decode") {
		t.Errorf("reason %q", r)
	}
	var scoped listAnswer
	if code := f.call("GET", "/v1/dlq", "a-reader", "", &scoped); code != http.StatusOK || len(scoped.DeadLetters) != 1 || scoped.DeadLetters[0].Service != f.a {
		t.Errorf("scoped read key: %d %+v, want %s's only", code, scoped, f.a)
	}
	var limited listAnswer
	if code := f.call("GET", "/v1/dlq?limit=2", "admin", "", &limited); code != http.StatusOK || len(limited.DeadLetters) != 2 {
		t.Errorf("admin key, limit=2: %d %+v", code, limited)
	}
	for _, tc := range []struct {
		path, key string
		want      int
	}{
		{"/v1/dlq", "", http.StatusUnauthorized},
		{"/v1/dlq", "ingester", http.StatusForbidden},
		{"/v1/dlq", "nobody", http.StatusForbidden},
		{"/v1/dlq?limit=0", "reader", http.StatusBadRequest},
		{"/v1/dlq?limit=1001", "reader", http.StatusBadRequest},
		{"/v1/dlq?limit=ten", "reader", http.StatusBadRequest},
	} {
		var a listAnswer
		if code := f.call("GET", tc.path, tc.key, "", &a); code != tc.want || a.Error == "" {
			t.Errorf("GET %s with key %q: %d %+v, want %d and an error", tc.path, tc.key, code, a, tc.want)
		}
	}
}

// Replaying needs admin: a read key, an ingest key and no key replay
// nothing. An admin's replay puts the event's bytes back on the events
// stream, takes it off the dead letters, answers how many and is logged with
// the key's name.
func TestAdminReplaysOthersAreRefused(t *testing.T) {
	f := newDLQAPI(t)
	before := f.lastEvent().Sequence
	q := fmt.Sprintf("/v1/dlq/replay?seq=%d", f.seq[f.a])
	for key, want := range map[string]int{"": http.StatusUnauthorized, "reader": http.StatusForbidden, "a-reader": http.StatusForbidden, "ingester": http.StatusForbidden} {
		var a replayAnswer
		if code := f.call("POST", q, key, "", &a); code != want || a.Error == "" {
			t.Errorf("replay with key %q: %d %+v, want %d", key, code, a, want)
		}
	}
	if got := f.remaining(); len(got) != 3 || f.lastEvent().Sequence != before {
		t.Fatalf("refused replays changed something: dead letters %q", got)
	}
	var a replayAnswer
	if code := f.call("POST", "/v1/dlq/replay", "admin", fmt.Sprintf(`{"seqs": [%d]}`, f.seq[f.a]), &a); code != http.StatusOK || a.Replayed != 1 {
		t.Fatalf("admin replay: %d %+v", code, a)
	}
	m := f.lastEvent()
	if m.Sequence == before || !bytes.Equal(m.Data, f.data[f.a]) || !strings.HasPrefix(m.Header.Get(jetstream.MsgIDHeader), "replay-") {
		t.Errorf("events stream's newest message: seq %d (was %d), msg id %q, %d bytes; want the replayed event", m.Sequence, before, m.Header.Get(jetstream.MsgIDHeader), len(m.Data))
	}
	if got := f.remaining(); !slices.Equal(got, []string{"", f.b}) {
		t.Errorf("dead letters left: %q, want the undecodable one and %s's", got, f.b)
	}
	audit := f.log.String()
	if !strings.Contains(audit, `"by":"admin"`) || !strings.Contains(audit, fmt.Sprintf(`"seqs":[%d]`, f.seq[f.a])) || !strings.Contains(audit, `"replayed":1`) {
		t.Errorf("audit log %q does not say who replayed what", audit)
	}
	// It is gone now: asked again, 404, and nothing else moves.
	if code := f.call("POST", q, "admin", "", &a); code != http.StatusNotFound || !strings.Contains(a.Error, fmt.Sprint(f.seq[f.a])) {
		t.Errorf("replaying it again: %d %+v, want 404 naming it", code, a)
	}
	if code := f.call("POST", "/v1/dlq/replay?all=true", "admin", "", &a); code != http.StatusOK || a.Replayed != 2 {
		t.Errorf("admin replay all: %d %+v", code, a)
	}
	if got := f.remaining(); len(got) != 0 {
		t.Errorf("dead letters left after replaying all: %q", got)
	}
}

// A key scoped to service a replays a's dead letters only: another service's
// or the undecodable one by sequence is 403 and replays nothing (not even the
// a's named beside it); "all" is all of a's, and then nothing.
func TestScopedAdminReplaysOnlyItsServices(t *testing.T) {
	f := newDLQAPI(t)
	for _, other := range []string{f.b, ""} {
		var a replayAnswer
		body := fmt.Sprintf(`{"seqs": [%d, %d]}`, f.seq[f.a], f.seq[other])
		if code := f.call("POST", "/v1/dlq/replay", "a-admin", body, &a); code != http.StatusForbidden || !strings.Contains(a.Error, "may not replay") {
			t.Errorf("scoped admin replaying %q's: %d %+v, want 403", other, code, a)
		}
	}
	if got := f.remaining(); len(got) != 3 {
		t.Fatalf("refused replays took dead letters: %q left", got)
	}
	for range 2 {
		var a replayAnswer
		if code := f.call("POST", "/v1/dlq/replay", "a-admin", `{"all": true}`, &a); code != http.StatusOK {
			t.Fatalf("scoped replay all: %d %+v", code, a)
		}
	}
	if got := f.remaining(); !slices.Equal(got, []string{"", f.b}) {
		t.Errorf("dead letters left: %q, want the undecodable one and %s's", got, f.b)
	}
	if !strings.Contains(f.log.String(), `"by":"a-admin"`) {
		t.Errorf("audit log %q", f.log.String())
	}
}

// What to replay must be said, and said well.
func TestReplayRequestsThatCannotSucceed(t *testing.T) {
	f := newDLQAPI(t)
	for _, tc := range []struct {
		name, path, body string
		want             int
	}{
		{"nothing named", "/v1/dlq/replay", "", http.StatusBadRequest},
		{"empty object", "/v1/dlq/replay", "{}", http.StatusBadRequest},
		{"seq not a number", "/v1/dlq/replay?seq=abc", "", http.StatusBadRequest},
		{"seq zero", "/v1/dlq/replay?seq=0", "", http.StatusBadRequest},
		{"negative seq", "/v1/dlq/replay", `{"seqs": [-1]}`, http.StatusBadRequest},
		{"all not a bool", "/v1/dlq/replay?all=maybe", "", http.StatusBadRequest},
		{"both", "/v1/dlq/replay?all=true&seq=1", "", http.StatusBadRequest},
		{"broken JSON", "/v1/dlq/replay", `{"seqs": [1`, http.StatusBadRequest},
		{"body over 1 MiB", "/v1/dlq/replay", `{"seqs": [` + strings.Repeat("1,", 1<<19) + `1]}`, http.StatusBadRequest},
		{"unknown sequence", "/v1/dlq/replay?seq=999999", "", http.StatusNotFound},
	} {
		var a replayAnswer
		if code := f.call("POST", tc.path, "admin", tc.body, &a); code != tc.want || a.Error == "" {
			t.Errorf("%s: %d %+v, want %d with an error", tc.name, code, a, tc.want)
		}
	}
	if got := f.remaining(); len(got) != 3 {
		t.Errorf("bad requests replayed something: %q left", got)
	}
}

// With NATS gone, the answer is the gateway's (502), with the reason (after
// JetStream's API timeout, 5 s a call).
func TestNATSDown(t *testing.T) {
	f := newDLQAPI(t)
	f.ns.Shutdown()
	var l listAnswer
	if code := f.call("GET", "/v1/dlq", "reader", "", &l); code != http.StatusBadGateway || !strings.Contains(l.Error, "dlq") {
		t.Errorf("list: %d %+v, want 502", code, l)
	}
	var r replayAnswer
	if code := f.call("POST", "/v1/dlq/replay?all=true", "admin", "", &r); code != http.StatusBadGateway || r.Error == "" {
		t.Errorf("replay all: %d %+v, want 502", code, r)
	}
	if code := f.call("POST", fmt.Sprintf("/v1/dlq/replay?seq=%d", f.seq[f.a]), "admin", "", &r); code != http.StatusBadGateway || r.Error == "" {
		t.Errorf("replay one: %d %+v, want 502", code, r)
	}
}

// The CLI's remote mode: the key from FAULTLINE_API_KEY, the same lines as
// the direct mode, and the API's refusal as the error.
func TestCommandRemoteMode(t *testing.T) {
	f := newDLQAPI(t)
	direct := func(context.Context) (dlqadmin.DeadLetters, func(), error) {
		t.Fatal("remote mode reached NATS directly")
		return nil, nil, nil
	}
	var diag bytes.Buffer
	cli := func(key string, args ...string) (string, error) {
		t.Setenv(groupadmin.KeyEnv, key)
		var out bytes.Buffer
		diag.Reset()
		fs := flag.NewFlagSet("faultline dlq", flag.ContinueOnError)
		c, rest := dlqadmin.NewCommand(fs, args)
		pos, err := clikit.Parse(fs, c.Synopsis(), rest, io.Discard)
		if err == nil {
			err = c.Run(context.Background(), pos, clikit.IO{Out: &out, Err: &diag}, direct)
		}
		return out.String(), err
	}
	// A header, the one dead letter a's reader may see; the count on stderr.
	out, err := cli("k-a-reader", "list", "--api-url", f.url)
	if rows := strings.Split(out, "\n"); err != nil || len(rows) != 3 || !strings.HasPrefix(rows[0], "SEQ ") ||
		!strings.HasPrefix(rows[1], fmt.Sprintf("%d ", f.seq[f.a])) || !strings.Contains(rows[1], " "+f.a+"-1 ") || diag.String() != "1 dead letter(s)\n" {
		t.Errorf("scoped list: %q %q %v", out, diag.String(), err)
	}
	if _, err := cli("k-reader", "replay", fmt.Sprint(f.seq[f.b]), "--api-url", f.url); err == nil || !strings.Contains(err.Error(), "403") || !strings.Contains(err.Error(), "admin role") {
		t.Errorf("replay with a read key: %v, want 403", err)
	}
	if _, err := cli("", "list", "--api-url", f.url); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("list without a key: %v, want 401", err)
	}
	t.Setenv(groupadmin.URLEnv, f.url)
	out, err = cli("k-admin", "replay", fmt.Sprint(f.seq[f.b]), "--limit", "3")
	if err == nil {
		t.Errorf("replay --limit: %q, want a flag error", out)
	}
	out, err = cli("k-admin", "replay", fmt.Sprint(f.seq[f.b]))
	if err != nil || out != "replayed 1 dead letter(s)\n" {
		t.Errorf("replay through FAULTLINE_API_URL: %q %v", out, err)
	}
	out, err = cli("k-a-admin", "replay")
	if err != nil || out != "replayed 1 dead letter(s)\n" {
		t.Errorf("scoped replay of all: %q %v", out, err)
	}
	if got := f.remaining(); !slices.Equal(got, []string{""}) {
		t.Errorf("dead letters left: %q, want the undecodable one", got)
	}
}
