// Package deployments holds the deployment files; its tests check them
// against what the binary really reads, since no Docker engine runs here.
package deployments

import (
	"flag"
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/faultline/faultline/internal/config"
)

type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Build       any               `yaml:"build"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		Healthcheck *struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
		Restart string `yaml:"restart"`
	} `yaml:"services"`
}

func TestComposeFile(t *testing.T) {
	raw, err := os.ReadFile("../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	config.Flags(fs)
	known := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) { known[config.EnvName(f.Name)] = true })

	for _, name := range []string{"nats", "elasticsearch", "kibana", "ingest", "processor", "notifier"} {
		svc, ok := c.Services[name]
		if !ok {
			t.Errorf("service %s missing", name)
			continue
		}
		if svc.Healthcheck == nil || len(svc.Healthcheck.Test) == 0 {
			t.Errorf("service %s has no health check", name)
		}
		if svc.Restart == "" {
			t.Errorf("service %s has no restart policy", name)
		}
	}
	for _, name := range []string{"ingest", "processor", "notifier"} {
		svc := c.Services[name]
		if len(svc.Command) != 1 || svc.Command[0] != name {
			t.Errorf("%s runs %v, want the %s subcommand", name, svc.Command, name)
		}
		for _, must := range []string{"FAULTLINE_NATS_URL", "FAULTLINE_ES_URL", "FAULTLINE_HTTP_ADDR"} {
			if svc.Environment[must] == "" {
				t.Errorf("%s does not set %s", name, must)
			}
		}
		for env := range svc.Environment {
			if strings.HasPrefix(env, "FAULTLINE_") && !known[env] {
				t.Errorf("%s sets %s, which the binary does not read", name, env)
			}
		}
	}
}

// The HA layout: two replicas of each service behind a load balancer, a
// three-node NATS cluster, three stream replicas.
func TestComposeHA(t *testing.T) {
	raw, err := os.ReadFile("../docker-compose.ha.yml")
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Services map[string]struct {
			Deploy struct {
				Replicas int `yaml:"replicas"`
			} `yaml:"deploy"`
			Environment map[string]string `yaml:"environment"`
			Healthcheck *struct {
				Test []string `yaml:"test"`
			} `yaml:"healthcheck"`
			Command   []string       `yaml:"command"`
			DependsOn map[string]any `yaml:"depends_on"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatalf("docker-compose.ha.yml: %v", err)
	}
	for _, name := range []string{"ingest", "processor", "notifier"} {
		s := c.Services[name]
		if s.Deploy.Replicas < 2 {
			t.Errorf("%s: %d replicas, want at least 2", name, s.Deploy.Replicas)
		}
		if s.Environment["FAULTLINE_STREAM_REPLICAS"] != "3" || !strings.Contains(s.Environment["FAULTLINE_NATS_URL"], "nats-3") {
			t.Errorf("%s: environment %v does not use the 3-node cluster", name, s.Environment)
		}
		if _, ok := s.DependsOn["nats"]; ok {
			t.Errorf("%s still depends on the single NATS server", name)
		}
	}
	for _, name := range []string{"nats-1", "nats-2", "nats-3", "ingest-lb"} {
		if s, ok := c.Services[name]; !ok || s.Healthcheck == nil {
			t.Errorf("%s: missing or without a health check", name)
		}
	}
	if _, err := os.Stat("compose/nginx-ingest.conf"); err != nil {
		t.Errorf("the load balancer's configuration: %v", err)
	}
}
