package testenv

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// PrivateNode is an Elasticsearch node of the test's own, started by
// deployments/elasticsearch/start.sh on free ports with its data in a
// directory of its own, so a test can wipe it: the shared node on 9200 is
// never touched. StartPrivateElasticsearchCluster makes it a cluster of
// several nodes, each its own JVM.
type PrivateNode struct {
	// URL is the node's (a cluster's first node's); State holds its data,
	// logs and snapshots/, its path.repo.
	URL, State string
	// URLs are every node's, in start.sh's order (node-1 first).
	URLs  []string
	port  int
	nodes int
}

// StartPrivateElasticsearch starts a PrivateNode (about a minute), stopped
// and its directory deleted when the test ends. Without the
// distribution start.sh builds, the test is skipped, except under CI=true.
func StartPrivateElasticsearch(t testing.TB) *PrivateNode {
	t.Helper()
	return startPrivate(t, 1)
}

// StartPrivateElasticsearchCluster starts n nodes of one cluster (each its
// own JVM, 512 MB heap, its own data directory and ports), like
// StartPrivateElasticsearch.
func StartPrivateElasticsearchCluster(t testing.TB, n int) *PrivateNode {
	t.Helper()
	return startPrivate(t, n)
}

func startPrivate(t testing.TB, nodes int) *PrivateNode {
	t.Helper()
	state, err := os.MkdirTemp("", "faultline-es-")
	if err != nil {
		t.Fatal(err)
	}
	n := &PrivateNode{State: state, port: freePorts(t, nodes), nodes: nodes}
	for i := range nodes {
		n.URLs = append(n.URLs, "http://127.0.0.1:"+strconv.Itoa(n.port+i))
	}
	n.URL = n.URLs[0]
	t.Cleanup(func() {
		n.script("stop.sh")
		os.RemoveAll(state)
	})
	if out, err := n.script("start.sh"); err != nil {
		msg := "private Elasticsearch node did not start: " + string(out)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return n
}

// Kill is kill -9 of node i (0-based) of a cluster: no shutdown, no flush.
func (n *PrivateNode) Kill(t testing.TB, i int) {
	t.Helper()
	pidfile := filepath.Join(n.State, fmt.Sprintf("node-%d", i+1), "elasticsearch.pid")
	b, err := os.ReadFile(pidfile)
	if err != nil {
		t.Fatalf("kill node-%d: %v", i+1, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("kill node-%d: pid file %s: %v", i+1, pidfile, err)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill node-%d (pid %d): %v", i+1, pid, err)
	}
	for answers(n.URLs[i]) {
		time.Sleep(100 * time.Millisecond)
	}
	os.Remove(pidfile)
}

// StopNode stops node i (0-based) of a cluster gracefully (SIGTERM, as an
// orchestrator does) and waits until it no longer answers.
func (n *PrivateNode) StopNode(t testing.TB, i int) {
	t.Helper()
	if out, err := n.script("stop.sh", "ES_NODE="+strconv.Itoa(i+1)); err != nil {
		t.Fatalf("stop node-%d: %v: %s", i+1, err, out)
	}
	for answers(n.URLs[i]) {
		time.Sleep(100 * time.Millisecond)
	}
}

// StartNode starts node i (0-based) of a cluster again on its data and
// waits until the cluster has every node.
func (n *PrivateNode) StartNode(t testing.TB, i int) {
	t.Helper()
	if out, err := n.script("start.sh", "ES_NODE="+strconv.Itoa(i+1)); err != nil {
		t.Fatalf("start node-%d: %v: %s", i+1, err, out)
	}
}

// Wipe stops the node, deletes its data (not its snapshot repository, which
// stands for storage elsewhere) and starts it empty.
func (n *PrivateNode) Wipe(t testing.TB) {
	t.Helper()
	if out, err := n.script("stop.sh"); err != nil {
		t.Fatalf("stop: %v: %s", err, out)
	}
	if err := os.RemoveAll(filepath.Join(n.State, "data")); err != nil {
		t.Fatal(err)
	}
	if answers(n.URL) {
		t.Fatal("the node still answers after its stop")
	}
	if out, err := n.script("start.sh"); err != nil {
		t.Fatalf("start: %v: %s", err, out)
	}
}

func (n *PrivateNode) script(name string, env ...string) ([]byte, error) {
	_, file, _, _ := runtime.Caller(0)
	cmd := exec.Command("bash", filepath.Join(filepath.Dir(file), "..", "..", "deployments", "elasticsearch", name))
	cmd.Env = append(append(os.Environ(), "ES_PORT="+strconv.Itoa(n.port), "ES_STATE_DIR="+n.State, "ES_NODES="+strconv.Itoa(n.nodes),
		"ES_JAVA_OPTS=-Xms512m -Xmx512m"), env...)
	return cmd.CombinedOutput()
}

// freePorts finds a port p with p..p+n-1 and p+100..p+100+n-1 free too
// (start.sh puts node i's HTTP port at p+i and its transport port at
// p+100+i).
func freePorts(t testing.TB, n int) int {
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if p+100+n > 65535 {
			continue
		}
		free := true
		for i := range n {
			for _, q := range []int{p + i, p + 100 + i} {
				if q == p {
					continue
				}
				l2, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(q))
				if err != nil {
					free = false
					continue
				}
				l2.Close()
			}
		}
		if free {
			return p
		}
	}
	t.Fatal("no free ports")
	return 0
}
