package group

import "errors"

// ErrNotFound is returned, wrapped with the fingerprint, for a fingerprint
// without a group.
var ErrNotFound = errors.New("no such group")
