package deployments

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/faultline/faultline/internal/config"
)

// The Kubernetes nats.conf, run by the real NATS server with a certificate
// from nats-tls.sh: a client gets in only over TLS, trusting the CA, as the
// faultline user with the password; the certificate is good for the
// Service name clients dial and for the routes' mutual TLS.
func TestKubernetesNATSNeedsTLSAndPassword(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("nats-tls.sh needs openssl")
	}
	dir := t.TempDir()
	certs := filepath.Join(dir, "tls")
	if out, err := exec.Command("kubernetes/nats-tls.sh", "faultline-test", certs).CombinedOutput(); err != nil {
		t.Fatalf("nats-tls.sh: %v\n%s", err, out)
	}
	raw, err := os.ReadFile("kubernetes/base/config/nats.conf")
	if err != nil {
		t.Fatal(err)
	}
	// Where the pod mounts them, here in the test's directory.
	conf := strings.NewReplacer(
		"/etc/nats-tls/", certs+"/",
		"store_dir: /data", "store_dir: "+filepath.Join(dir, "js"),
		"/var/run/nats/nats.pid", filepath.Join(dir, "nats.pid"),
	).Replace(string(raw))
	confFile := filepath.Join(dir, "nats.conf")
	if err := os.WriteFile(confFile, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("POD_NAME", "nats-0")
	t.Setenv("NATS_PASSWORD", "k8s-test-password")
	opts, err := server.ProcessConfigFile(confFile)
	if err != nil {
		t.Fatalf("nats.conf: %v", err)
	}
	if c := opts.Cluster.TLSConfig; c == nil || c.ClientAuth != tls.RequireAndVerifyClientCert {
		t.Errorf("cluster routes without mutual TLS")
	}
	// One server alone, no cluster: a JetStream cluster of one would wait
	// for its absent peers.
	opts.Cluster, opts.Routes = server.ClusterOpts{}, nil
	ns := startNATS(t, opts)

	pem, err := os.ReadFile(filepath.Join(certs, "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	// The faultline pods dial tls://nats:4222: the certificate must name "nats".
	trusting := nats.Secure(&tls.Config{RootCAs: pool, ServerName: "nats", MinVersion: tls.VersionTLS12})
	url := ns.ClientURL()
	for name, o := range map[string][]nats.Option{
		"no credentials":  {trusting},
		"wrong password":  {trusting, nats.UserInfo("faultline", "guess")},
		"no TLS trust":    {nats.UserInfo("faultline", "k8s-test-password")},
		"another CA name": {nats.Secure(&tls.Config{RootCAs: pool, ServerName: "elsewhere"}), nats.UserInfo("faultline", "k8s-test-password")},
	} {
		if nc, err := nats.Connect(url, append(o, nats.MaxReconnects(0))...); err == nil {
			nc.Close()
			t.Errorf("%s: connected", name)
		}
	}
	nc, err := nats.Connect(url, trusting, nats.UserInfo("faultline", "k8s-test-password"))
	if err != nil {
		t.Fatalf("the faultline user over TLS: %v", err)
	}
	nc.Close()

	// Routes dial nats-N.nats-headless and present the same certificate.
	crt, err := tls.LoadX509KeyPair(filepath.Join(certs, "tls.crt"), filepath.Join(certs, "tls.key"))
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(crt.Certificate[0])
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "nats-2.nats-headless", Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth}}); err != nil {
		t.Errorf("the certificate does not serve the routes: %v", err)
	}
}

// The config files the Kubernetes Secrets carry are what the binary accepts,
// with the variables the notifier's Secret sets.
func TestKubernetesConfigExamplesParse(t *testing.T) {
	if !configKnowsRoles() {
		t.Skip("config.APIKey has no roles yet (internal/auth's keys); checked once merged")
	}
	envs, err := os.ReadFile("kubernetes/base/secrets/notifier.env.example")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(envs), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(k, "#") {
			t.Setenv(k, v)
		}
	}
	for _, svc := range []string{"ingest", "processor", "notifier"} {
		raw, err := os.ReadFile("kubernetes/base/secrets/" + svc + ".yaml.example")
		if err != nil {
			t.Fatal(err)
		}
		f, err := config.Parse(raw)
		if err != nil {
			t.Errorf("%s.yaml.example: %v", svc, err)
			continue
		}
		if len(f.Auth.Keys) == 0 {
			t.Errorf("%s.yaml.example has no keys; on 0.0.0.0 the service would refuse to start", svc)
		}
	}
}
