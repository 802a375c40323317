// Package redact owns how faultline keeps credentials out of what it prints:
// logs, errors, CLI output, metrics and chat messages. It masks the secret
// parts of URLs (userinfo, secret query parameters, the token in a Discord or
// Slack webhook path) wherever they appear in a text, and scrubs every secret
// value registered at start-up (passwords, tokens, API keys from flags, the
// environment and the configuration file), in the forms it can take once
// escaped for a URL, JSON or a Go quoted string.
//
// Services call String, URL or Error where they print something that came
// from outside; Writer is the safety net under the logger and the CLI output,
// so a library error that echoes a URL is still masked.
//
// Addresses goes further for text shown to people outside operations (a
// chat channel): it replaces every URL, host:port, IP address and user@host
// with a placeholder, keeping only what failed and why.
package redact
