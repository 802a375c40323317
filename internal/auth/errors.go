package auth

import "errors"

// Errors of Authenticate and Authorize; Status maps them to HTTP.
var (
	// ErrMissing is Authenticate's answer for a request without an API key.
	ErrMissing = errors.New("missing API key: send Authorization: Bearer <key>")

	// ErrUnknown is Authenticate's answer for a key that matches none
	// configured.
	ErrUnknown = errors.New("unknown API key")

	// ErrForbidden is Authorize's answer for a known key that lacks the role
	// or the service asked for; callers wrap it with which.
	ErrForbidden = errors.New("forbidden")
)
