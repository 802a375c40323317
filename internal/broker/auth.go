package broker

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/rs/zerolog"

	"github.com/faultline/faultline/internal/redact"
)

// Auth is how faultline authenticates to NATS and which certificates it
// trusts there. One kind of credential at most: a credentials file (JWT
// and NKey seed, as nsc writes it), an NKey seed file, a user and password,
// or a token. Credentials written in the URL (nats://user:pass@host, or
// nats://token@host) work too.
type Auth struct {
	Creds, NKey    string
	User, Password string
	Token          string
	// CAFile holds PEM CA certificate(s) that sign the server's
	// certificate; Cert and Key are a client certificate for mutual TLS.
	// Either turns TLS on.
	CAFile, Cert, Key string
}

// Options turns a into nats.go options, or says what is inconsistent.
func (a Auth) Options() ([]nats.Option, error) {
	var kinds []string
	for _, k := range []struct{ name, v string }{{"--nats-creds", a.Creds}, {"--nats-nkey", a.NKey}, {"--nats-user", a.User}, {"--nats-token", a.Token}} {
		if k.v != "" {
			kinds = append(kinds, k.name)
		}
	}
	if len(kinds) > 1 {
		return nil, fmt.Errorf("nats: give one kind of credential, not %s", strings.Join(kinds, " and "))
	}
	if a.Password != "" && a.User == "" {
		return nil, errors.New("nats: --nats-password needs --nats-user")
	}
	if (a.Cert == "") != (a.Key == "") {
		return nil, errors.New("nats: a client certificate needs both --nats-cert and --nats-key")
	}
	var opts []nats.Option
	switch {
	case a.Creds != "":
		opts = append(opts, nats.UserCredentials(a.Creds))
	case a.NKey != "":
		o, err := nats.NkeyOptionFromSeed(a.NKey)
		if err != nil {
			return nil, fmt.Errorf("nats: nkey seed: %w", err)
		}
		opts = append(opts, o)
	case a.User != "":
		opts = append(opts, nats.UserInfo(a.User, a.Password))
	case a.Token != "":
		opts = append(opts, nats.Token(a.Token))
	}
	if a.CAFile != "" {
		opts = append(opts, nats.RootCAs(a.CAFile))
	}
	if a.Cert != "" {
		opts = append(opts, nats.ClientCert(a.Cert, a.Key))
	}
	return opts, nil
}

// Logged reports the connection's trouble (a refused login, a lost server)
// on log, redacted: without it a wrong password only shows as JetStream not
// answering.
func Logged(log zerolog.Logger) []nats.Option {
	return []nats.Option{
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn().Err(redact.Error(err)).Msg("nats disconnected")
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info().Str("nats", redact.URL(nc.ConnectedUrlRedacted())).Msg("nats reconnected")
		}),
		nats.ClosedHandler(func(nc *nats.Conn) {
			if err := nc.LastError(); err != nil {
				log.Error().Err(redact.Error(err)).Msg("nats connection closed")
			}
		}),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			log.Warn().Err(redact.Error(err)).Msg("nats error")
		}),
	}
}

// EmbeddedOption changes how StartEmbedded's server runs.
type EmbeddedOption func(*server.Options)

// RequireAuth makes the embedded server refuse clients without this user
// and password, or this token; all empty leaves it open (loopback runs).
func RequireAuth(user, password, token string) EmbeddedOption {
	return func(o *server.Options) {
		if user != "" {
			o.Username, o.Password = user, password
		}
		if token != "" {
			o.Authorization = token
		}
	}
}

// SyncAlways makes JetStream sync every write to disk before it
// acknowledges it, so an acknowledged event survives a power loss on a
// single node (on a cluster, replicas give that); on costs throughput.
func SyncAlways(on bool) EmbeddedOption {
	return func(o *server.Options) { o.SyncAlways = on }
}
