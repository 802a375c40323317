package broker_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/faultline/faultline/internal/broker"
	"github.com/faultline/faultline/internal/testenv"
)

// dial connects as a service would and reports why it cannot talk to the
// server, if it cannot.
func dial(t *testing.T, url string, a broker.Auth) error {
	t.Helper()
	opts, err := a.Options()
	if err != nil {
		t.Fatalf("options: %v", err)
	}
	nc, err := broker.Connect(url, t.Name(), append(opts, nats.Timeout(2*time.Second))...)
	if err != nil {
		return err
	}
	defer nc.Close()
	if err := nc.FlushTimeout(3 * time.Second); err != nil {
		if last := nc.LastError(); last != nil {
			return last
		}
		return err
	}
	return nil
}

func TestEmbeddedServerRequiresCredentials(t *testing.T) {
	for _, tc := range []struct {
		name        string
		require     broker.EmbeddedOption
		good, bad   []broker.Auth
		urlWithCred func(hostport string) string
	}{
		{
			name:        "token",
			require:     broker.RequireAuth("", "", "s3cret-token"),
			good:        []broker.Auth{{Token: "s3cret-token"}},
			bad:         []broker.Auth{{}, {Token: "wrong-token"}, {User: "faultline", Password: "s3cret-token"}},
			urlWithCred: func(hp string) string { return "nats://s3cret-token@" + hp },
		},
		{
			name:        "user and password",
			require:     broker.RequireAuth("faultline", "s3cret-pass", ""),
			good:        []broker.Auth{{User: "faultline", Password: "s3cret-pass"}},
			bad:         []broker.Auth{{}, {User: "faultline", Password: "wrong"}, {Token: "s3cret-pass"}},
			urlWithCred: func(hp string) string { return "nats://faultline:s3cret-pass@" + hp },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := broker.StartEmbedded(t.TempDir(), "127.0.0.1:-1", tc.require)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(s.Shutdown)
			url := s.ClientURL()
			for _, a := range tc.bad {
				err := dial(t, url, a)
				if err == nil {
					t.Errorf("%+v: connected", a)
				} else if !strings.Contains(strings.ToLower(err.Error()), "authorization violation") {
					t.Errorf("%+v: refused, but not for authorization: %v", a, err)
				}
			}
			for _, a := range tc.good {
				if err := dial(t, url, a); err != nil {
					t.Errorf("%+v: %v", a, err)
				}
			}
			if err := dial(t, tc.urlWithCred(strings.TrimPrefix(url, "nats://")), broker.Auth{}); err != nil {
				t.Errorf("credentials in the URL: %v", err)
			}
		})
	}
}

func TestEmbeddedServerSyncAlways(t *testing.T) {
	for _, on := range []bool{false, true} {
		s, err := broker.StartEmbedded(t.TempDir(), "127.0.0.1:-1", broker.SyncAlways(on))
		if err != nil {
			t.Fatal(err)
		}
		if got := s.JetStreamConfig().SyncAlways; got != on {
			t.Errorf("SyncAlways(%v): server has %v", on, got)
		}
		s.Shutdown()
	}
}

func TestConnectOverMutualTLS(t *testing.T) {
	pki := testenv.NewPKI(t)
	tlsConfig, err := server.GenTLSConfig(&server.TLSConfigOpts{CertFile: pki.ServerCert, KeyFile: pki.ServerKey, CaFile: pki.CAFile, Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, TLSConfig: tlsConfig, TLSVerify: true, TLSTimeout: 2, NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("tls nats not ready")
	}
	t.Cleanup(s.Shutdown)
	url := s.ClientURL()
	if err := dial(t, url, broker.Auth{CAFile: pki.CAFile, Cert: pki.ClientCert, Key: pki.ClientKey}); err != nil {
		t.Fatalf("CA and client certificate: %v", err)
	}
	// The server's own certificate is not one a client may present.
	for name, a := range map[string]broker.Auth{
		"no client certificate":  {CAFile: pki.CAFile},
		"server not trusted":     {Cert: pki.ClientCert, Key: pki.ClientKey},
		"plain, no TLS settings": {},
	} {
		if err := dial(t, url, a); err == nil {
			t.Errorf("%s: connected", name)
		}
	}
}

func TestAuthOptionsRefuseMixedCredentials(t *testing.T) {
	for name, a := range map[string]broker.Auth{
		"token and user":          {Token: "t", User: "u"},
		"creds and nkey":          {Creds: "a.creds", NKey: "seed.nk"},
		"password without user":   {Password: "p"},
		"certificate without key": {Cert: "c.pem"},
		"missing CA file":         {CAFile: "/nonexistent/ca.pem"},
		"missing nkey seed":       {NKey: "/nonexistent/seed.nk"},
	} {
		opts, err := a.Options()
		if err == nil {
			// nats.go checks files when the options are applied.
			_, err = nats.Connect("nats://127.0.0.1:1", opts...)
		}
		if err == nil || strings.Contains(err.Error(), "connection refused") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestConnectWithNKeySeed(t *testing.T) {
	user, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := user.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	seed, err := user.Seed()
	if err != nil {
		t.Fatal(err)
	}
	seedFile := filepath.Join(t.TempDir(), "faultline.nk")
	if err := os.WriteFile(seedFile, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, Nkeys: []*server.NkeyUser{{Nkey: pub}}, NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats not ready")
	}
	t.Cleanup(s.Shutdown)
	if err := dial(t, s.ClientURL(), broker.Auth{NKey: seedFile}); err != nil {
		t.Errorf("with the seed: %v", err)
	}
	if err := dial(t, s.ClientURL(), broker.Auth{}); err == nil {
		t.Error("connected without the seed")
	}
}

func TestConnectWithCredentialsFile(t *testing.T) {
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	operator, err := nkeys.CreateOperator()
	must(err)
	account, err := nkeys.CreateAccount()
	must(err)
	user, err := nkeys.CreateUser()
	must(err)
	opub, err := operator.PublicKey()
	must(err)
	apub, err := account.PublicKey()
	must(err)
	upub, err := user.PublicKey()
	must(err)
	oc := jwt.NewOperatorClaims(opub)
	ojwt, err := oc.Encode(operator)
	must(err)
	oc, err = jwt.DecodeOperatorClaims(ojwt)
	must(err)
	ajwt, err := jwt.NewAccountClaims(apub).Encode(operator)
	must(err)
	ujwt, err := jwt.NewUserClaims(upub).Encode(account)
	must(err)
	seed, err := user.Seed()
	must(err)
	creds, err := jwt.FormatUserConfig(ujwt, seed)
	must(err)
	credsFile := filepath.Join(t.TempDir(), "faultline.creds")
	must(os.WriteFile(credsFile, creds, 0o600))

	resolver := &server.MemAccResolver{}
	must(resolver.Store(apub, ajwt))
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, TrustedOperators: []*jwt.OperatorClaims{oc},
		AccountResolver: resolver, NoSigs: true, NoLog: true})
	must(err)
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats not ready")
	}
	t.Cleanup(s.Shutdown)
	if err := dial(t, s.ClientURL(), broker.Auth{Creds: credsFile}); err != nil {
		t.Errorf("with the credentials file: %v", err)
	}
	if err := dial(t, s.ClientURL(), broker.Auth{}); err == nil {
		t.Error("connected without credentials")
	}
}
