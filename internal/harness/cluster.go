package harness

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/testenv"
)

// Cluster is a JetStream cluster of nats-server processes routed together on
// loopback, each with a store of its own, so that a test can kill -9 a node
// and start it again on what it had written.
type Cluster struct {
	t     testing.TB
	Nodes []*Node
}

// Node is one server of a Cluster.
type Node struct {
	*Proc
	Name      string
	ClientURL string
	monitor   string
}

// NewCluster starts n routed servers and waits until each is healthy (its
// JetStream current with the meta leader); they are stopped when the test
// ends.
func NewCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	dir := t.TempDir()
	c := &Cluster{t: t}
	var routes []string
	clusterPorts := make([]int, n)
	for i := range n {
		clusterPorts[i] = FreePort(t)
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", clusterPorts[i]))
	}
	for i := range n {
		name := fmt.Sprintf("nats-%d", i+1)
		port, monitor := FreePort(t), FreePort(t)
		args := []string{filepath.Join(binDir, "nats-server"), "-js", "-n", name, "-a", "127.0.0.1",
			"-p", fmt.Sprint(port), "-m", fmt.Sprint(monitor), "-sd", filepath.Join(dir, name),
			"--cluster_name", "faultline", "--cluster", routes[i], "--routes", strings.Join(routes, ",")}
		node := &Node{Proc: newProc(t, dir, name, args, nil), Name: name,
			ClientURL: fmt.Sprintf("nats://127.0.0.1:%d", port), monitor: fmt.Sprintf("http://127.0.0.1:%d", monitor)}
		t.Cleanup(node.Stop)
		c.Nodes = append(c.Nodes, node)
	}
	for _, node := range c.Nodes {
		node.Start()
	}
	for _, node := range c.Nodes {
		c.WaitHealthy(node)
	}
	return c
}

// URL is every node's client URL, comma separated: the seed list a
// service is given.
func (c *Cluster) URL() string {
	urls := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		urls[i] = n.ClientURL
	}
	return strings.Join(urls, ",")
}

// Node is the node named name.
func (c *Cluster) Node(name string) *Node {
	c.t.Helper()
	for _, n := range c.Nodes {
		if n.Name == name {
			return n
		}
	}
	c.t.Fatalf("no NATS node %q", name)
	return nil
}

// WaitHealthy waits until the node answers its /healthz: JetStream up and
// current with the cluster.
func (c *Cluster) WaitHealthy(n *Node) {
	c.t.Helper()
	testenv.Eventually(c.t, n.Name+" healthy", 60*time.Second, func() bool { return testenv.HTTPOK(n.monitor + "/healthz") })
}

// jsz is the part of a server's /jsz this harness reads.
type jsz struct {
	Meta struct {
		Leader string `json:"leader"`
	} `json:"meta_cluster"`
	Accounts []struct {
		Streams []struct {
			Name    string `json:"name"`
			Cluster struct {
				Leader   string `json:"leader"`
				Replicas []struct {
					Name    string `json:"name"`
					Current bool   `json:"current"`
				} `json:"replicas"`
			} `json:"cluster"`
		} `json:"stream_detail"`
	} `json:"account_details"`
}

func (n *Node) jsz() (jsz, error) {
	var out jsz
	if !n.Running() {
		return out, fmt.Errorf("%s is down", n.Name)
	}
	c := http.Client{Timeout: 2 * time.Second}
	res, err := c.Get(n.monitor + "/jsz?accounts=true&streams=true")
	if err != nil {
		return out, err
	}
	defer res.Body.Close()
	return out, json.NewDecoder(res.Body).Decode(&out)
}

// MetaLeader is the node that says it leads the JetStream meta group (the
// one that creates streams and places them), or "" while none does.
func (c *Cluster) MetaLeader() string {
	for _, n := range c.Nodes {
		if j, err := n.jsz(); err == nil && j.Meta.Leader == n.Name {
			return n.Name
		}
	}
	return ""
}

// StreamLeader is the node that says it leads stream (a KV bucket is the
// stream KV_<bucket>), or "" while none does.
func (c *Cluster) StreamLeader(stream string) string {
	for _, n := range c.Nodes {
		j, err := n.jsz()
		if err != nil {
			continue
		}
		for _, a := range j.Accounts {
			for _, s := range a.Streams {
				if s.Name == stream && s.Cluster.Leader == n.Name {
					return n.Name
				}
			}
		}
	}
	return ""
}

// WaitLeader waits until a node other than old leads what leader reports
// (MetaLeader, or StreamLeader of a stream), and returns it and how long it
// took since since.
func (c *Cluster) WaitLeader(leader func() string, old string, since time.Time) (string, time.Duration) {
	c.t.Helper()
	var now string
	testenv.Eventually(c.t, "a new leader", 60*time.Second, func() bool {
		now = leader()
		return now != "" && now != old
	})
	return now, time.Since(since)
}

// WaitCurrent waits until every replica of stream, as its leader sees them,
// is current: a node started again has caught up.
func (c *Cluster) WaitCurrent(stream string) {
	c.t.Helper()
	testenv.Eventually(c.t, stream+" replicas current", 2*time.Minute, func() bool {
		leader := c.StreamLeader(stream)
		if leader == "" {
			return false
		}
		j, err := c.Node(leader).jsz()
		if err != nil {
			return false
		}
		for _, a := range j.Accounts {
			for _, s := range a.Streams {
				if s.Name != stream {
					continue
				}
				if len(s.Cluster.Replicas) != len(c.Nodes)-1 {
					return false
				}
				for _, r := range s.Cluster.Replicas {
					if !r.Current {
						return false
					}
				}
				return true
			}
		}
		return false
	})
}
