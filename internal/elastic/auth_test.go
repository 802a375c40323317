package elastic

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/faultline/faultline/internal/testenv"
)

// esFront stands in for an Elasticsearch node's front door (the local node
// runs with security off): it records the Authorization header of each
// request and answers the health API as Elasticsearch does.
type esFront struct {
	*httptest.Server
	mu   sync.Mutex
	auth []string
}

func newESFront(t *testing.T, pki *testenv.PKI) *esFront {
	t.Helper()
	f := &esFront{}
	f.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.auth = append(f.auth, r.Header.Get("Authorization"))
		f.mu.Unlock()
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"cluster_name":"front","status":"green"}`))
	}))
	if pki != nil {
		cert, err := tls.LoadX509KeyPair(pki.ServerCert, pki.ServerKey)
		if err != nil {
			t.Fatal(err)
		}
		// Elasticsearch sends its CA with its certificate, which is what
		// lets a client pin the CA's fingerprint.
		cert.Certificate = append(cert.Certificate, pki.CA.Raw)
		f.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
		f.StartTLS()
	} else {
		f.Start()
	}
	t.Cleanup(f.Close)
	return f
}

func (f *esFront) lastAuth() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.auth) == 0 {
		return "<no request>"
	}
	return f.auth[len(f.auth)-1]
}

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func TestClientAuthAndTrust(t *testing.T) {
	pki := testenv.NewPKI(t)
	tlsFront := newESFront(t, pki)
	plain := newESFront(t, nil)
	der, err := tls.LoadX509KeyPair(pki.ServerCert, pki.ServerKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf := sha256.Sum256(der.Certificate[0])
	ca := sha256.Sum256(pki.CA.Raw)
	caColons := strings.ToUpper(hex.EncodeToString(ca[:]))
	for i := len(caColons) - 2; i > 0; i -= 2 {
		caColons = caColons[:i] + ":" + caColons[i:]
	}
	userInURL := strings.Replace(plain.URL, "://", "://elastic:url-pa%40ss@", 1)
	for _, tc := range []struct {
		name     string
		url      string
		auth     Auth
		wantAuth string // the Authorization header expected; "fail" = the request must fail
	}{
		{"no auth", plain.URL, Auth{}, ""},
		{"basic auth", plain.URL, Auth{Username: "elastic", Password: "flag-pass"}, basic("elastic", "flag-pass")},
		{"api key wins over basic", plain.URL, Auth{APIKey: "aWQ6a2V5", Username: "u", Password: "p"}, "APIKey aWQ6a2V5"},
		{"credentials in the URL", userInURL, Auth{}, basic("elastic", "url-pa@ss")},
		{"flags win over the URL", userInURL, Auth{Username: "flag", Password: "flag-pass"}, basic("flag", "flag-pass")},
		{"CA file", tlsFront.URL, Auth{CAFile: pki.CAFile, APIKey: "k"}, "APIKey k"},
		{"CA fingerprint with colons", tlsFront.URL, Auth{CAFingerprint: caColons, APIKey: "k"}, "APIKey k"},
		{"server certificate fingerprint", tlsFront.URL, Auth{CAFingerprint: hex.EncodeToString(leaf[:])}, ""},
		{"untrusted: no CA given", tlsFront.URL, Auth{}, "fail"},
		{"untrusted: wrong fingerprint", tlsFront.URL, Auth{CAFingerprint: strings.Repeat("ab", 32)}, "fail"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			es, err := NewClient([]string{tc.url}, WithAuth(tc.auth))
			if err != nil {
				t.Fatal(err)
			}
			err = Ping(context.Background(), es)
			if tc.wantAuth == "fail" {
				if err == nil {
					t.Fatal("an untrusted server was accepted")
				}
				return
			}
			if err != nil {
				t.Fatalf("ping: %v", err)
			}
			front := plain
			if strings.HasPrefix(tc.url, "https") {
				front = tlsFront
			}
			if got := front.lastAuth(); got != tc.wantAuth {
				t.Errorf("Authorization %q, want %q", got, tc.wantAuth)
			}
		})
	}
}

func TestClientKeepsURLCredentialsOutOfErrors(t *testing.T) {
	es, err := NewClient([]string{"http://elastic:url-s3cret@127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	err = Ping(context.Background(), es)
	if err == nil || strings.Contains(err.Error(), "url-s3cret") {
		t.Errorf("ping of an unreachable node: %v", err)
	}
	_, err = NewClient([]string{"http://elastic:bad-s3cret@[::1"})
	if err == nil || strings.Contains(err.Error(), "bad-s3cret") {
		t.Errorf("unparseable URL: %v", err)
	}
}

func TestClientRefusesBadTrustSettings(t *testing.T) {
	pki := testenv.NewPKI(t)
	for name, a := range map[string]Auth{
		"fingerprint not hex":     {CAFingerprint: "not-a-fingerprint"},
		"fingerprint too short":   {CAFingerprint: "abcd"},
		"CA file missing":         {CAFile: pki.Dir + "/missing.pem"},
		"CA file not PEM":         {CAFile: pki.ServerKey},
		"CA file and fingerprint": {CAFile: pki.CAFile, CAFingerprint: strings.Repeat("ab", 32)},
	} {
		if _, err := NewClient([]string{"https://127.0.0.1:9200"}, WithAuth(a)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
