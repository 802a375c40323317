//go:build ha

package chaos

import (
	"fmt"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/harness"
)

// TestHATwoReplicasOfEachRole runs two replicas of ingest (behind the
// harness's load balancer), of the processor and of the notifier on the
// 3-node JetStream cluster, kills -9 one replica of each role under load,
// starts them again, then kills the other one of each. The client retries
// what is not answered 202; ingest may refuse only from a kill until the
// balancer took the replica out. The RTO runs from the second kill until
// every event accepted before it is stored (a batch the killed processor
// held comes back to the other one after its AckWait).
func TestHATwoReplicasOfEachRole(t *testing.T) {
	c := harness.NewCluster(t, 3)
	p := harness.Start(t, harness.Options{Ingests: 2, Processors: 2, Notifiers: 2, Cluster: c})
	l := newLoad(t, 40)
	r := &haRun{c: c, p: p, l: l, lag: sampleLag(t, p, l), outageEnd: "the balancer took the replica out"}
	c.WaitCurrent(broker.EventsStream)
	c.WaitCurrent(kvStream)
	done := background(l, p.IngestURL, 5000, 100)
	time.Sleep(5 * time.Second)
	for i := range 2 {
		if i == 1 {
			r.lag.restarted(l, toStored)
		}
		r.killReplicas(t, i)
		time.Sleep(10 * time.Second)
		r.startReplicas(t, i)
		time.Sleep(5 * time.Second)
	}
	wait(t, done)
	served := fmt.Sprintf("requests sent to ingest-0 %d, to ingest-1 %d", p.Balancer.Served("ingest-0"), p.Balancer.Served("ingest-1"))
	if p.Balancer.Served("ingest-0") == 0 || p.Balancer.Served("ingest-1") == 0 {
		t.Errorf("the balancer did not spread the load: %s", served)
	}
	r.figures = append(r.figures, served)
	r.check(t, "kill -9 one replica of each role, then the other", r.lag.finish())
}

// killReplicas kills -9 replica i of ingest, processor and notifier at once
// and waits until the balancer no longer sends to that ingest.
func (r *haRun) killReplicas(t *testing.T, i int) {
	t.Helper()
	name, from := r.replicas(i, (*harness.Proc).Kill)
	eventually(t, name+" out of rotation", 30*time.Second, func() bool { return !r.p.Balancer.Healthy(name) })
	out := r.p.Balancer.TakenOut(name, from)
	r.outages = append(r.outages, [2]time.Time{from, out})
	r.figures = append(r.figures, fmt.Sprintf("replica %d of each role killed: %s out of rotation after %s", i, name, out.Sub(from).Round(10*time.Millisecond)))
}

// startReplicas starts replica i of each role again and waits until the
// balancer sends to its ingest again.
func (r *haRun) startReplicas(t *testing.T, i int) {
	t.Helper()
	name, from := r.replicas(i, (*harness.Proc).Start)
	eventually(t, name+" back in rotation", time.Minute, func() bool { return r.p.Balancer.Healthy(name) })
	r.figures = append(r.figures, fmt.Sprintf("back in rotation %s after its start", time.Since(from).Round(10*time.Millisecond)))
}

// replicas does what to replica i of each role and returns that ingest's
// name in the balancer and when it began.
func (r *haRun) replicas(i int, what func(*harness.Proc)) (string, time.Time) {
	from := time.Now()
	for _, q := range []*harness.Proc{r.p.Ingests[i], r.p.Processors[i], r.p.Notifiers[i]} {
		what(q)
	}
	return fmt.Sprintf("ingest-%d", i), from
}
