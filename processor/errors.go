package processor

import "errors"

// ErrNoDeadLetter is GetDLQ's and the replay's answer for a sequence number
// the dead-letter stream does not hold (never did, or replayed since).
var ErrNoDeadLetter = errors.New("no such dead letter")

// errRequestTooLarge is Elasticsearch's 413: the request is over its
// http.max_content_length, and sending it again as it is cannot help.
var errRequestTooLarge = errors.New("request too large")
