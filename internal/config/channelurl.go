package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// checkChannelURL refuses a channel URL that would send alerts (and the
// token in the URL) in clear text over a network: https is required, except
// for a loopback host, where nothing leaves the machine. Its errors never
// quote the URL, which carries the channel's token.
func checkChannelURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("url is not a valid URL")
	}
	switch {
	case u.Host == "":
		return errors.New("url has no host (want https://host/…)")
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil
	case u.Scheme == "http":
		return errors.New("url must use https: http is accepted only for a loopback host (localhost, 127.0.0.1, ::1)")
	default:
		return errors.New("url must use https")
	}
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkPublicURL accepts the base URL faultline's pages are reached at: a
// scheme and a host, optionally a path prefix, and nothing a link appended
// to it would break (a query or a fragment).
func checkPublicURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return fmt.Errorf("%q is not a valid URL", raw)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%q has no http:// or https:// scheme; add one, e.g. https://faultline.example.com", raw)
	case u.Host == "":
		return fmt.Errorf("%q has no host", raw)
	case u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return fmt.Errorf("%q must be a plain base URL, without user, query or fragment", raw)
	}
	return nil
}
