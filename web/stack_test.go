package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/rs/zerolog"

	"github.com/faultline/faultline/groupadmin"
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

// Keys of the stack: an admin, a read-only key and an ingest key.
const (
	adminKey  = "admin-secret-key"
	readKey   = "read-secret-key"
	ingestKey = "ingest-secret-key"
	scopedKey = "scoped-secret-key"
)

// stack is faultline in-process: an embedded NATS, a processor and a
// notifier against the shared Elasticsearch, and the pages with the group
// API on one server, as `faultline all` mounts them.
type stack struct {
	t       *testing.T
	URL     string // the public URL: server + prefix
	Server  string
	pub     func(ev event.Event)
	es      *elasticsearch.Client
	groups  *processor.Groups
	counter *processor.Counter
	chat    *testenv.Inbox
	Service string
}

// mentions counts the messages from the from-th on that contain s.
func mentions(chat *testenv.Inbox, from int, s string) int {
	bodies := chat.Bodies()
	n := 0
	for _, b := range bodies[min(from, len(bodies)):] {
		if strings.Contains(b, s) {
			n++
		}
	}
	return n
}

// newStack starts the stack with the keys above (none when open is true)
// and the pages under prefix.
func newStack(t *testing.T, prefix string, open bool) *stack {
	t.Helper()
	es, err := elastic.NewClient([]string{testenv.ElasticsearchURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := elastic.Setup(ctx, es); err != nil {
		t.Fatal(err)
	}
	_, _, js := testenv.JetStream(t)
	log := zerolog.New(os.Stderr).Level(zerolog.WarnLevel)
	p := processor.New(js, es, log, processor.Config{Linger: 10 * time.Millisecond})
	inbox, hook := testenv.NewInbox(t)
	f := config.File{Channels: []config.Channel{{Name: "oncall", Type: "discord", URL: hook}}}.WithDefaults()
	// Every repeat alerts at once, so a muted group's silence is its mute's.
	f.Notify.Cooldown.Duration = time.Millisecond
	n, err := notifier.Prepare(js, log, f, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = p.Run(ctx) }()
	go func() { defer wg.Done(); _ = n.Run(ctx) }()
	t.Cleanup(func() { cancel(); wg.Wait() })

	var keyList []auth.Key
	if !open {
		keyList = []auth.Key{
			{Name: "oncall", Roles: []auth.Role{auth.RoleAdmin}, Hash: auth.Hash(adminKey)},
			{Name: "viewer", Roles: []auth.Role{auth.RoleRead}, Hash: auth.Hash(readKey)},
			{Name: "shop", Service: "shop", Hash: auth.Hash(ingestKey)},
			{Name: "billing-team", Roles: []auth.Role{auth.RoleAdmin}, Services: []string{"billing-*"}, Hash: auth.Hash(scopedKey)},
		}
	}
	keys, err := auth.New(keyList)
	if err != nil {
		t.Fatal(err)
	}
	store := processor.NewGroups(es)
	mux := http.NewServeMux()
	n.RegisterAPI(mux, store, keys)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	pages, err := web.New(web.Config{Keys: keys, Data: web.NewData(es), PublicURL: srv.URL + prefix, KibanaURL: "http://kibana.example:5601",
		SessionKey: web.SessionKey(keyList, []string{"a chat webhook"}), Explain: web.GroupingFrames(config.Grouping{}), Log: log,
		Admin: func() (*groupadmin.Admin, error) { return n.GroupAdmin(store) }})
	if err != nil {
		t.Fatal(err)
	}
	pages.Register(mux)
	s := &stack{t: t, URL: srv.URL + prefix, Server: srv.URL, es: es, groups: store, counter: processor.NewCounter(es), chat: inbox,
		Service: fmt.Sprintf("web-%d", time.Now().UnixNano())}
	s.pub = func(ev event.Event) {
		b, err := event.Marshal(&ev)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := js.Publish(context.Background(), broker.EventsSubject, b); err != nil {
			t.Fatal(err)
		}
	}
	// The page's actions wait for the notifiers' state like the API does.
	testenv.Eventually(t, "the notifier's state", 30*time.Second, func() bool { _, err := n.GroupAdmin(store); return err == nil })
	return s
}

var seq int

// javaEvent is an event as ingest makes one of a logback line with a
// stack: in-app frames of com.example.shop between library frames.
func (s *stack) javaEvent(exType, exMsg, message string, at time.Time, labels map[string]string) event.Event {
	seq++
	f := func(class, method, file string, line int) event.Frame {
		return event.Frame{Class: class, Method: method, File: file, Line: line}
	}
	return event.Event{
		Timestamp: at, Message: message,
		Log:     event.Log{Level: "ERROR", Logger: "com.example.shop.CheckoutController"},
		Service: event.Service{Name: s.Service, Environment: "production", Version: "1.4.2"},
		Error:   &event.Error{Type: exType, Message: exMsg, StackTrace: exType + ": " + exMsg + "\n\tat com.example.shop.PaymentService.charge(PaymentService.java:88)"},
		Event:   event.Meta{ID: fmt.Sprintf("%s-%d-%d", s.Service, seq, at.UnixNano()), Ingested: time.Now().UTC()},
		Trace:   &event.Trace{ID: fmt.Sprintf("trace%04d", seq)},
		Labels:  labels,
		Faultline: event.Faultline{Exceptions: []event.Exception{{Type: exType, Message: exMsg, Frames: []event.Frame{
			f("com.example.shop.PaymentService", "charge", "PaymentService.java", 88),
			f("org.springframework.aop.framework.ReflectiveMethodInvocation", "proceed", "ReflectiveMethodInvocation.java", 186),
			f("org.springframework.aop.framework.CglibAopProxy$DynamicAdvisedInterceptor", "intercept", "CglibAopProxy.java", 704),
			f("com.example.shop.CheckoutController", "checkout", "CheckoutController.java", 41),
			f("org.apache.catalina.core.ApplicationFilterChain", "doFilter", "ApplicationFilterChain.java", 166),
		}}}},
	}
}

// group waits until the service has a group titled title with count events
// in Elasticsearch, and returns it.
func (s *stack) group(title string, count int64) group.Group {
	s.t.Helper()
	var found group.Group
	testenv.Eventually(s.t, fmt.Sprintf("group %q with %d events", title, count), 30*time.Second, func() bool {
		gs, err := s.groups.ListGroups(context.Background(), s.Service, nil, 100)
		if err != nil {
			return false
		}
		for _, g := range gs {
			if g.Title == title && g.Count == count {
				found = g
				return true
			}
		}
		return false
	})
	// The events are searchable a refresh after the group is.
	_ = elastic.Check(s.es.Indices.Refresh(s.es.Indices.Refresh.WithIndex(web.EventsIndex)))
	return found
}
