package ingest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"net/http"
	"time"
)

// Event ids tell a client's retry, which must be stored once, from a new
// occurrence of the same log line, which must be stored (and counted) again.
// The stream drops a second publish of an id for broker.DuplicatesWindow and
// Elasticsearch a second create of it for ever. An event without its own id
// gets one by the first rule that applies:
//
//  1. The request's Idempotency-Key (or X-Request-Id) header, the line's
//     position in the body and the line: a retry of the same request is the
//     same events, whatever they say.
//  2. The line (and the API key's service), when it carries its own
//     timestamp: the same line with the same timestamp from the same
//     service is the same log record sent again. Identical lines
//     within one body are separate occurrences: the k-th copy's id has k
//     mixed in.
//  3. Otherwise nothing says two sends are one: a fresh random id, and each
//     send is a new occurrence.
//
// Ids start with the event's time (12 hex digits of Unix milliseconds):
// Elasticsearch looks up every _id it creates, and ids that share their
// prefix with the ids written around them are found cheaper than random
// ones (bench.BenchmarkIDShapes). The time is the event's own, or for a
// random id the time ingest filled in; an id that must be the same on a
// retry and has no time of its own is a 128-bit hash instead.

// idRules derives the ids of one request's events.
type idRules struct {
	// scope is the API key's service, so two clients that pick the same
	// idempotency key never share ids.
	scope string
	key   string
	// copies counts the timestamped lines of the body seen so far, by hash.
	copies map[[sha256.Size]byte]int
}

// requestIDRules reads the request's idempotency key.
func requestIDRules(r *http.Request, keyService string) *idRules {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		key = r.Header.Get("X-Request-Id")
	}
	return &idRules{scope: keyService, key: key}
}

// id is the id of an event that came without one. pos is its position in the
// body, own its own timestamp (zero when it had none), filled the time
// ingest gave it instead.
func (r *idRules) id(line []byte, pos int, own, filled time.Time) string {
	switch {
	case r.key != "":
		var b []byte
		for _, part := range []string{r.scope, r.key} {
			b = binary.AppendUvarint(b, uint64(len(part)))
			b = append(b, part...)
		}
		b = binary.AppendUvarint(b, uint64(pos))
		return idFrom(sha256.Sum256(append(b, line...)), own)
	case !own.IsZero():
		sum := sha256.Sum256(line)
		if r.scope != "" {
			// Two services may log the same line in the same millisecond
			// (a shared library's error): one must not drop the other's.
			b := binary.AppendUvarint(nil, uint64(len(r.scope)))
			sum = sha256.Sum256(append(append(b, r.scope...), line...))
		}
		if r.copies == nil {
			r.copies = map[[sha256.Size]byte]int{}
		}
		k := r.copies[sum]
		r.copies[sum] = k + 1
		if k > 0 {
			sum = sha256.Sum256(binary.AppendUvarint(sum[:], uint64(k)))
		}
		return idFrom(sum, own)
	default:
		var sum [sha256.Size]byte
		rand.Read(sum[:])
		return idFrom(sum, filled)
	}
}

// DerivedID is the id of the first copy of a line without an id of its own
// sent without API keys (rule 2 above; for a line without a usable
// timestamp, a 128-bit hash).
func DerivedID(line []byte, ts time.Time) string {
	return idFrom(sha256.Sum256(line), ts)
}

// idFrom is ts's Unix milliseconds and 80 bits of sum, or with no usable
// ts, 128 bits of sum.
func idFrom(sum [sha256.Size]byte, ts time.Time) string {
	if ms := ts.UnixMilli(); !ts.IsZero() && ms >= 0 && ms < 1<<48 {
		var b [16]byte
		b[0], b[1], b[2], b[3], b[4], b[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
		copy(b[6:], sum[:10])
		return hex.EncodeToString(b[:])
	}
	return hex.EncodeToString(sum[:16])
}
