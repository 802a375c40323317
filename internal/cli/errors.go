package cli

import "errors"

// ErrUsage is returned for a command line that names no command or action;
// the caller has printed the usage to stderr and exits non-zero.
var ErrUsage = errors.New("usage")
