package config

// secretFlags hold credentials: their values never appear in help or logs.
var secretFlags = []string{"es-api-key", "es-password", "nats-password", "nats-token"}

// Secrets lists the configured values that must never be printed:
// passwords, tokens and API keys from flags or the environment, and the
// channels' signing secrets.
func (c *Config) Secrets() []string {
	out := []string{c.ES.APIKey, c.ES.Password, c.NATS.Password, c.NATS.Token}
	for _, ch := range c.File.Channels {
		out = append(out, ch.Secret)
	}
	return out
}

// URLs lists the configured URLs, which may carry credentials (a password
// or token in the userinfo, a webhook token in the path, a key in the
// query).
func (c *Config) URLs() []string {
	out := append([]string{c.NATSURL, c.KibanaURL, c.File.Notify.KibanaURL}, c.ESURLs...)
	for _, ch := range c.File.Channels {
		out = append(out, ch.URL)
	}
	return out
}
