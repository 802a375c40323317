//go:build ha

package chaos

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/harness"
	"github.com/faultline/faultline/internal/testenv"
	"github.com/faultline/faultline/notifier"
)

// The pipeline on a 3-node JetStream cluster (every stream and the
// notifier's KV at three replicas; each service given every node's URL), or
// on a 3-node Elasticsearch cluster, one node failing at a time under load.
// Besides what every chaos scenario checks, ingest may refuse a request (503)
// only while the events stream has no leader, and the time to a new leader
// is printed.

// leaderGrace is how long after an outage ends ingest may still refuse:
// after a new events leader is seen, its connection to the killed node has
// to move to another (it retries every 250 ms); after the balancer took a
// killed replica out, the client's retry has to come back.
const leaderGrace = 5 * time.Second

var kvStream = "KV_" + notifier.StateBucket

type haRun struct {
	c   *harness.Cluster
	p   *harness.Pipeline
	l   *load
	lag *lagSampler
	// outages are the spans in which ingest may refuse: from a NATS node
	// going down to the events stream having a leader on another node (at
	// once when it was not the leader), or from an ingest replica killed to
	// the load balancer taking it out of rotation.
	outages [][2]time.Time
	// outageEnd names what ends an outage, for the printed figures.
	outageEnd string
	figures   []string
}

func startHA(t *testing.T, groups int) *haRun {
	c := harness.NewCluster(t, 3)
	p := harness.Start(t, harness.Options{Processors: 1, Notifiers: 1, Cluster: c})
	l := newLoad(t, groups)
	r := &haRun{c: c, p: p, l: l, lag: sampleLag(t, p, l), outageEnd: "the new leader was seen"}
	// The services created the streams at R3: check before breaking
	// anything that they are replicated at all.
	c.WaitCurrent(broker.EventsStream)
	c.WaitCurrent(kvStream)
	return r
}

func (r *haRun) leaderOf(s string) func() string {
	return func() string { return r.c.StreamLeader(s) }
}

// down takes node down (kill -9, or a graceful stop) and waits until each
// of the streams has a leader on another node, recording how long each took.
func (r *haRun) down(t *testing.T, node *harness.Node, kill bool, streams ...string) {
	t.Helper()
	was := map[string]bool{}
	for _, s := range streams {
		was[s] = r.c.StreamLeader(s) == node.Name
	}
	from := time.Now()
	if kill {
		node.Kill()
	} else {
		node.Stop()
	}
	for _, s := range streams {
		_, took := r.c.WaitLeader(r.leaderOf(s), node.Name, from)
		if s == broker.EventsStream {
			r.outages = append(r.outages, [2]time.Time{from, from.Add(took)})
		}
		if !was[s] {
			r.figures = append(r.figures, fmt.Sprintf("%s down: %s kept its leader", node.Name, s))
			continue
		}
		r.figures = append(r.figures, fmt.Sprintf("%s down: new %s leader after %s", node.Name, s, took.Round(10*time.Millisecond)))
	}
}

// up starts node again on its store and waits until it has caught up.
func (r *haRun) up(t *testing.T, node *harness.Node) {
	t.Helper()
	node.Start()
	r.c.WaitHealthy(node)
	r.c.WaitCurrent(broker.EventsStream)
	r.c.WaitCurrent(kvStream)
}

// check verifies the events and announcements, that every request ingest
// refused (or left unanswered) came during an outage (while the events
// stream had no leader, or an ingest replica killed was still in rotation),
// and prints the scenario's figures.
func (r *haRun) check(t *testing.T, name string, f figures) {
	t.Helper()
	verify(r.p, t, r.l, "ha "+name, f)
	r.l.mu.Lock()
	refused := append([]refusal(nil), r.l.refused...)
	r.l.mu.Unlock()
	outside := 0
	last := time.Duration(math.MinInt64) // latest refusal from an outage's end
	whys := map[string]int{}
	for _, f := range refused {
		whys[f.why]++
		in := false
		for _, w := range r.outages {
			if !f.at.Before(w[0]) && !f.at.After(w[1].Add(leaderGrace)) {
				in = true
				last = max(last, f.at.Sub(w[1]))
			}
		}
		if !in {
			outside++
		}
	}
	if outside > 0 {
		t.Errorf("%d of %d refusals (%v) came outside every outage (or more than %s after %s)", outside, len(refused), whys, leaderGrace, r.outageEnd)
	}
	var kinds []string
	for why, n := range whys {
		kinds = append(kinds, fmt.Sprintf("%d× %s", n, why))
	}
	sort.Strings(kinds)
	when := ""
	switch {
	case len(refused) == 0:
	case last > 0:
		when = fmt.Sprintf(", the last %s after %s", last.Round(10*time.Millisecond), r.outageEnd)
	default:
		when = fmt.Sprintf(", the last %s before %s", (-last).Round(10*time.Millisecond), r.outageEnd)
	}
	line := fmt.Sprintf("ha %s: %s; %d requests refused [%s]%s", name, strings.Join(r.figures, ", "), len(refused), strings.Join(kinds, ", "), when)
	t.Log(line)
	fmt.Println(line)
}

func TestHAKillEventsLeader(t *testing.T) {
	killLeaderUnderLoad(t, "kill -9 events leader", broker.EventsStream, toStored, 20, 3000, 150, 5*time.Second)
}

// killLeaderUnderLoad kills -9 the node leading stream once warmup has
// passed, waits for new leaders of it and of the events stream, and starts
// the node again 10 s later.
func killLeaderUnderLoad(t *testing.T, name, stream string, what recovery, groups, events int, rate float64, warmup time.Duration) {
	r := startHA(t, groups)
	done := background(r.l, r.p.IngestURL, events, rate)
	time.Sleep(warmup)
	leader := r.c.StreamLeader(stream)
	if leader == "" {
		t.Fatalf("%s has no leader before the kill", stream)
	}
	node := r.c.Node(leader)
	r.lag.restarted(r.l, what)
	streams := []string{broker.EventsStream}
	if stream != broker.EventsStream {
		streams = []string{stream, broker.EventsStream}
	}
	r.down(t, node, true, streams...)
	time.Sleep(10 * time.Second)
	r.up(t, node)
	wait(t, done)
	r.check(t, name, r.lag.finish())
}

func TestHANodeDownFor60s(t *testing.T) {
	r := startHA(t, 10)
	done := background(r.l, r.p.IngestURL, 4000, 40)
	time.Sleep(10 * time.Second)
	// The meta leader, the one that creates and places streams and
	// consumers: another leader than the scenario above.
	leader := r.c.MetaLeader()
	if leader == "" {
		t.Fatal("no meta leader before the kill")
	}
	node := r.c.Node(leader)
	r.lag.restarted(r.l, toStored)
	from := time.Now()
	r.down(t, node, true, broker.EventsStream)
	_, took := r.c.WaitLeader(r.c.MetaLeader, node.Name, from)
	r.figures = append(r.figures, fmt.Sprintf("meta leader on another node after %s", took.Round(10*time.Millisecond)))
	time.Sleep(60*time.Second - time.Since(from))
	r.up(t, node)
	wait(t, done)
	r.check(t, "meta leader down 60s", r.lag.finish())
}

func TestHARollingRestart(t *testing.T) {
	r := startHA(t, 20)
	done := background(r.l, r.p.IngestURL, 4000, 80)
	time.Sleep(5 * time.Second)
	for _, node := range r.c.Nodes {
		r.down(t, node, false, broker.EventsStream)
		r.up(t, node)
	}
	r.lag.restarted(r.l, toStored)
	wait(t, done)
	r.check(t, "rolling restart", r.lag.finish())
}

func TestHAKillKVLeaderMidStorm(t *testing.T) {
	killLeaderUnderLoad(t, "kill -9 notifier KV leader mid-storm", kvStream, toAnnounced, 60, 3000, 300, 3*time.Second)
}

// TestHAKillElasticsearchPrimaries runs the pipeline against a 3-node
// Elasticsearch cluster of its own (one replica of the events data stream
// and of the groups index: their templates' auto_expand_replicas) and kills
// -9 the node holding the events' primary mid-load. Three nodes, not two:
// two master-eligible nodes elect no master once the one the voting
// configuration keeps is gone, and without a master no replica is promoted.
func TestHAKillElasticsearchPrimaries(t *testing.T) {
	es := testenv.StartPrivateElasticsearchCluster(t, 3)
	p := startOnESCluster(t, es)
	primary := eventsPrimary(p.ESURL)
	colocateGroupsPrimary(t, p.ESURL, primary)
	victim := slices.Index([]string{"node-1", "node-2", "node-3"}, primary)
	if victim < 0 {
		t.Fatalf("the events' primary is on %q", primary)
	}
	// The checks read through a node that stays up.
	p.ESURL = es.URLs[(victim+1)%3]

	l := newLoad(t, 20)
	r := &haRun{p: p, l: l, lag: sampleLag(t, p, l)}
	done := background(l, p.IngestURL, 3000, 150)
	time.Sleep(5 * time.Second)
	from := time.Now()
	r.lag.restarted(l, toStored)
	es.Kill(t, victim)
	eventually(t, "the replicas promoted", 2*time.Minute, func() bool {
		promoted := 0
		for _, s := range catShards(p.ESURL) {
			if s.Prirep == "p" && s.State == "STARTED" && s.Node != primary && s.Node != "" {
				promoted++
			}
		}
		return promoted == 2
	})
	r.figures = append(r.figures, fmt.Sprintf("%s killed (the primaries of the events and the groups): replicas promoted after %s",
		primary, time.Since(from).Round(10*time.Millisecond)))
	time.Sleep(10 * time.Second)
	es.StartNode(t, victim)
	wait(t, done)
	r.check(t, "kill -9 Elasticsearch primaries node", r.lag.finish())
}

// colocateGroupsPrimary puts the groups index's primary on node (where the
// events' primary is), so that one kill takes both: moved there, or, where
// node holds its replica, the primary failed so that the replica takes over.
func colocateGroupsPrimary(t *testing.T, esURL, node string) {
	t.Helper()
	var from, replica string
	for _, s := range catShards(esURL) {
		switch {
		case s.Index != "faultline-groups":
		case s.Prirep == "p":
			from = s.Node
		default:
			replica = s.Node
		}
	}
	if from == node {
		return
	}
	cmd := fmt.Sprintf(`{"commands":[{"move":{"index":"faultline-groups","shard":0,"from_node":%q,"to_node":%q}}]}`, from, node)
	if replica == node {
		cmd = fmt.Sprintf(`{"commands":[{"cancel":{"index":"faultline-groups","shard":0,"node":%q,"allow_primary":true}}]}`, from)
	}
	var out map[string]any
	esJSON(t, esURL, "/_cluster/reroute?metric=none", cmd, &out)
	if out["acknowledged"] != true {
		t.Fatalf("reroute %s: %v", cmd, out)
	}
	eventually(t, "the groups primary beside the events primary", 2*time.Minute, func() bool {
		shards := catShards(esURL)
		return len(shards) >= 4 && !slices.ContainsFunc(shards, func(s shard) bool {
			return s.State != "STARTED" || s.Index == "faultline-groups" && s.Prirep == "p" && s.Node != node
		})
	})
}

// startOnESCluster runs a pipeline on es and waits until its first events
// created the data stream and every shard of it and of the groups index is
// started with its replica.
func startOnESCluster(t *testing.T, es *testenv.PrivateNode) *harness.Pipeline {
	t.Helper()
	p := harness.Start(t, harness.Options{Processors: 1, Notifiers: 1, Elasticsearch: es})
	warm := newLoad(t, 1)
	wait(t, background(warm, p.IngestURL, 10, 100))
	eventually(t, "the first events stored", 2*time.Minute, func() bool { return storedCountQuiet(p.ESURL, warm.service) >= 10 })
	waitGreen(t, p.ESURL)
	return p
}

// waitGreen waits until every shard of the events and the groups is
// started, with its replica.
func waitGreen(t *testing.T, esURL string) {
	t.Helper()
	eventually(t, "every shard of the events and groups assigned with its replica", 3*time.Minute, func() bool {
		shards := catShards(esURL)
		return len(shards) >= 4 && !slices.ContainsFunc(shards, func(s shard) bool { return s.State != "STARTED" })
	})
}

// eventsPrimary is the node holding the events data stream's primary.
func eventsPrimary(esURL string) string {
	primary := ""
	for _, s := range catShards(esURL) {
		if s.Prirep == "p" && strings.HasPrefix(s.Index, ".ds-logs-faultline-") {
			primary = s.Node
		}
	}
	return primary
}

type shard struct {
	Index, Prirep, State, Node string
}

// catShards lists the shards of the events data stream and the groups
// index, or nothing while the node does not answer.
func catShards(esURL string) []shard {
	res, err := http.Get(esURL + "/_cat/shards/.ds-logs-faultline-*,faultline-groups?format=json&h=index,prirep,state,node")
	if err != nil {
		return nil
	}
	defer res.Body.Close()
	var out []shard
	if json.NewDecoder(res.Body).Decode(&out) != nil {
		return nil
	}
	return out
}
