package redact

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		secrets        []string // must not survive
	}{
		{"basic auth", "http://elastic:s3cretpw@127.0.0.1:9200", "http://elastic:xxxxx@127.0.0.1:9200", []string{"s3cretpw"}},
		{"at sign in password", "https://user:p@ss@w0rd@es.internal:9200/_bulk", "https://user:xxxxx@es.internal:9200/_bulk", []string{"p@ss", "w0rd"}},
		{"slash in password", "nats://u:pa/ss@nats:4222", "nats://u:xxxxx@nats:4222", []string{"pa/ss"}},
		{"percent-encoded password", "https://user:p%40ss%2Fw0rd@es:9200/", "https://user:xxxxx@es:9200/", []string{"p%40ss%2Fw0rd"}},
		{"lone token as user", "https://0123456789abcdef0123@o1.ingest.sentry.io/42", "https://xxxxx@o1.ingest.sentry.io/42", []string{"0123456789abcdef0123"}},
		{"nats token", "nats://s3cr3t-t0ken@127.0.0.1:4222", "nats://xxxxx@127.0.0.1:4222", []string{"s3cr3t-t0ken"}},
		{"ipv6 host", "http://admin:hunter22@[::1]:9200/x", "http://admin:xxxxx@[::1]:9200/x", []string{"hunter22"}},
		{"ipv6 zone", "http://a:hunter22@[fe80::1%25eth0]:9200", "http://a:xxxxx@[fe80::1%25eth0]:9200", []string{"hunter22"}},
		{"discord", "https://discord.com/api/webhooks/1234567890/AbC-dEf_ghi", "https://discord.com/api/webhooks/1234567890/xxxxx", []string{"AbC-dEf_ghi"}},
		{"discord versioned, upper case host", "https://DISCORD.COM/api/v10/webhooks/1/tok3n?wait=true", "https://DISCORD.COM/api/v10/webhooks/1/xxxxx?wait=true", []string{"tok3n"}},
		{"discord percent-encoded segment", "https://discord.com/api/%77ebhooks/1/tok3nval", "https://discord.com/api/%77ebhooks/1/xxxxx", []string{"tok3nval"}},
		{"slack", "https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX", "https://hooks.slack.com/services/T000/B000/xxxxx", []string{"XXXXsecretXXXX"}},
		{"slack workflow", "https://hooks.slack.com/workflows/T1/A2/333/s3cretw", "https://hooks.slack.com/workflows/T1/A2/xxxxx/xxxxx", []string{"s3cretw"}},
		{"mattermost", "https://mm.example.com/hooks/abcdefkey", "https://mm.example.com/hooks/xxxxx", []string{"abcdefkey"}},
		{"query params", "https://x.example/p?token=t0k&api_key=k3y&sentry_key=sk1&password=pw1&sig=s1g&page=2", "https://x.example/p?token=xxxxx&api_key=xxxxx&sentry_key=xxxxx&password=xxxxx&sig=xxxxx&page=2", []string{"t0k", "k3y", "sk1", "pw1", "s1g"}},
		{"encoded param name", "https://x.example/?%74oken=abcd&X-Amz-Signature=ffff", "https://x.example/?%74oken=xxxxx&X-Amz-Signature=xxxxx", []string{"abcd", "ffff"}},
		{"fragment", "https://app.example/cb#access_token=frag123&state=1", "https://app.example/cb#access_token=xxxxx&state=1", []string{"frag123"}},
		{"two URLs in an error", `Post "https://discord.com/api/webhooks/9/t1t1": dial tcp: lookup; fallback http://u:pw22@h:1 failed`,
			`Post "https://discord.com/api/webhooks/9/xxxxx": dial tcp: lookup; fallback http://u:xxxxx@h:1 failed`, []string{"t1t1", "pw22"}},
		{"unparseable URL", "parse \"http://u:pw%zz@[::1:9200/\": invalid URL escape", "parse \"http://u:xxxxx@[::1:9200/\": invalid URL escape", []string{"pw%zz"}},
		{"no URL", "connection refused", "connection refused", nil},
		{"nothing secret", "http://127.0.0.1:9200/_cluster/health?timeout=5s", "http://127.0.0.1:9200/_cluster/health?timeout=5s", nil},
		{"JSON log line", `{"level":"info","es":["http://e:pw99@h:9200"],"error":"Get \"http://e:pw99@h:9200/\": EOF"}`,
			`{"level":"info","es":["http://e:xxxxx@h:9200"],"error":"Get \"http://e:xxxxx@h:9200/\": EOF"}`, []string{"pw99"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := String(tc.in)
			if got != tc.want {
				t.Errorf("String(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
			for _, s := range tc.secrets {
				if strings.Contains(got, s) {
					t.Errorf("secret %q survived in %q", s, got)
				}
			}
		})
	}
}

func TestRegisteredSecrets(t *testing.T) {
	var g registry
	g.register("pa\"ss\\w<rd>", "abc", "xxxxxx", "tok-en&=/")
	for _, tc := range []struct{ in, want string }{
		{`password pa"ss\w<rd> in text`, `password xxxxx in text`},
		{`{"msg":"pa\"ss\\w<rd>"}`, `{"msg":"xxxxx"}`},           // zerolog's JSON escaping
		{`{"msg":"pa\"ss\\w\u003crd\u003e"}`, `{"msg":"xxxxx"}`}, // encoding/json's
		{`"pa\"ss\\w<rd>"`, `"xxxxx"`},                           // %q
		{"q=tok-en%26%3D%2F", "q=xxxxx"},                         // query escaped
		{"abc stays: too short", "abc stays: too short"},
		{"xxxxxx is the mask's own letter", "xxxxxx is the mask's own letter"},
	} {
		if got := g.scrub(tc.in); got != tc.want {
			t.Errorf("scrub(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Overlapping occurrences are masked as one run; a secret that ends in
	// the mask's letter cannot rebuild itself from the mask.
	var h registry
	h.register("abab", "xxxa")
	for in, want := range map[string]string{"ababab!": "\x00!", "xxxaa": "\x00a", "zxxxaxxxa": "z\x00"} {
		if got := h.scrubWith(in, "\x00"); got != want {
			t.Errorf("scrub(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRegisterURL(t *testing.T) {
	var g registry
	g.registerURL("https://user:p%40ssword1@es:9200/?api_key=apikey123")
	g.registerURL("https://discord.com/api/webhooks/1/discordtok")
	got := g.scrub("nats said p@ssword1; p%40ssword1; key apikey123; token discordtok; user stays")
	if got != "nats said xxxxx; xxxxx; key xxxxx; token xxxxx; user stays" {
		t.Errorf("got %q", got)
	}
}

func TestError(t *testing.T) {
	if Error(nil) != nil {
		t.Fatal("nil error became non-nil")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "https://discord.com/api/webhooks/1/secrettok", nil)
	_, err := http.DefaultClient.Do(req)
	red := Error(fmt.Errorf("discord: post: %w", err))
	if strings.Contains(red.Error(), "secrettok") || !strings.Contains(red.Error(), "webhooks/1/xxxxx") {
		t.Errorf("Error() = %q", red)
	}
	if !errors.Is(red, context.Canceled) {
		t.Error("errors.Is lost the chain")
	}
	var ue *url.Error
	if !errors.As(red, &ue) {
		t.Error("errors.As lost the *url.Error")
	}
	plain := errors.New("plain")
	if Error(plain) != plain {
		t.Error("an error with nothing to redact should be returned as is")
	}
}

func TestWriter(t *testing.T) {
	var buf bytes.Buffer
	w := Writer(&buf)
	in := []byte(`{"nats":"nats://u:natspw1@h:4222"}` + "\n")
	n, err := w.Write(in)
	if err != nil || n != len(in) {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if buf.String() != `{"nats":"nats://u:xxxxx@h:4222"}`+"\n" {
		t.Errorf("wrote %q", buf.String())
	}
}

func FuzzString(f *testing.F) {
	for _, s := range []string{
		"http://u:p@ss@h/", "https://discord.com/api/webhooks/1/t", "nats://tok@h:4222", "http://[::1", "%zz://",
		"https://hooks.slack.com/services/T/B/s", "?token=&token==", "a://@@@/?#&;=", "://", "x://x:@",
	} {
		f.Add(s, "s3cret")
	}
	f.Fuzz(func(t *testing.T, text, secret string) {
		_ = String(text) // never panics
		var g registry
		g.register(secret)
		if len(secret) >= MinSecretLen && strings.Trim(secret, "x") != "" && !strings.Contains(secret, "\x00") {
			// A mask no secret contains shows what is left of the text.
			got := g.scrubWith(text+secret+text, "\x00")
			if strings.Contains(got, secret) {
				t.Fatalf("registered secret %q survived: %q", secret, got)
			}
			_ = g.scrub(text)
		}
		// A password in a URL never survives, however it is spelled.
		u := &url.URL{Scheme: "https", User: url.UserPassword("u", secret), Host: "h:1", Path: "/p"}
		ep, _ := u.User.Password()
		ep = strings.TrimPrefix(url.UserPassword("", ep).String(), ":")
		out := String(`err: Get "` + u.String() + `": boom`)
		if len(ep) >= 3 && !strings.Contains(`err: Get "https://u:xxxxx@h:1/p": boom`, ep) && strings.Contains(out, ep) {
			t.Fatalf("URL password %q survived: %q", ep, out)
		}
	})
}

func TestDropURL(t *testing.T) {
	_, err := http.Post("http://127.0.0.1:1/api/webhooks/1/droptok", "application/json", nil)
	got := DropURL(fmt.Errorf("slack: %w", err))
	if strings.Contains(got.Error(), "droptok") || strings.Contains(got.Error(), "webhooks") || !strings.HasPrefix(got.Error(), "Post: ") {
		t.Errorf("DropURL = %q", got)
	}
	var ue *url.Error
	if !errors.As(got, &ue) {
		t.Error("errors.As lost the *url.Error")
	}
	if DropURL(nil) != nil {
		t.Error("nil became non-nil")
	}
}
