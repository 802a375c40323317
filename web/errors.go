package web

import "errors"

// errNoSession is readSession's answer for a request without a session
// cookie, or with one that is malformed, badly signed or expired; the caller
// starts a new session rather than telling the client which it was.
var errNoSession = errors.New("no valid session")
