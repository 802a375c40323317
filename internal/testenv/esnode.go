package testenv

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
)

// PrivateNode is an Elasticsearch node of the test's own, started by
// deployments/elasticsearch/start.sh on free ports with its data in a
// directory of its own, so a test can wipe it: the shared node on 9200 is
// never touched.
type PrivateNode struct {
	// URL is the node's; State holds its data, logs and snapshots/, its
	// path.repo.
	URL, State string
	port       int
}

// StartPrivateElasticsearch starts a PrivateNode (about a minute), stopped
// and its directory deleted when the test ends. Without the
// distribution start.sh builds, the test is skipped, except under CI=true.
func StartPrivateElasticsearch(t testing.TB) *PrivateNode {
	t.Helper()
	state, err := os.MkdirTemp("", "faultline-es-")
	if err != nil {
		t.Fatal(err)
	}
	n := &PrivateNode{State: state, port: freePortPair(t)}
	n.URL = "http://127.0.0.1:" + strconv.Itoa(n.port)
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

func (n *PrivateNode) script(name string) ([]byte, error) {
	_, file, _, _ := runtime.Caller(0)
	cmd := exec.Command("bash", filepath.Join(filepath.Dir(file), "..", "..", "deployments", "elasticsearch", name))
	cmd.Env = append(os.Environ(), "ES_PORT="+strconv.Itoa(n.port), "ES_STATE_DIR="+n.State, "ES_JAVA_OPTS=-Xms512m -Xmx512m")
	return cmd.CombinedOutput()
}

// freePortPair finds a port p with p+100 free too (start.sh puts the
// transport port there).
func freePortPair(t testing.TB) int {
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if p+100 > 65535 {
			continue
		}
		if l2, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p+100)); err == nil {
			l2.Close()
			return p
		}
	}
	t.Fatal("no free port pair")
	return 0
}
