//go:build ha

package chaos

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/harness"
	"github.com/faultline/faultline/internal/testenv"
)

// esLoadMax bounds a load that runs until its scenario is over (10 s after
// the last node is back), however long the nodes take to start.
const esLoadMax = 40000

// TestHAElasticsearchNodeStoppedAndRollingRestart runs the pipeline on a
// 3-node Elasticsearch cluster of its own (one replica of the events and the
// groups) and, under load, stops the node holding the events' primary for
// 60 s, then (a new load) restarts all three nodes one by one, each back and
// every shard started with its replica before the next, as a rolling
// upgrade does. The services are given every node's URL; the checks read
// through the harness's balancer, so through a node that is up. Ingest
// refuses nothing; the RTO runs from the node's start (the last node's in
// the rolling restart) until the backlog is stored.
func TestHAElasticsearchNodeStoppedAndRollingRestart(t *testing.T) {
	es := testenv.StartPrivateElasticsearchCluster(t, 3)
	names := []string{"node-1", "node-2", "node-3"}
	t.Run("stopped 60s", func(t *testing.T) {
		r := startOnESClusterBalanced(t, es, names, 10)
		primary := eventsPrimary(r.p.ESURL)
		victim := slices.Index(names, primary)
		if victim < 0 {
			t.Fatalf("the events' primary is on %q", primary)
		}
		done := background(r.l, r.p.IngestURL, esLoadMax, 40)
		time.Sleep(5 * time.Second)
		from := time.Now()
		es.StopNode(t, victim)
		eventually(t, "the events' replica promoted", 2*time.Minute, func() bool {
			p := eventsPrimary(r.p.ESURL)
			return p != "" && p != primary
		})
		r.figures = append(r.figures, fmt.Sprintf("%s stopped (the events' primary): replica promoted after %s", primary, time.Since(from).Round(10*time.Millisecond)))
		time.Sleep(60*time.Second - time.Since(from))
		r.lag.restarted(r.l, toStored)
		r.restartedNode(t, es, victim, from)
		time.Sleep(10 * time.Second)
		r.l.halt()
		wait(t, done)
		r.check(t, "Elasticsearch node stopped 60s", r.lag.finish())
	})
	t.Run("rolling restart", func(t *testing.T) {
		r := startOnESClusterBalanced(t, es, names, 10)
		done := background(r.l, r.p.IngestURL, esLoadMax, 40)
		time.Sleep(5 * time.Second)
		for i := range names {
			from := time.Now()
			es.StopNode(t, i)
			r.restartedNode(t, es, i, from)
		}
		r.lag.restarted(r.l, toStored)
		time.Sleep(10 * time.Second)
		r.l.halt()
		wait(t, done)
		r.check(t, "Elasticsearch rolling restart", r.lag.finish())
	})
}

// startOnESClusterBalanced is startOnESCluster with a load of groups groups
// sampled through a balancer over the nodes (the checks' view of the
// cluster, whichever node is down).
func startOnESClusterBalanced(t *testing.T, es *testenv.PrivateNode, names []string, groups int) *haRun {
	t.Helper()
	p := startOnESCluster(t, es)
	p.ESURL = harness.NewBalancer(t, "/_cluster/health?timeout=1s", names, es.URLs).URL
	l := newLoad(t, groups)
	return &haRun{p: p, l: l, lag: sampleLag(t, p, l)}
}

// restartedNode starts node i again and waits until every shard is started
// with its replica, recording how long that took since from.
func (r *haRun) restartedNode(t *testing.T, es *testenv.PrivateNode, i int, from time.Time) {
	t.Helper()
	es.StartNode(t, i)
	waitGreen(t, r.p.ESURL)
	r.figures = append(r.figures, fmt.Sprintf("node-%d back, every shard started with its replica %s after its stop", i+1, time.Since(from).Round(100*time.Millisecond)))
}
