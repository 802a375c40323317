package ingest

import "github.com/faultline/faultline/internal/config"

// ConfigFrom is ingest's part of the configuration file: the limits of the
// ingest section (zero keeps each default). Auth and Streams are the
// process's and stay for the caller to set.
func ConfigFrom(f config.Ingest) Config {
	return Config{
		MaxBodyBytes:     f.MaxBodyBytes,
		MaxEventBytes:    int(f.MaxEventBytes),
		PublishTimeout:   f.PublishTimeout.Duration,
		RateLimit:        f.RateLimit,
		Burst:            f.Burst,
		MaxInflightBytes: int64(f.MaxInflightBytes),
		Quotas:           f.Quotas,
	}
}
