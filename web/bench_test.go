//go:build bench

package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/rs/zerolog"

	"github.com/faultline/faultline/groupadmin"
	"github.com/faultline/faultline/internal/auth"
	"github.com/faultline/faultline/internal/config"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/internal/group"
	"github.com/faultline/faultline/internal/testenv"
	"github.com/faultline/faultline/processor"
	"github.com/faultline/faultline/web"
)

// benchStore reads group documents from the benchmark's own groups index,
// where the group page's groupadmin would read the live one. It only
// reads: the benchmark never changes a group.
type benchStore struct{ es *elasticsearch.Client }

var errBenchReadOnly = errors.New("the benchmark's data set is read-only")

func (s benchStore) Group(ctx context.Context, fp string) (group.Group, error) {
	res, err := s.es.Get(benchGroups, fp, s.es.Get.WithContext(ctx))
	if err != nil {
		return group.Group{}, err
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusNotFound {
		return group.Group{}, group.ErrNotFound
	}
	var doc struct {
		Source group.Group `json:"_source"`
	}
	if err := json.NewDecoder(res.Body).Decode(&doc); err != nil {
		return group.Group{}, err
	}
	return doc.Source, nil
}

func (benchStore) SetStatus(context.Context, string, group.StatusChange, func(group.Group) error) (group.Group, error) {
	return group.Group{}, errBenchReadOnly
}

func (benchStore) ListGroups(context.Context, string, []string, int) ([]group.Group, error) {
	return nil, errBenchReadOnly
}

// Events is not what the group page reads (it searches the events index
// itself), so the benchmark needs no implementation of it.
func (benchStore) Events(context.Context, string, int) ([]event.Event, error) {
	return nil, errBenchReadOnly
}

// benchPages serves the pages over the data set, signed in with an admin
// key (whose pages carry the action forms too), and with the clock at the
// set's generation, so the last 24 h of a set made days ago still holds
// its events.
func benchPages(b *testing.B, d *benchData) (base string, client *http.Client) {
	b.Helper()
	keyList := []auth.Key{{Name: "bench", Roles: []auth.Role{auth.RoleAdmin}, Hash: auth.Hash("k-bench")}}
	keys, err := auth.New(keyList)
	if err != nil {
		b.Fatal(err)
	}
	admin := &groupadmin.Admin{Store: benchStore{d.es}}
	h, err := web.New(web.Config{Keys: keys, SessionKey: web.SessionKey(keyList, nil), Log: zerolog.Nop(),
		Data:    &web.Data{ES: d.es, Groups: processor.NewGroups(d.es), Indices: web.Indices{Groups: benchGroups, Events: benchEvents}},
		Admin:   func() (*groupadmin.Admin, error) { return admin, nil },
		Explain: web.GroupingFrames(config.Grouping{}),
		Now:     func() time.Time { return d.generated }})
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	srv := httptest.NewServer(mux)
	b.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	client = &http.Client{Jar: jar, Timeout: time.Minute}
	_, page := benchGet(b, client, srv.URL+"/signin")
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		b.Fatalf("no CSRF token on the sign-in page")
	}
	res, err := client.PostForm(srv.URL+"/signin", url.Values{"csrf": {string(m[1])}, "key": {"k-bench"}, "next": {"/groups"}})
	if err != nil {
		b.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b.Fatalf("sign in: %s", res.Status)
	}
	return srv.URL, client
}

// benchGet fetches a page and returns how long the server took to answer
// it in full and its bytes.
func benchGet(b *testing.B, client *http.Client, u string) (time.Duration, []byte) {
	b.Helper()
	start := time.Now()
	res, err := client.Get(u)
	if err != nil {
		b.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	took := time.Since(start)
	if err != nil || res.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %s %v: %.300s", u, res.Status, err, body)
	}
	return took, body
}

// measure fetches each URL in turn for b.N rounds and reports the p50 and
// p99 of the server's time and the largest page's bytes.
func measure(b *testing.B, client *http.Client, urls []string) {
	var times []time.Duration
	var weight int
	for _, u := range urls { // warm caches and the connection first
		benchGet(b, client, u)
	}
	b.ResetTimer()
	for b.Loop() {
		for _, u := range urls {
			took, body := benchGet(b, client, u)
			if os.Getenv("FAULTLINE_WEB_BENCH_URLS") != "" {
				fmt.Printf("%6.1f ms %s\n", float64(took.Microseconds())/1000, u)
			}
			times = append(times, took)
			weight = max(weight, len(body))
		}
	}
	b.StopTimer()
	slices.Sort(times)
	pct := func(p float64) float64 {
		return float64(times[min(len(times)-1, int(p*float64(len(times))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(weight), "max-page-bytes")
	b.ReportMetric(0, "ns/op")
	fmt.Printf("%s: p50 %.1f ms, p99 %.1f ms, largest page %d bytes (%d requests over %d URLs)\n",
		b.Name(), pct(0.50), pct(0.99), weight, len(times), len(urls))
}

// BenchmarkPages measures the groups list and the group page over 100 000
// groups and 1 000 000 events (generated into the benchmark's own indices
// on the first run, reused while they are there): the server's time per
// page, p50 and p99, and the page's weight.
func BenchmarkPages(b *testing.B) {
	d := loadBenchData(b, testenv.ElasticsearchURL(b))
	checkBenchData(b, d)
	base, client := benchPages(b, d)
	next := regexp.MustCompile(`href="(/groups\?[^"]*after=[^"]+)"`)
	_, first := benchGet(b, client, base+"/groups")
	m := next.FindSubmatch(first)
	if m == nil {
		b.Fatal("the groups list has no next page link")
	}
	page2 := base + string(bytes.ReplaceAll(m[1], []byte("&amp;"), []byte("&")))
	lists := []string{
		base + "/groups",
		page2,
		base + "/groups?service=" + benchService(3),
		base + "/groups?status=muted",
		base + "/groups?level=FATAL&environment=production",
		base + "/groups?sort=count",
		base + "/groups?sort=trend",
		base + "/groups?range=24h&sort=first_seen",
		base + "/groups?q=checkout",
		base + "/groups?q=ledger+timeout&service=" + benchService(7),
	}
	b.Run("list", func(b *testing.B) { measure(b, client, lists) })
	var pages []string
	for _, fp := range []string{d.top, d.mid, d.tail} {
		for _, chart := range []string{"1h", "24h", "14d"} {
			pages = append(pages, base+"/groups/"+fp+"?chart="+chart)
		}
	}
	b.Run("group", func(b *testing.B) { measure(b, client, pages) })
}

// checkBenchData fails when the set's groups and events disagree: a
// group's count is its events.
func checkBenchData(b *testing.B, d *benchData) {
	b.Helper()
	for _, fp := range []string{d.top, d.mid, d.tail} {
		g, err := benchStore{d.es}.Group(context.Background(), fp)
		if err != nil {
			b.Fatal(err)
		}
		body := fmt.Sprintf(`{"query":{"term":{"faultline.fingerprint":%q}}}`, fp)
		res, err := d.es.Count(d.es.Count.WithIndex(benchEvents), d.es.Count.WithBody(bytes.NewReader([]byte(body))))
		if err != nil {
			b.Fatal(err)
		}
		var c struct {
			Count int64 `json:"count"`
		}
		err = json.NewDecoder(res.Body).Decode(&c)
		res.Body.Close()
		if err != nil || c.Count != g.Count {
			b.Fatalf("group %s: count %d, %d events (%v)", fp, g.Count, c.Count, err)
		}
	}
}
