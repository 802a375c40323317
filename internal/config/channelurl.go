package config

import (
	"errors"
	"net"
	"net/url"
	"strings"
)

// checkChannelURL refuses a channel URL that would send alerts (and the
// token in the URL) in clear text over a network: https is required, except
// for a loopback host, where nothing leaves the machine. Its errors never
// quote the URL, which carries the channel's token.
func checkChannelURL(raw string) error {
	if !strings.Contains(raw, "://") {
		return errors.New("url has no scheme: add https:// in front")
	}
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
