package ops_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/faultline/faultline/internal/ops"
	"github.com/faultline/faultline/internal/testenv"
)

func serve(t *testing.T, c ops.ServeConfig) (addr string, logs *testenv.Buffer) {
	t.Helper()
	logs = &testenv.Buffer{}
	c.Log = zerolog.New(logs)
	c.Handler = ops.Mux(nil, nil, ops.NewRegistry())
	addrc := make(chan net.Addr, 1)
	c.Ready = func(a net.Addr) { addrc <- a }
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- ops.Serve(ctx, c) }()
	t.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	select {
	case a := <-addrc:
		return a.String(), logs
	case err := <-errc:
		t.Fatalf("serve: %v", err)
	}
	return "", nil
}

// peerSerial makes a new TLS connection and returns the server
// certificate's serial number.
func peerSerial(t *testing.T, addr string, pool *x509.CertPool) string {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: "localhost"})
	if err != nil {
		t.Fatalf("tls dial: %v", err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber.String()
}

func serialOf(t *testing.T, certFile string) string {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(certFile, strings.TrimSuffix(certFile, ".pem")+"-key.pem")
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	return c.SerialNumber.String()
}

func TestServeHTTPSReloadsCertificate(t *testing.T) {
	pki := testenv.NewPKI(t)
	addr, logs := serve(t, ops.ServeConfig{Addr: "127.0.0.1:0", CertFile: pki.ServerCert, KeyFile: pki.ServerKey})

	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pki.Pool}}}
	res, err := client.Get("https://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("https get: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.TLS == nil || res.TLS.Version < tls.VersionTLS12 {
		t.Fatalf("healthz over https: %d, tls %+v", res.StatusCode, res.TLS)
	}
	if res, err := http.Get("http://" + addr + "/healthz"); err == nil {
		res.Body.Close()
		if res.StatusCode == http.StatusOK {
			t.Error("plain HTTP answered 200 on the HTTPS listener")
		}
	}
	if _, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pki.Pool, MaxVersion: tls.VersionTLS11}); err == nil {
		t.Error("a TLS 1.1 client was accepted")
	}
	first := peerSerial(t, addr, pki.Pool)
	if first != serialOf(t, pki.ServerCert) {
		t.Fatalf("served serial %s is not the file's", first)
	}

	// A renewal lands in the same files: the next handshakes get it.
	renewed, renewedKey := pki.Issue(t, "renewed", "localhost", x509.ExtKeyUsageServerAuth)
	replace(t, renewed, pki.ServerCert)
	replace(t, renewedKey, pki.ServerKey)
	want := serialOf(t, pki.ServerCert)
	testenv.Eventually(t, "the renewed certificate", 10*time.Second, func() bool { return peerSerial(t, addr, pki.Pool) == want })

	// A broken renewal keeps the certificate in service and says why.
	if err := os.WriteFile(pki.ServerCert, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, "the broken renewal to be logged", 10*time.Second, func() bool {
		return peerSerial(t, addr, pki.Pool) == want && strings.Contains(logs.String(), "keeping the one in service")
	})
}

func TestServeRefusesHalfATLSPair(t *testing.T) {
	pki := testenv.NewPKI(t)
	err := ops.Serve(context.Background(), ops.ServeConfig{Addr: "127.0.0.1:0", CertFile: pki.ServerCert, Log: zerolog.Nop()})
	if err == nil || !strings.Contains(err.Error(), "--tls-key") {
		t.Errorf("cert without key: %v", err)
	}
	err = ops.Serve(context.Background(), ops.ServeConfig{Addr: "127.0.0.1:0", CertFile: pki.ServerCert, KeyFile: pki.ClientKey, Log: zerolog.Nop()})
	if err == nil || !strings.Contains(err.Error(), "tls") {
		t.Errorf("mismatched key: %v", err)
	}
}

func TestServeLimitsHeaders(t *testing.T) {
	addr, _ := serve(t, ops.ServeConfig{Addr: "127.0.0.1:0"})
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/healthz", nil)
	req.Header.Set("X-Big", strings.Repeat("a", 2*ops.MaxHeaderBytes))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("128 KiB of headers: %d, want 431", res.StatusCode)
	}
}

// replace copies src over dst and moves its modification time on, as a
// renewal would, even on a file system with coarse timestamps.
func replace(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(dst, later, later); err != nil {
		t.Fatal(err)
	}
}

func TestPinnedClient(t *testing.T) {
	pki := testenv.NewPKI(t)
	addr, _ := serve(t, ops.ServeConfig{Addr: "127.0.0.1:0", CertFile: pki.ServerCert, KeyFile: pki.ServerKey})
	url := "https://" + addr + "/healthz" // an address the certificate does not name
	pinned, err := ops.PinnedClient(pki.ServerCert, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	res, err := pinned.Get(url)
	if err != nil {
		t.Fatalf("the served certificate: %v", err)
	}
	res.Body.Close()
	// Signed by the same CA, but not the certificate this host serves.
	other, _ := pki.Issue(t, "other", "localhost", x509.ExtKeyUsageServerAuth)
	wrong, err := ops.PinnedClient(other, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := wrong.Get(url); err == nil {
		res.Body.Close()
		t.Error("another certificate of the same CA was accepted")
	}
	if _, err := ops.PinnedClient(pki.ServerKey, time.Second); err == nil {
		t.Error("a key file was taken for a certificate")
	}
}
