package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Role is what a key may do.
type Role string

// The roles. Admin implies read.
const (
	// RoleIngest sends events, stamped with the key's service.
	RoleIngest Role = "ingest"
	// RoleRead lists and views groups (and reads /metrics on the main address).
	RoleRead Role = "read"
	// RoleAdmin mutes, resolves and unmutes groups and replays dead letters.
	RoleAdmin Role = "admin"
)

// Roles lists every role, in the order the README documents them.
var Roles = []Role{RoleIngest, RoleRead, RoleAdmin}

// Key is one configured API key, as written under auth.keys in the YAML file.
type Key struct {
	// Name says who the key belongs to; it is what audits record. Default:
	// the service, "<service>#<index>" when that name is taken (two keys of
	// one service during a rotation), "key#<index>" without a service.
	Name string `yaml:"name"`
	// Hash is "sha256:<64 hex digits>" of the secret.
	Hash string `yaml:"hash"`
	// Roles default to [ingest], which is what every key was before roles.
	Roles []Role `yaml:"roles"`
	// Service is stamped on the events an ingest key sends.
	Service string `yaml:"service"`
	// Services limits which groups a read or admin key sees and acts on
	// (globs as in routes, path.Match); empty is every service.
	Services []string `yaml:"services"`
}

// Principal is who a request comes from.
type Principal struct {
	Name string
	// Service is stamped on the events it sends ("" for anonymous: events
	// keep their own).
	Service string
	// Services are the scope globs; empty is every service.
	Services  []string
	Anonymous bool
	roles     []Role
}

// Anonymous is the caller when no keys are configured: every role, every
// service.
var Anonymous = &Principal{Name: "anonymous", Anonymous: true, roles: Roles}

// Local is a principal with every role and every service, named for audits,
// for a caller that holds the stores' own credentials anyway (the CLI's
// direct mode).
func Local(name string) *Principal { return &Principal{Name: name, roles: Roles} }

// Has says whether the principal may act in role r; admin implies read.
func (p *Principal) Has(r Role) bool {
	return slices.Contains(p.roles, r) || (r == RoleRead && slices.Contains(p.roles, RoleAdmin))
}

// Roles returns the principal's roles as configured.
func (p *Principal) Roles() []Role { return slices.Clone(p.roles) }

// Sees says whether service is within the principal's scope.
func (p *Principal) Sees(service string) bool {
	if len(p.Services) == 0 {
		return true
	}
	for _, g := range p.Services {
		if ok, _ := path.Match(g, service); ok {
			return true
		}
	}
	return false
}

// Keys checks API keys. The zero value and nil have no keys: everyone is
// Anonymous.
type Keys struct {
	keys []entry
}

type entry struct {
	sum [sha256.Size]byte
	p   *Principal
}

// New checks the configured keys, fills their defaults and reports every
// problem at once, each naming auth.keys[i].
func New(keys []Key) (*Keys, error) {
	var errs []error
	explicit := map[string]int{}
	for i, k := range keys {
		if k.Name == "" {
			continue
		}
		if j, dup := explicit[k.Name]; dup {
			errs = append(errs, fmt.Errorf("auth.keys[%d]: duplicate name %q (auth.keys[%d] has it); names say who acted in audits, so each must be unique", i, k.Name, j))
			continue
		}
		explicit[k.Name] = i
	}
	taken := map[string]bool{}
	for name := range explicit {
		taken[name] = true
	}
	out := &Keys{}
	seen := map[[sha256.Size]byte]int{}
	for i, k := range keys {
		name := k.Name
		if name == "" {
			name = k.Service
			base := k.Service
			if base == "" {
				base = "key"
			}
			for n := i; name == "" || taken[name]; n += len(keys) {
				name = base + "#" + strconv.Itoa(n)
			}
			taken[name] = true
		}
		where := fmt.Sprintf("auth.keys[%d] (%s)", i, name)
		roles := k.Roles
		if len(roles) == 0 {
			roles = []Role{RoleIngest}
		}
		for _, r := range roles {
			if !slices.Contains(Roles, r) {
				errs = append(errs, fmt.Errorf("%s: unknown role %q (want ingest, read or admin)", where, r))
			}
		}
		if slices.Contains(roles, RoleIngest) && k.Service == "" {
			errs = append(errs, fmt.Errorf("%s: an ingest key needs a service (it is stamped on the events the key sends)", where))
		}
		for _, g := range k.Services {
			if _, err := path.Match(g, ""); err != nil || g == "" {
				errs = append(errs, fmt.Errorf("%s: bad service pattern %q in services", where, g))
			}
		}
		hexPart, ok := strings.CutPrefix(strings.ToLower(k.Hash), "sha256:")
		raw, err := hex.DecodeString(hexPart)
		if !ok || err != nil || len(raw) != sha256.Size {
			errs = append(errs, fmt.Errorf("%s: hash must be \"sha256:\" and 64 hex digits", where))
			continue
		}
		sum := [sha256.Size]byte(raw)
		if j, dup := seen[sum]; dup {
			errs = append(errs, fmt.Errorf("%s: same hash as auth.keys[%d]; one secret can belong to one key only", where, j))
			continue
		}
		seen[sum] = i
		out.keys = append(out.keys, entry{sum: sum, p: &Principal{Name: name, Service: k.Service, Services: slices.Clone(k.Services), roles: slices.Clone(roles)}})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// Hash is what auth.keys[].hash holds for secret: "sha256:<hex>".
func Hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Enabled says whether any key is configured.
func (k *Keys) Enabled() bool { return k != nil && len(k.keys) > 0 }

// Lookup finds the key whose secret is key. Every configured hash is compared,
// in constant time, whatever matches first, so the time taken does not tell
// how much of a hash matched or which key did.
func (k *Keys) Lookup(key string) (*Principal, bool) {
	if key == "" || k == nil {
		return nil, false
	}
	sum := sha256.Sum256([]byte(key))
	var found *Principal
	for _, e := range k.keys {
		if subtle.ConstantTimeCompare(e.sum[:], sum[:]) == 1 {
			found = e.p
		}
	}
	return found, found != nil
}

// Named finds the key called name, for a session that recorded who signed
// in without keeping the secret.
func (k *Keys) Named(name string) (*Principal, bool) {
	if k == nil || name == "" {
		return nil, false
	}
	for _, e := range k.keys {
		if e.p.Name == name {
			return e.p, true
		}
	}
	return nil, false
}

// Authenticate says who sent r: Anonymous when no keys are configured, else
// the key's principal, ErrMissing or ErrUnknown.
func (k *Keys) Authenticate(r *http.Request) (*Principal, error) {
	return k.AuthenticateKey(FromRequest(r))
}

// AuthenticateKey is Authenticate for a key found elsewhere than in the
// Authorization header (a Sentry DSN's sentry_key, say).
func (k *Keys) AuthenticateKey(key string) (*Principal, error) {
	if !k.Enabled() {
		return Anonymous, nil
	}
	if key == "" {
		return nil, ErrMissing
	}
	p, ok := k.Lookup(key)
	if !ok {
		return nil, ErrUnknown
	}
	return p, nil
}

// Authorize is Authenticate plus a role check.
func (k *Keys) Authorize(r *http.Request, role Role) (*Principal, error) {
	return k.AuthorizeKey(FromRequest(r), role)
}

// AuthorizeKey is AuthenticateKey plus a role check.
func (k *Keys) AuthorizeKey(key string, role Role) (*Principal, error) {
	p, err := k.AuthenticateKey(key)
	if err != nil {
		return nil, err
	}
	if !p.Has(role) {
		return p, fmt.Errorf("%w: key %q does not have the %s role", ErrForbidden, p.Name, role)
	}
	return p, nil
}

// Status is the HTTP status for an error of Authenticate or Authorize: 401
// without a key, 403 for an unknown key or a missing role.
func Status(err error) int {
	if errors.Is(err, ErrMissing) {
		return http.StatusUnauthorized
	}
	return http.StatusForbidden
}

// Challenge sets WWW-Authenticate on a 401, as HTTP asks.
func Challenge(w http.ResponseWriter, status int) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="faultline"`)
	}
}

type ctxKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the principal Require put in ctx, or nil.
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(ctxKey{}).(*Principal)
	return p
}

// Require lets a request through to h only with role; refusals are answered
// with a JSON {"error": …}. h finds the principal with FromContext.
func (k *Keys) Require(role Role, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := k.Authorize(r, role)
		if err != nil {
			status := Status(err)
			Challenge(w, status)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
			return
		}
		h.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
	})
}

// FromRequest reads the key from "Bearer <key>", or as Elasticsearch clients
// send credentials: "ApiKey base64(id:key)" (or the bare key) and Basic auth
// with the key as password.
func FromRequest(r *http.Request) string {
	scheme, rest, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	rest = strings.TrimSpace(rest)
	switch strings.ToLower(scheme) {
	case "bearer":
		return rest
	case "apikey":
		if raw, err := base64.StdEncoding.DecodeString(rest); err == nil {
			if _, key, ok := strings.Cut(string(raw), ":"); ok {
				return key
			}
		}
		return rest
	case "basic":
		if _, pass, ok := r.BasicAuth(); ok {
			return pass
		}
	}
	return ""
}
