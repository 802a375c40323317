package config

import (
	"strings"
	"testing"
)

// Channel URLs carry their token: over a network only https may carry them.
func TestChannelURLMustBeHTTPS(t *testing.T) {
	cases := []struct {
		url  string
		want string // "" = accepted
	}{
		{"https://discord.com/api/webhooks/1/secret-tok", ""},
		{"https://key@o1.ingest.sentry.io/1", ""},
		{"http://127.0.0.1:8123/api/webhooks/1/secret-tok", ""},
		{"http://127.5.6.7/secret-tok", ""},
		{"http://localhost:9000/secret-tok", ""},
		{"http://[::1]:9000/secret-tok", ""},
		{"http://discord.com/api/webhooks/1/secret-tok", "channels[0] (oncall): url must use https: http is accepted only for a loopback host"},
		{"http://10.1.2.3/secret-tok", "channels[0] (oncall): url must use https"},
		{"http://localhost.evil.example/secret-tok", "channels[0] (oncall): url must use https"},
		{"http://127.0.0.1.nip.io/secret-tok", "channels[0] (oncall): url must use https"},
		{"ftp://files.example/secret-tok", "channels[0] (oncall): url must use https"},
		{"discord.com/api/webhooks/1/secret-tok", "channels[0] (oncall): url has no scheme: add https:// in front"},
		{"https:///api/webhooks/1/secret-tok", "channels[0] (oncall): url has no host"},
		{"https://discord.com/%zz/secret-tok", "channels[0] (oncall): url is not a valid URL"},
	}
	for _, tc := range cases {
		t.Setenv("HOOK", tc.url)
		_, err := Parse([]byte(`channels: [{name: oncall, type: discord, url: "${HOOK}"}]`))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s refused: %v", tc.url, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: got %v, want an error containing %q", tc.url, err, tc.want)
		case err != nil && strings.Contains(err.Error(), "secret-tok"):
			t.Errorf("%s: the error quotes the URL's token: %v", tc.url, err)
		}
	}
}
