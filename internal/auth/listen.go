package auth

import (
	"fmt"
	"net"
	"net/http"
	"strings"
)

// Loopback says whether a listen address ("host:port") accepts connections
// from this machine only. An empty host listens everywhere; a name other
// than localhost may resolve anywhere, so it counts as beyond loopback.
func Loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// FromLoopback says whether r came from this machine.
func FromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// CheckListen refuses to let what listen on addr beyond loopback without
// credentials unless the operator allowed anonymous access; the error is
// the one line that says so and names both ways out.
func CheckListen(what, addr string, credentials, allowAnonymous bool) error {
	if credentials || allowAnonymous || Loopback(addr) {
		return nil
	}
	how := "configure auth.keys in the --config file"
	if what == "embedded NATS" {
		how = "configure NATS credentials (--nats-user/--nats-password, --nats-token, --nats-nkey or --nats-creds)"
	}
	return fmt.Errorf("refusing to serve %s on %s without credentials: %s, listen on a loopback address, or pass --allow-anonymous (FAULTLINE_ALLOW_ANONYMOUS=true)", what, addr, how)
}
