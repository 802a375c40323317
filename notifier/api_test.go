package notifier

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/auth"
	"github.com/faultline/faultline/internal/elastic"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/group"
	"github.com/faultline/faultline/processor"
)

// groupAPI is a notifier's group API with these keys in front of the real
// Elasticsearch, and one group per service named (fingerprint = service).
type groupAPI struct {
	t     *testing.T
	url   string
	store *groupDocs
	s     *Service
	inbox *discordInbox
	cs    map[string]group.Candidate
}

func newGroupAPI(t *testing.T, keys []auth.Key, services ...string) *groupAPI {
	t.Helper()
	store, es := groupStoreAndES(t)
	ctx := context.Background()
	now := time.Now().UTC()
	api := &groupAPI{t: t, store: store, cs: map[string]group.Candidate{}}
	for i, svc := range services {
		// Last seen in the order given, so the list is newest first in reverse.
		at := now.Add(time.Duration(i) * time.Millisecond)
		cs, err := store.UpdateGroups(ctx, []processor.Delta{{Fingerprint: svc, Count: 1, First: at, Last: at,
			Sample: &event.Event{Message: "boom", Service: event.Service{Name: svc}}}})
		if err != nil || len(cs) != 1 {
			t.Fatalf("group %s: %v %v", svc, cs, err)
		}
		api.cs[svc] = cs[0]
	}
	if err := elastic.Check(es.Indices.Refresh(es.Indices.Refresh.WithIndex(elastic.GroupsIndex))); err != nil {
		t.Fatal(err)
	}
	k, err := auth.New(keys)
	if err != nil {
		t.Fatal(err)
	}
	_, api.inbox, api.s = running(t, config0(), nil)
	mux := http.NewServeMux()
	api.s.RegisterAPI(mux, store.Groups, k)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	api.url = srv.URL
	return api
}

func (a *groupAPI) call(method, path, key string, out any) int {
	a.t.Helper()
	req, _ := http.NewRequest(method, a.url+path, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	if out != nil {
		json.NewDecoder(res.Body).Decode(out)
	}
	return res.StatusCode
}

func TestGroupAPI(t *testing.T) {
	service := fmt.Sprintf("api-%d", time.Now().UnixNano())
	a := newGroupAPI(t, []auth.Key{{Name: "oncall", Roles: []auth.Role{auth.RoleAdmin}, Hash: auth.Hash("ok")}}, service)
	ctx := context.Background()
	if code := a.call("POST", "/v1/groups/"+service+"/mute?for=1h", "", nil); code != http.StatusUnauthorized {
		t.Errorf("without credentials: %d", code)
	}
	if code := a.call("POST", "/v1/groups/"+service+"/mute?for=soon", "ok", nil); code != http.StatusBadRequest {
		t.Errorf("bad duration: %d", code)
	}
	before := time.Now().UTC()
	var muted group.Group
	if code := a.call("POST", "/v1/groups/"+service+"/mute?for=1h", "ok", &muted); code != http.StatusOK {
		t.Fatalf("mute: %d", code)
	}
	// The audit: who, when and until when, in the answer and in Elasticsearch.
	groups, err := a.store.ListGroups(ctx, service, nil, 10)
	if err != nil || len(groups) != 1 || groups[0].Status != group.StatusMuted || groups[0].MutedUntil == nil {
		t.Fatalf("after mute: %+v, %v", groups, err)
	}
	for _, g := range []group.Group{muted, groups[0]} {
		if n := len(g.StatusChanges); n != 1 {
			t.Fatalf("status changes %+v", g.StatusChanges)
		}
		c := g.StatusChanges[0]
		if c.Action != "mute" || c.By != "oncall" || c.At.Before(before.Add(-time.Second)) || c.At.After(time.Now().Add(time.Second)) ||
			c.Until == nil || c.Until.Sub(c.At) != time.Hour {
			t.Errorf("recorded %+v, want a mute by oncall now until an hour later", c)
		}
	}
	// A candidate already in flight still says "open": the notifier's own
	// record of the mute keeps it quiet.
	inFlight := a.cs[service]
	if err := a.s.deliver(ctx, "oncall", a.s.channels["oncall"], inFlight); err != nil {
		t.Fatal(err)
	}
	if n := len(a.inbox.all()); n != 0 {
		t.Errorf("a muted group alerted: %d messages", n)
	}
	var unmuted group.Group
	if code := a.call("POST", "/v1/groups/"+service+"/unmute", "ok", &unmuted); code != http.StatusOK {
		t.Fatalf("unmute: %d", code)
	}
	if n := len(unmuted.StatusChanges); n != 2 || unmuted.StatusChanges[1].Action != "unmute" || unmuted.StatusChanges[1].By != "oncall" {
		t.Errorf("after unmute: %+v", unmuted.StatusChanges)
	}
	if err := a.s.deliver(ctx, "oncall", a.s.channels["oncall"], inFlight); err != nil {
		t.Fatal(err)
	}
	if n := len(a.inbox.all()); n != 1 {
		t.Errorf("after unmute: %d messages, want 1", n)
	}
	var list struct{ Groups []group.Group }
	if code := a.call("GET", "/v1/groups?service="+service, "ok", &list); code != http.StatusOK || len(list.Groups) != 1 || len(list.Groups[0].StatusChanges) != 2 {
		t.Errorf("list: %d %+v", code, list)
	}
	if code := a.call("POST", "/v1/groups/"+service+"/explode", "ok", nil); code != http.StatusNotFound {
		t.Errorf("unknown action: %d", code)
	}
}

// One row per attempt a key makes on the group API, with the answer it must
// get and what must not have changed.
func TestGroupAPIRolesAndScope(t *testing.T) {
	run := time.Now().UnixNano()
	mine, theirs := fmt.Sprintf("scope-checkout-%d", run), fmt.Sprintf("scope-billing-%d", run)
	a := newGroupAPI(t, []auth.Key{
		{Service: mine, Hash: auth.Hash("ingest")},
		{Name: "dash", Roles: []auth.Role{auth.RoleRead}, Hash: auth.Hash("read")},
		{Name: "checkout-dash", Roles: []auth.Role{auth.RoleRead}, Services: []string{"scope-checkout-*"}, Hash: auth.Hash("scoped-read")},
		{Name: "checkout-oncall", Roles: []auth.Role{auth.RoleAdmin}, Services: []string{"scope-checkout-*"}, Hash: auth.Hash("scoped-admin")},
		{Name: "oncall", Roles: []auth.Role{auth.RoleAdmin}, Hash: auth.Hash("admin")},
	}, mine, theirs)
	for _, tc := range []struct {
		name, method, path, key string
		status                  int
	}{
		{"ingest key tries mute", "POST", "/v1/groups/" + mine + "/mute", "ingest", http.StatusForbidden},
		{"ingest key tries list", "GET", "/v1/groups", "ingest", http.StatusForbidden},
		{"read key tries resolve", "POST", "/v1/groups/" + mine + "/resolve", "read", http.StatusForbidden},
		{"scoped read key tries unmute", "POST", "/v1/groups/" + mine + "/unmute", "scoped-read", http.StatusForbidden},
		{"scoped admin mutes another service's group", "POST", "/v1/groups/" + theirs + "/mute", "scoped-admin", http.StatusForbidden},
		{"scoped admin resolves another service's group", "POST", "/v1/groups/" + theirs + "/resolve", "scoped-admin", http.StatusForbidden},
		{"unknown key", "POST", "/v1/groups/" + mine + "/mute", "nope", http.StatusForbidden},
		{"no key", "GET", "/v1/groups", "", http.StatusUnauthorized},
		{"limit 0", "GET", "/v1/groups?limit=0", "read", http.StatusBadRequest},
		{"limit not a number", "GET", "/v1/groups?limit=ten", "read", http.StatusBadRequest},
		{"mute for a negative time", "POST", "/v1/groups/" + mine + "/mute?for=-1h", "admin", http.StatusBadRequest},
		{"unknown fingerprint", "POST", fmt.Sprintf("/v1/groups/no-such-group-%d/resolve", run), "admin", http.StatusNotFound},
		{"unknown fingerprint, viewed", "GET", fmt.Sprintf("/v1/groups/no-such-group-%d", run), "read", http.StatusNotFound},
		{"scoped read key views another service's group", "GET", "/v1/groups/" + theirs, "scoped-read", http.StatusForbidden},
		{"ingest key views a group", "GET", "/v1/groups/" + mine, "ingest", http.StatusForbidden},
		{"scoped admin, unknown fingerprint", "POST", fmt.Sprintf("/v1/groups/no-such-group-%d/mute", run), "scoped-admin", http.StatusNotFound},
	} {
		var body map[string]any
		if code := a.call(tc.method, tc.path, tc.key, &body); code != tc.status || body["error"] == "" {
			t.Errorf("%s: %d %v, want %d with an error", tc.name, code, body, tc.status)
		}
	}
	ctx := context.Background()
	for _, svc := range []string{mine, theirs} {
		gs, err := a.store.ListGroups(ctx, svc, nil, 10)
		if err != nil || len(gs) != 1 || gs[0].Status != group.StatusOpen || len(gs[0].StatusChanges) != 0 {
			t.Errorf("%s changed by refused requests: %+v %v", svc, gs, err)
		}
	}
	// The scope is in the query: limit=1 of a scoped key is its newest
	// group, though another service's group was seen later.
	list := func(key, query string) []string {
		var out struct{ Groups []group.Group }
		if code := a.call("GET", "/v1/groups?"+query, key, &out); code != http.StatusOK {
			t.Fatalf("list as %s: %d", key, code)
		}
		var fps []string
		for _, g := range out.Groups {
			if g.Fingerprint == mine || g.Fingerprint == theirs {
				fps = append(fps, g.Fingerprint)
			}
		}
		return fps
	}
	if got := list("scoped-read", "limit=1"); len(got) != 1 || got[0] != mine {
		t.Errorf("scoped read key, limit 1: %v, want [%s]", got, mine)
	}
	if got := list("scoped-read", "service="+theirs); len(got) != 0 {
		t.Errorf("scoped read key asking for another service: %v", got)
	}
	if got := append(list("read", "service="+mine), list("read", "service="+theirs)...); len(got) != 2 {
		t.Errorf("unscoped read key: %v, want both", got)
	}
	if got := list("scoped-admin", "service="+mine); len(got) != 1 {
		t.Errorf("admin implies read: %v", got)
	}
	var g group.Group
	if code := a.call("GET", "/v1/groups/"+mine, "scoped-read", &g); code != http.StatusOK || g.Fingerprint != mine || g.Tally != nil {
		t.Errorf("scoped read key viewing its own group: %d %+v", code, g)
	}
	g = group.Group{}
	if code := a.call("POST", "/v1/groups/"+mine+"/resolve", "scoped-admin", &g); code != http.StatusOK || g.Status != group.StatusResolved || g.StatusChanges[0].By != "checkout-oncall" {
		t.Errorf("scoped admin resolving its own group: %d %+v", code, g)
	}
}
