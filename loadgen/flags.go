package loadgen

import (
	"flag"
	"os"
	"strings"
	"time"
)

// HTTPAddrEnv is the ingest address every faultline command reads; loadgen
// sends there unless --url says otherwise.
const HTTPAddrEnv = "FAULTLINE_HTTP_ADDR"

// DefaultURL is ingest's base URL from FAULTLINE_HTTP_ADDR (a host:port,
// or a URL), else http://127.0.0.1:8080.
func DefaultURL() string {
	addr := strings.TrimSpace(os.Getenv(HTTPAddrEnv))
	switch {
	case addr == "":
		return "http://127.0.0.1:8080"
	case strings.Contains(addr, "://"):
		return addr
	case strings.HasPrefix(addr, ":"):
		return "http://127.0.0.1" + addr
	}
	return "http://" + addr
}

// Flags registers loadgen's flags on fs and returns the Config they fill.
func Flags(fs *flag.FlagSet) *Config {
	c := &Config{}
	fs.StringVar(&c.URL, "url", DefaultURL(), "ingest base URL (default from "+HTTPAddrEnv+")")
	fs.IntVar(&c.Services, "services", 5, "services sending")
	fs.IntVar(&c.Bugs, "bugs", 50, "distinct bugs (long-tail frequencies)")
	fs.IntVar(&c.Events, "events", 10000, "events to send")
	fs.Float64Var(&c.Rate, "rate", 0, "events per second (0 = as fast as ingest takes them)")
	fs.IntVar(&c.Batch, "batch", 100, "events per request")
	fs.IntVar(&c.Workers, "workers", 4, "concurrent requests")
	fs.Float64Var(&c.BurstProb, "burst", 0.05, "chance that a request is a burst of one bug")
	fs.Uint64Var(&c.Seed, "seed", uint64(time.Now().UnixNano()), "random seed")
	return c
}
