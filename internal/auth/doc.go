// Package auth is the one place faultline checks API keys: ingest, the group
// API, the operator routes and every later intake ask it who a request comes
// from and what that caller may do.
//
// A key has a name (recorded in audits), roles and, for read and admin, an
// optional scope of service globs. Keys are configured by the SHA-256 of
// their secret and compared in constant time. With no keys configured every
// request is the anonymous principal with every role: local runs stay open,
// and the caller decides (see CheckListen) whether that may listen beyond
// loopback.
package auth
