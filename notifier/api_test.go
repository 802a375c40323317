package notifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/elastic"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/group"
	"github.com/faultline/faultline/internal/testenv"
	"github.com/faultline/faultline/processor"
)

func TestGroupAPI(t *testing.T) {
	es, err := elastic.NewClient([]string{testenv.ElasticsearchURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := elastic.Setup(ctx, es); err != nil {
		t.Fatal(err)
	}
	store := processor.NewStore(es)
	service := fmt.Sprintf("api-%d", time.Now().UnixNano())
	now := time.Now().UTC()
	cs, err := store.UpdateGroups(ctx, []processor.Delta{{Fingerprint: service, Count: 1, First: now, Last: now,
		Sample: &event.Event{Message: "boom", Service: event.Service{Name: service}}}})
	if err != nil {
		t.Fatal(err)
	}
	_, inbox, s := running(t, config0(), nil)
	mux := http.NewServeMux()
	s.RegisterAPI(mux, store, func(r *http.Request) error {
		if r.Header.Get("Authorization") != "Bearer ok" {
			return errors.New("no")
		}
		return nil
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	call := func(method, path string, auth bool) (int, []byte) {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		if auth {
			req.Header.Set("Authorization", "Bearer ok")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var body json.RawMessage
		json.NewDecoder(res.Body).Decode(&body)
		return res.StatusCode, body
	}
	if code, _ := call("POST", "/v1/groups/"+service+"/mute?for=1h", false); code != http.StatusUnauthorized {
		t.Errorf("without credentials: %d", code)
	}
	if code, _ := call("POST", "/v1/groups/"+service+"/mute?for=soon", true); code != http.StatusBadRequest {
		t.Errorf("bad duration: %d", code)
	}
	if code, _ := call("POST", "/v1/groups/"+service+"/mute?for=1h", true); code != http.StatusOK {
		t.Fatalf("mute: %d", code)
	}
	groups, err := store.ListGroups(ctx, service, 10)
	if err != nil || len(groups) != 1 || groups[0].Status != group.StatusMuted || groups[0].MutedUntil == nil {
		t.Fatalf("after mute: %+v, %v", groups, err)
	}
	// A candidate already in flight still says "open": the notifier's own
	// record of the mute keeps it quiet.
	inFlight := cs[0]
	if err := s.deliver(ctx, "oncall", s.channels["oncall"], inFlight); err != nil {
		t.Fatal(err)
	}
	if n := len(inbox.all()); n != 0 {
		t.Errorf("a muted group alerted: %d messages", n)
	}
	if code, _ := call("POST", "/v1/groups/"+service+"/unmute", true); code != http.StatusOK {
		t.Fatalf("unmute: %d", code)
	}
	if err := s.deliver(ctx, "oncall", s.channels["oncall"], inFlight); err != nil {
		t.Fatal(err)
	}
	if n := len(inbox.all()); n != 1 {
		t.Errorf("after unmute: %d messages, want 1", n)
	}
	if code, body := call("GET", "/v1/groups?service="+service, true); code != http.StatusOK || !strings.Contains(string(body), `"fingerprint":"`+service+`"`) {
		t.Errorf("list: %d %s", code, body)
	}
	if code, _ := call("POST", "/v1/groups/"+service+"/explode", true); code != http.StatusNotFound {
		t.Errorf("unknown action: %d", code)
	}
}
