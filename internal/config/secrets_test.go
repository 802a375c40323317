package config

import (
	"bytes"
	"flag"
	"slices"
	"strings"
	"testing"
)

func TestSecretFlagsReadTheEnvironmentButHideIt(t *testing.T) {
	env := map[string]string{
		"FAULTLINE_ES_API_KEY": "env-api-key-1", "FAULTLINE_ES_PASSWORD": "env-es-pass-2",
		"FAULTLINE_NATS_PASSWORD": "env-nats-pass-3", "FAULTLINE_NATS_TOKEN": "env-nats-token-4",
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	var help bytes.Buffer
	fs.SetOutput(&help)
	c, finish := Flags(fs)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if err := finish(); err != nil {
		t.Fatal(err)
	}
	fs.PrintDefaults()
	secrets := c.Secrets()
	for _, v := range env {
		if strings.Contains(help.String(), v) {
			t.Errorf("help shows %q", v)
		}
		if !slices.Contains(secrets, v) {
			t.Errorf("%q was not read from the environment, or Secrets misses it: %q", v, secrets)
		}
	}
}
