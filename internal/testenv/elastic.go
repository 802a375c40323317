package testenv

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// ESQuery posts body (JSON; "" for none) to the node's path and decodes the
// answer into out; a failure to ask or to decode fails the test.
func ESQuery(t testing.TB, esURL, path, body string, out any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, esURL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("elasticsearch %s: %v", path, err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		t.Fatalf("elasticsearch %s: %v", path, err)
	}
}

// ESCount counts the documents of index that match query (a search body
// such as {"query":{...}}; "" for all), or -1 while the node cannot say: it
// does not fail the test, so that it can stand in an Eventually.
func ESCount(esURL, index, query string) int {
	res, err := http.Post(esURL+"/"+index+"/_count", "application/json", strings.NewReader(query))
	if err != nil {
		return -1
	}
	defer res.Body.Close()
	var out struct {
		Count *int `json:"count"`
	}
	if json.NewDecoder(res.Body).Decode(&out) != nil || out.Count == nil {
		return -1
	}
	return *out.Count
}

// ESTermQuery is a search body matching field = value.
func ESTermQuery(field, value string) string {
	return fmt.Sprintf(`{"query":{"term":{%q:%q}}}`, field, value)
}

// ESSearch returns the _source of every hit of a search body on index, []
// while the index does not exist.
func ESSearch(t testing.TB, esURL, index, body string) []map[string]any {
	t.Helper()
	var out struct {
		Hits struct {
			Hits []struct {
				Source map[string]any `json:"_source"`
			} `json:"hits"`
		} `json:"hits"`
	}
	ESQuery(t, esURL, "/"+index+"/_search", body, &out)
	docs := []map[string]any{}
	for _, h := range out.Hits.Hits {
		docs = append(docs, h.Source)
	}
	return docs
}

// ESRefresh makes what index holds searchable now.
func ESRefresh(t testing.TB, esURL, index string) {
	t.Helper()
	ESQuery(t, esURL, "/"+index+"/_refresh", "", &map[string]any{})
}

// ESWaitCount waits until query matches at least want documents of index.
func ESWaitCount(t testing.TB, esURL, index, query string, want int, timeout time.Duration) {
	t.Helper()
	Eventually(t, fmt.Sprintf("%d documents in %s matching %s", want, index, query), timeout, func() bool {
		return ESCount(esURL, index, query) >= want
	})
}
