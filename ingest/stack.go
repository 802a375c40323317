package ingest

import "github.com/faultline/faultline/internal/event"

// Helpers for the protocol packages beside ingest (ingest/loki, …), which
// find log text in their own fields and must read it as the JSON formats do.

// SetStack gives e the stack trace text a log line carried and the chain
// event.ParseStack read from it (nil when it read none): the error fields
// come from the outermost exception, and Java, the platform of every event
// that names none, is stored as empty so Java events stay as they were.
func SetStack(e *event.Event, text, platform string, chain []event.Exception) {
	e.Faultline.Exceptions, e.Faultline.Platform = chain, platform
	if platform == event.PlatformJava {
		e.Faultline.Platform = ""
	}
	e.Error = &event.Error{StackTrace: text}
	if len(chain) > 0 {
		e.Error.Type = chain[0].Type
		e.Error.Message = chain[0].Message
	}
}

// Level is a level name as events store it: upper case, with the aliases
// of other logging libraries (WARNING, SEVERE, CRITICAL, …) mapped.
func Level(name string) string { return normLevel(name) }

// MaxBodyBytes is the most a request body may be, after decompression: a
// protocol that decompresses on its own (Loki's snappy) holds to it too.
func (s *Server) MaxBodyBytes() int64 { return s.cfg.MaxBodyBytes }
