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
