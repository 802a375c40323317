package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/faultline/faultline/dlqadmin"
	"github.com/faultline/faultline/internal/auth"
	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/config"
	"github.com/faultline/faultline/internal/elastic"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/group"
	"github.com/faultline/faultline/internal/testenv"
	"github.com/faultline/faultline/notifier"
	"github.com/faultline/faultline/processor"
	"github.com/faultline/faultline/web"
)

// opsEnv is the pages over the real pipeline: an embedded JetStream, the
// shared Elasticsearch node, a processor and a notifier that posts to a
// local Discord receiver.
type opsEnv struct {
	t       *testing.T
	js      jetstream.JetStream
	url     string
	service string
	inbox   *testenv.Inbox
	n       *notifier.Service
	// stopProcessor stops the processor (once).
	stopProcessor func()
}

// The keys of the page tests: secret = "k-" + name.
var opsKeys = []auth.Key{
	{Name: "oncall-admin", Roles: []auth.Role{auth.RoleAdmin}, Hash: auth.Hash("k-oncall-admin")},
	{Name: "oncall-reader", Roles: []auth.Role{auth.RoleRead}, Hash: auth.Hash("k-oncall-reader")},
	{Name: "other-team", Roles: []auth.Role{auth.RoleRead}, Services: []string{"other-team-*"}, Hash: auth.Hash("k-other-team")},
}

func newOpsEnv(t *testing.T, notify config.Notify, pc processor.Config) *opsEnv {
	t.Helper()
	_, _, js := testenv.JetStream(t)
	es, err := elastic.NewClient([]string{testenv.ElasticsearchURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	inbox, hook := testenv.NewInbox(t)
	e := &opsEnv{t: t, js: js, service: fmt.Sprintf("webops-%d", time.Now().UnixNano()), inbox: inbox}

	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	notify.PublicURL = srv.URL
	f := config.File{Channels: []config.Channel{{Name: "oncall", Type: "discord", URL: hook + "/api/webhooks/1/tok"}}, Notify: notify}
	e.n, err = notifier.NewService(context.Background(), js, zerolog.Nop(), f, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := auth.New(opsKeys)
	if err != nil {
		t.Fatal(err)
	}
	h, err := web.New(web.Config{Keys: keys, Data: web.NewData(es), PublicURL: srv.URL, SessionKey: web.SessionKey(opsKeys, nil),
		Log: zerolog.Nop(), Pipeline: &web.Pipeline{JS: js, DeadLetters: &dlqadmin.Admin{JS: js, Log: zerolog.Nop()}, Notifier: e.n}})
	if err != nil {
		t.Fatal(err)
	}
	h.Register(mux)

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	wg.Go(func() {
		if err := e.n.Run(ctx); err != nil {
			t.Errorf("notifier: %v", err)
		}
	})
	pctx, pcancel := context.WithCancel(ctx)
	p := processor.New(js, es, zerolog.Nop(), pc)
	pdone := make(chan struct{})
	wg.Go(func() {
		defer close(pdone)
		if err := p.Run(pctx); err != nil {
			t.Errorf("processor: %v", err)
		}
	})
	e.stopProcessor = sync.OnceFunc(func() {
		pcancel()
		<-pdone
	})
	return e
}

// publish puts an event of the test's service on the events stream, as
// ingest would, and returns its bytes.
func (e *opsEnv) publish(id, message string) []byte {
	e.t.Helper()
	ev := event.Event{Timestamp: time.Now().UTC(), Message: message, Log: event.Log{Level: "ERROR"},
		Service: event.Service{Name: e.service}, Event: event.Meta{ID: e.service + "-" + id, Ingested: time.Now().UTC()}}
	data, err := json.Marshal(ev)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.js.Publish(context.Background(), broker.EventsSubject, data); err != nil {
		e.t.Fatal(err)
	}
	return data
}

// browse starts a Chromium signed in with key (a fresh profile each time).
func (e *opsEnv) browse(key string) context.Context {
	e.t.Helper()
	ctx := testenv.Browser(e.t)
	testenv.BrowserDo(e.t, ctx, 30*time.Second,
		chromedp.Navigate(e.url+"/signin"),
		chromedp.WaitVisible("#key"),
		chromedp.SendKeys("#key", key),
		chromedp.Submit("#key"),
		chromedp.WaitVisible(".who"),
	)
	return ctx
}

// postFromPage sends a form POST from the signed-in page with the
// browser's own cookie, as a forged or scripted request would; csrf is
// the page's token when withToken. It returns the status.
func postFromPage(t *testing.T, ctx context.Context, path, form string, withToken bool) int {
	t.Helper()
	js := fmt.Sprintf(`(async () => {
		let body = %q;
		if (%t) { body += "&csrf=" + encodeURIComponent(document.querySelector("input[name=csrf]").value); }
		const r = await fetch(%q, {method: "POST", body: body, headers: {"Content-Type": "application/x-www-form-urlencoded"}, redirect: "manual"});
		return r.status;
	})()`, form, withToken, path)
	return testenv.BrowserGet(t, ctx, 20*time.Second, chromedp.Evaluate[int](js, chromedp.EvalAwaitPromise))
}

// The pipeline page over a real dead letter (an event over the
// processor's bulk cap): a read key sees it with its reason but no
// replay button, and its POST with a valid CSRF token is refused; an
// admin's POST without the token (a forgery riding the cookie) is
// refused; the admin's click on Replay puts the event's bytes back on
// the events stream through dlqadmin and takes it off the dead letters.
// The page also shows the ingest rate from the events stream, the
// processor's lag, Elasticsearch's health and the channel's last send.
func TestPipelinePageReplaysADeadLetter(t *testing.T) {
	e := newOpsEnv(t, config.Notify{}, processor.Config{MaxBulkBytes: 64 << 10})
	for i := range 3 {
		e.publish(fmt.Sprint(i), fmt.Sprintf("checkout failed: cart %d has no items", i))
	}
	big := e.publish("big", strings.Repeat("too big ", 16<<10))
	var seq uint64
	testenv.Eventually(t, "the oversized event dead-lettered", 60*time.Second, func() bool {
		dls, err := processor.ListDLQ(context.Background(), e.js, 10)
		if err != nil || len(dls) != 1 {
			return false
		}
		seq = dls[0].Seq
		return true
	})
	testenv.Eventually(t, "the new group announced in chat", 60*time.Second, func() bool { return len(e.inbox.Bodies()) > 0 })
	// Stopped, so that the replayed event stays on the stream to be seen
	// instead of being dead-lettered again.
	e.stopProcessor()
	row := fmt.Sprintf(`tr.dead-letter[data-seq="%d"]`, seq)

	reader := e.browse("k-oncall-reader")
	testenv.BrowserDo(t, reader, 30*time.Second, chromedp.Navigate(e.url+"/pipeline"), chromedp.WaitVisible(row))
	reason := testenv.BrowserGet(t, reader, 10*time.Second, chromedp.Text(row+" td.reason"))
	if !strings.Contains(reason, "bulk request cap") {
		t.Errorf("dead letter's reason on the page: %q", reason)
	}
	if n := len(testenv.BrowserGet(t, reader, 10*time.Second, chromedp.Nodes(`form[action$="/pipeline/replay"]`, chromedp.AtLeast(0)))); n != 0 {
		t.Errorf("a read key sees %d replay forms", n)
	}
	form := fmt.Sprintf("seq=%d", seq)
	if code := postFromPage(t, reader, "/pipeline/replay", form, true); code != http.StatusForbidden {
		t.Errorf("read key's replay with its CSRF token: %d, want 403", code)
	}

	admin := e.browse("k-oncall-admin")
	testenv.BrowserDo(t, admin, 30*time.Second, chromedp.Navigate(e.url+"/pipeline"), chromedp.WaitVisible(row))
	for sel, want := range map[string]string{
		"#ingest-rate":    "4 events/min", // 3 stored and the dead-lettered one
		"#processor-lag":  "0 events",
		"#es-status":      "answered in",
		"#kv-state":       "reachable",
		"tr.channel td":   "oncall",
		"#dlq-count":      "1 in the dead-letter stream",
		row + " td.num":   fmt.Sprint(seq),
		`tr.channel td+*`: "discord",
	} {
		if got := testenv.BrowserGet(t, admin, 10*time.Second, chromedp.Text(sel)); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q in it", sel, got, want)
		}
	}
	if got := testenv.BrowserGet(t, admin, 10*time.Second, chromedp.Text(`tr.channel`)); strings.Contains(got, "never") {
		t.Errorf("channel row %q: the announcement's send is not shown", got)
	}
	if *screenshots {
		saveScreenshot(t, admin, "oncall-pipeline.png")
	}
	if code := postFromPage(t, admin, "/pipeline/replay", form, false); code != http.StatusForbidden {
		t.Errorf("admin's replay without the CSRF token: %d, want 403", code)
	}
	if dls, err := processor.ListDLQ(context.Background(), e.js, 10); err != nil || len(dls) != 1 {
		t.Fatalf("after the refused POSTs: %d dead letters, %v; want the one still there", len(dls), err)
	}

	testenv.BrowserDo(t, admin, 30*time.Second,
		chromedp.Click(row+` button[type="submit"]`),
		chromedp.WaitVisible(".flash"),
		chromedp.WaitNotPresent(row),
	)
	if got := testenv.BrowserGet(t, admin, 10*time.Second, chromedp.Text(".flash")); !strings.Contains(got, "Replayed 1 dead letter onto the events stream") {
		t.Errorf("after replay: %q", got)
	}
	if dls, err := processor.ListDLQ(context.Background(), e.js, 10); err != nil || len(dls) != 0 {
		t.Errorf("after replay: %d dead letters, %v", len(dls), err)
	}
	s, err := e.js.Stream(context.Background(), broker.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	last, err := s.GetLastMsgForSubject(context.Background(), broker.EventsSubject)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(last.Data, big) || !strings.HasPrefix(last.Header.Get(jetstream.MsgIDHeader), "replay-") {
		t.Errorf("newest event on the stream: %d bytes, msg id %q; want the replayed one", len(last.Data), last.Header.Get(jetstream.MsgIDHeader))
	}
	// The page's count of the last minute leaves no consumer behind: only
	// the processor's durable one is on the stream.
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Consumers != 1 {
		t.Errorf("events stream after the page views: %d consumers, want the processor's alone", info.State.Consumers)
	}
	// Bad forms name what is wrong; the replayed one is gone.
	for form, want := range map[string]int{
		form:                       http.StatusNotFound,
		"seq=abc":                  http.StatusBadRequest,
		"seq=0":                    http.StatusBadRequest,
		"seq=-1":                   http.StatusBadRequest,
		"seq=99999999999999999999": http.StatusBadRequest,
		"":                         http.StatusBadRequest,
		"all=yes":                  http.StatusBadRequest,
	} {
		if code := postFromPage(t, admin, "/pipeline/replay", form, true); code != want {
			t.Errorf("admin's replay of %q: %d, want %d", form, code, want)
		}
	}
	if got := testenv.StreamEvents(t, e.js); len(got) != 5 {
		t.Errorf("%d events on the stream after the bad forms, want the 4 published and the replayed one", len(got))
	}
}

// A storm as the notifier makes it: the processor turns twelve new errors
// into twelve new groups, the notifier announces the first two on their own
// and folds the rest into one summary whose record the storm page reads.
// Opened from the storms list, the page names every group the summary
// collected, each linking to its group page; with the two announced alone
// they are every group of the service.
func TestStormPageListsEveryGroupOfARealStorm(t *testing.T) {
	const groups, alone = 12, 2
	e := newOpsEnv(t, config.Notify{Storm: config.Storm{Threshold: alone, Window: config.Duration{Duration: 2 * time.Second}, Top: 3}}, processor.Config{})
	words := strings.Fields("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima")
	for i := range groups {
		e.publish(fmt.Sprint(i), fmt.Sprintf("payment provider %s refused the %s capture", words[i], words[(i+5)%groups]))
	}
	var record notifier.StormRecord
	testenv.Eventually(t, "a storm recorded and its summary in chat", 90*time.Second, func() bool {
		st, err := e.n.Storms()
		if err != nil {
			return false
		}
		list, err := st.List(context.Background(), 0)
		if err != nil || len(list) != 1 {
			return false
		}
		record = list[0]
		for _, m := range e.inbox.Bodies() {
			if strings.Contains(m, e.url+"/storms/"+record.ID) {
				return true
			}
		}
		return false
	})
	if len(record.Groups) != groups-alone || record.Omitted != 0 {
		t.Fatalf("storm record has %d groups (%d omitted), want %d", len(record.Groups), record.Omitted, groups-alone)
	}
	want := map[string]bool{}
	for _, g := range record.Groups {
		if g.Service != e.service {
			t.Errorf("storm group %+v is not of the test's service", g)
		}
		want[g.Fingerprint] = true
	}

	// The storms list leads to the page the summary links to.
	ctx := e.browse("k-oncall-reader")
	link := fmt.Sprintf(`a[href="/storms/%s"]`, record.ID)
	testenv.BrowserDo(t, ctx, 30*time.Second,
		chromedp.Navigate(e.url+"/storms"),
		chromedp.WaitVisible(link),
		chromedp.Click(link),
		chromedp.WaitVisible("#storm-groups"),
	)
	if at := testenv.BrowserGet(t, ctx, 10*time.Second, chromedp.Location()); at != e.url+"/storms/"+record.ID {
		t.Errorf("the storms list led to %s, want the summary's link", at)
	}
	if h1 := testenv.BrowserGet(t, ctx, 10*time.Second, chromedp.Text("h1")); h1 != fmt.Sprintf("Storm: %d new error groups", groups-alone) {
		t.Errorf("storm page heading %q", h1)
	}
	rows := testenv.BrowserGet(t, ctx, 10*time.Second, chromedp.AttributesAll("tr.storm-group a"))
	got := map[string]bool{}
	for _, a := range rows {
		fp := strings.TrimPrefix(a["href"], "/groups/")
		if a["href"] != "/groups/"+fp || !want[fp] {
			t.Errorf("storm page links %q, not a group of the storm", a["href"])
		}
		got[fp] = true
	}
	if len(rows) != len(want) || len(got) != len(want) {
		t.Errorf("storm page lists %d groups (%d distinct), the storm collected %d", len(rows), len(got), len(want))
	}
	if *screenshots {
		saveScreenshot(t, ctx, "oncall-storm.png")
	}

	// A key scoped to other services sees the storm, not its groups' names.
	other := e.browse("k-other-team")
	testenv.BrowserDo(t, other, 30*time.Second, chromedp.Navigate(e.url+"/storms/"+record.ID), chromedp.WaitVisible("#storm-groups"))
	if n := len(testenv.BrowserGet(t, other, 10*time.Second, chromedp.Nodes("tr.storm-group", chromedp.AtLeast(0)))); n != 0 {
		t.Errorf("a key scoped to other services sees %d of the storm's groups", n)
	}
	if body := testenv.BrowserGet(t, other, 10*time.Second, chromedp.Text("main")); strings.Contains(body, e.service) || !strings.Contains(body, fmt.Sprintf("%d more of services this key does not see", groups-alone)) {
		t.Errorf("scoped key's storm page: %q", body)
	}

	// The groups announced alone and the storm's are every group the
	// processor made for the service, each once.
	es, err := elastic.NewClient([]string{testenv.ElasticsearchURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	var all []group.Group
	testenv.Eventually(t, fmt.Sprintf("%d groups of the service searchable", groups), 30*time.Second, func() bool {
		all, err = processor.NewGroups(es).ListGroups(context.Background(), e.service, nil, 100)
		return err == nil && len(all) == groups
	})
	announced := 0
	for _, g := range all {
		if want[g.Fingerprint] {
			continue
		}
		for _, m := range e.inbox.Bodies() {
			if strings.Contains(m, g.Fingerprint) || strings.Contains(m, g.Title) {
				announced++
				break
			}
		}
	}
	if announced != alone {
		t.Errorf("%d groups outside the storm were announced on their own, want %d", announced, alone)
	}
}
