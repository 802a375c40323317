package event

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// decoders are reused: fastjson allocates its tree once per parser.
var decoders fastjson.ParserPool

// Unmarshal reads an event in its wire form. The result, error included, is
// what encoding/json.Unmarshal into a zero Event gives (the decode tests and
// FuzzUnmarshal hold it to that), only faster for what Marshal writes, since
// the processor decodes every event. One difference: a timestamp written with \u escapes is read, where
// encoding/json refuses it (https://go.dev/issue/47353).
//
// The fast reader takes JSON as Marshal writes it: valid UTF-8, no raw
// control characters, keys spelled as the struct tags spell them, each once,
// values of the field's type. Anything else (a hand-written or damaged
// message) goes to encoding/json, whose rules for folded keys, repeated keys
// and type errors are not worth copying. Every string is a copy, so a cached
// event pins nothing of the message it came from.
func Unmarshal(data []byte, e *Event) error {
	_, err := ReadWire(data, e)
	return err
}

// FingerprintSlot is where faultline.fingerprint, faultline.stored_at and
// faultline.grouping_strategy go in an event's wire form, so the processor
// can add them without encoding the event again.
type FingerprintSlot struct {
	at    int  // just after `"faultline":{`; 0 when there is no safe place
	empty bool // the faultline object has no members yet
}

// ReadWire is Unmarshal, and also finds the FingerprintSlot when data holds
// no key the event does not know, no fingerprint, stored_at or
// grouping_strategy: then the only
// `"faultline":{` in data is the event's own, since a string cannot hold
// that sequence unescaped, labels hold only strings, and no other member of
// the event that holds an object has a name ending in "faultline".
func ReadWire(data []byte, e *Event) (FingerprintSlot, error) {
	*e = Event{}
	var r reader
	if err := r.read(data, e); err == nil {
		if r.unknown || !r.faultline || r.fingerprint || r.storedAt || r.strategy {
			return FingerprintSlot{}, nil
		}
		i := bytes.Index(data, []byte(`"faultline":{`))
		if i < 0 {
			return FingerprintSlot{}, nil
		}
		return FingerprintSlot{at: i + len(`"faultline":{`), empty: r.faultlineEmpty}, nil
	}
	*e = Event{}
	return FingerprintSlot{}, json.Unmarshal(data, e)
}

// Insert returns data with fp as faultline.fingerprint, stored (in UTC)
// as faultline.stored_at and strategy as faultline.grouping_strategy
// (left out when empty): for data that Marshal wrote, the bytes Marshal
// writes for the event with those set. ok is false when there is no slot or
// fp or strategy would need escaping; the caller encodes the event instead.
func (s FingerprintSlot) Insert(data []byte, fp, strategy string, stored time.Time) (out []byte, ok bool) {
	st, ok := s.Stamp(data, fp, strategy, stored)
	if !ok {
		return nil, false
	}
	return st.AppendTo(make([]byte, 0, st.Len(data)), data), true
}

// Stamp is what Insert adds to data, kept apart from it so that the event
// is written out with it (AppendTo) where it goes, a bulk body, instead of
// becoming a copy of its own. The zero Stamp adds nothing.
type Stamp struct {
	slot         FingerprintSlot
	fp, strategy string
	stored       time.Time
}

// Stamp is Insert's stamp for data, the wire form the slot was found in;
// ok as Insert's.
func (s FingerprintSlot) Stamp(data []byte, fp, strategy string, stored time.Time) (st Stamp, ok bool) {
	if s.at == 0 || s.at > len(data) || !plainToken(fp) || !plainToken(strategy) {
		return Stamp{}, false
	}
	return Stamp{slot: s, fp: fp, strategy: strategy, stored: stored.UTC()}, true
}

// Len is the length of data with the stamp.
func (s Stamp) Len(data []byte) int {
	if s.slot.at == 0 {
		return len(data)
	}
	var t [64]byte
	n := len(data) + len(`"fingerprint":"","stored_at":""`) + len(s.fp) + len(s.stored.AppendFormat(t[:0], time.RFC3339Nano))
	if s.strategy != "" {
		n += len(`,"grouping_strategy":""`) + len(s.strategy)
	}
	if !s.slot.empty {
		n++
	}
	return n
}

// AppendTo appends data with the stamp to dst.
func (s Stamp) AppendTo(dst, data []byte) []byte {
	if s.slot.at == 0 {
		return append(dst, data...)
	}
	dst = append(dst, data[:s.slot.at]...)
	dst = append(dst, `"fingerprint":"`...)
	dst = append(dst, s.fp...)
	dst = append(dst, `","stored_at":"`...)
	// What time.Time.MarshalJSON writes, for the years it accepts.
	dst = s.stored.AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, '"')
	if s.strategy != "" {
		dst = append(dst, `,"grouping_strategy":"`...)
		dst = append(dst, s.strategy...)
		dst = append(dst, '"')
	}
	if !s.slot.empty {
		dst = append(dst, ',')
	}
	return append(dst, data[s.slot.at:]...)
}

// plainToken tells whether s needs no JSON escaping, by allowing only what
// fingerprints and strategy names are made of.
func plainToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-' || c == '_' || c == ':' || c == '.') {
			return false
		}
	}
	return true
}

// reader is one fast read, and what it saw on the way.
type reader struct {
	unknown        bool // a key the event does not have, skipped
	faultline      bool // the faultline member was an object
	faultlineEmpty bool
	fingerprint    bool // faultline had a fingerprint key, even null
	storedAt       bool // faultline had a stored_at key, even null
	strategy       bool // faultline had a grouping_strategy key, even null
	num            []byte
}

func (r *reader) read(data []byte, e *Event) error {
	// fastjson accepts what the JSON grammar refuses (raw control
	// characters) and keeps what encoding/json replaces (invalid UTF-8, lone
	// surrogate escapes); Marshal writes none of them.
	if !utf8.Valid(data) || HasControlByte(data) || !plainEscapes(data) {
		return errSlowPath
	}
	// The parser checks the structure but not strings (done above) nor
	// numbers: it takes 01, +1 and nan. The members read below take a
	// number only as a frame's line, checked there; a skipped member could
	// hold any, so then the whole input is validated; the common message
	// skips that second pass.
	p := decoders.Get()
	defer decoders.Put(p)
	v, err := p.ParseBytes(data)
	if err != nil {
		return err
	}
	o, err := v.Object()
	if err != nil {
		return errSlowPath
	}
	if err := r.readEvent(o, e); err != nil {
		return err
	}
	if r.unknown {
		return fastjson.ValidateBytes(data)
	}
	return nil
}

// fields tells repeated keys apart: encoding/json merges a repeated object
// into the first, which the slow path does for us.
type fields uint32

func (f *fields) once(bit int) error {
	if *f&(1<<bit) != 0 {
		return errSlowPath
	}
	*f |= 1 << bit
	return nil
}

// each visits o's members, in order, until fn fails. A key that is not one
// of known but equals one of them ignoring case is one encoding/json would
// fill, so it takes the slow path; other unknown keys are skipped as
// encoding/json skips them.
func (r *reader) each(o *fastjson.Object, known []string, fn func(i int, v *fastjson.Value) error) error {
	var seen fields
	var err error
	o.Visit(func(k []byte, v *fastjson.Value) {
		if err != nil {
			return
		}
		i := index(known, k)
		if i < 0 {
			for _, name := range known {
				if strings.EqualFold(name, string(k)) {
					err = errSlowPath
					return
				}
			}
			r.unknown = true
			return
		}
		if err = seen.once(i); err != nil {
			return
		}
		// null leaves a field as it is: zero, since every key comes once.
		if v.Type() != fastjson.TypeNull {
			err = fn(i, v)
		}
	})
	return err
}

func index(known []string, k []byte) int {
	for i, name := range known {
		if name == string(k) {
			return i
		}
	}
	return -1
}

func str(v *fastjson.Value, dst *string) error {
	b, err := v.StringBytes()
	if err != nil {
		return errSlowPath
	}
	*dst = string(b)
	return nil
}

func timestamp(v *fastjson.Value, dst *time.Time) error {
	b, err := v.StringBytes()
	if err != nil {
		return errSlowPath
	}
	// What time.Time.UnmarshalJSON does with the text between the quotes.
	if err := dst.UnmarshalText(b); err != nil {
		return errSlowPath
	}
	return nil
}

func object(v *fastjson.Value) (*fastjson.Object, error) {
	o, err := v.Object()
	if err != nil {
		return nil, errSlowPath
	}
	return o, nil
}

var eventKeys = []string{"@timestamp", "message", "log", "process", "service", "host", "error", "event", "trace", "labels", "faultline"}

func (r *reader) readEvent(o *fastjson.Object, e *Event) error {
	return r.each(o, eventKeys, func(i int, v *fastjson.Value) error {
		switch i {
		case 0:
			return timestamp(v, &e.Timestamp)
		case 1:
			return str(v, &e.Message)
		case 2:
			return r.strings2(v, []string{"level", "logger"}, &e.Log.Level, &e.Log.Logger)
		case 3:
			e.Process = &Process{}
			o, err := object(v)
			if err != nil {
				return err
			}
			return r.each(o, []string{"thread"}, func(_ int, v *fastjson.Value) error {
				return r.strings2(v, []string{"name"}, &e.Process.Thread.Name, nil)
			})
		case 4:
			o, err := object(v)
			if err != nil {
				return err
			}
			dst := []*string{&e.Service.Name, &e.Service.Environment, &e.Service.Version}
			return r.each(o, []string{"name", "environment", "version"}, func(i int, v *fastjson.Value) error { return str(v, dst[i]) })
		case 5:
			e.Host = &Host{}
			return r.strings2(v, []string{"name"}, &e.Host.Name, nil)
		case 6:
			e.Error = &Error{}
			o, err := object(v)
			if err != nil {
				return err
			}
			dst := []*string{&e.Error.Type, &e.Error.Message, &e.Error.StackTrace}
			return r.each(o, []string{"type", "message", "stack_trace"}, func(i int, v *fastjson.Value) error { return str(v, dst[i]) })
		case 7:
			o, err := object(v)
			if err != nil {
				return err
			}
			return r.each(o, []string{"id", "ingested", "dataset"}, func(i int, v *fastjson.Value) error {
				switch i {
				case 0:
					return str(v, &e.Event.ID)
				case 1:
					return timestamp(v, &e.Event.Ingested)
				}
				return str(v, &e.Event.Dataset)
			})
		case 8:
			e.Trace = &Trace{}
			return r.strings2(v, []string{"id"}, &e.Trace.ID, nil)
		case 9:
			return r.labels(v, e)
		default:
			return r.readFaultline(v, &e.Faultline)
		}
	})
}

// strings2 reads an object of up to two string members.
func (r *reader) strings2(v *fastjson.Value, keys []string, a, b *string) error {
	o, err := object(v)
	if err != nil {
		return err
	}
	return r.each(o, keys, func(i int, v *fastjson.Value) error {
		if i == 0 {
			return str(v, a)
		}
		return str(v, b)
	})
}

func (r *reader) labels(v *fastjson.Value, e *Event) error {
	o, err := object(v)
	if err != nil {
		return err
	}
	e.Labels = make(map[string]string, o.Len())
	o.Visit(func(k []byte, v *fastjson.Value) {
		if err != nil {
			return
		}
		// A repeated label key: the last wins, as in encoding/json.
		switch v.Type() {
		case fastjson.TypeString:
			e.Labels[string(k)] = string(v.GetStringBytes())
		case fastjson.TypeNull:
			// encoding/json stores the zero value for a null map element.
			e.Labels[string(k)] = ""
		default:
			err = errSlowPath
		}
	})
	return err
}

func (r *reader) readFaultline(v *fastjson.Value, f *Faultline) error {
	o, err := object(v)
	if err != nil {
		return err
	}
	r.faultline, r.faultlineEmpty = true, o.Len() == 0
	r.fingerprint = o.Get("fingerprint") != nil
	r.storedAt = o.Get("stored_at") != nil
	r.strategy = o.Get("grouping_strategy") != nil
	return r.each(o, []string{"fingerprint", "stored_at", "message_template", "exceptions", "platform", "grouping_strategy"}, func(i int, v *fastjson.Value) (err error) {
		switch i {
		case 0:
			return str(v, &f.Fingerprint)
		case 1:
			var t time.Time
			if err := timestamp(v, &t); err != nil {
				return err
			}
			f.StoredAt = &t
			return nil
		case 2:
			return str(v, &f.MessageTemplate)
		case 4:
			return str(v, &f.Platform)
		case 5:
			return str(v, &f.GroupingStrategy)
		}
		f.Exceptions, err = objects(v, r.readException)
		return err
	})
}

// objects reads an array of objects into a new slice (empty, not nil, for
// [], and a null element left zero, as encoding/json does).
func objects[T any](v *fastjson.Value, read func(*fastjson.Object, *T) error) ([]T, error) {
	arr, err := v.Array()
	if err != nil {
		return nil, errSlowPath
	}
	out := make([]T, len(arr))
	for i, v := range arr {
		if v.Type() == fastjson.TypeNull {
			continue
		}
		o, err := object(v)
		if err != nil {
			return nil, err
		}
		if err := read(o, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (r *reader) readException(o *fastjson.Object, ex *Exception) error {
	return r.each(o, []string{"type", "message", "frames"}, func(i int, v *fastjson.Value) (err error) {
		switch i {
		case 0:
			return str(v, &ex.Type)
		case 1:
			return str(v, &ex.Message)
		}
		ex.Frames, err = objects(v, r.readFrame)
		return err
	})
}

func (r *reader) readFrame(o *fastjson.Object, fr *Frame) error {
	return r.each(o, []string{"class", "method", "file", "line", "in_app"}, func(i int, v *fastjson.Value) error {
		switch i {
		case 0:
			return str(v, &fr.Class)
		case 1:
			return str(v, &fr.Method)
		case 2:
			return str(v, &fr.File)
		case 4:
			b, err := v.Bool()
			if err != nil {
				return errSlowPath
			}
			fr.InApp = &b
			return nil
		}
		// The parser took the number as it came: "07" is not JSON.
		r.num = v.MarshalTo(r.num[:0])
		if !jsonInt(r.num) {
			return errSlowPath
		}
		n, err := v.Int()
		if err != nil {
			return errSlowPath
		}
		fr.Line = n
		return nil
	})
}

// plainEscapes reports whether every backslash in b starts a valid JSON
// escape other than a surrogate (\uD800-\uDFFF, paired or not, which
// encoding/json replaces where the parser would keep it). A backslash
// outside a string is a syntax error the parser reports.
func plainEscapes(b []byte) bool {
	for {
		i := bytes.IndexByte(b, '\\')
		if i < 0 {
			return true
		}
		if i+1 >= len(b) {
			return false
		}
		switch b[i+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			b = b[i+2:]
		case 'u':
			if i+6 > len(b) || b[i+2] == 'd' || b[i+2] == 'D' {
				return false
			}
			for _, c := range b[i+2 : i+6] {
				if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
					return false
				}
			}
			b = b[i+6:]
		default:
			return false
		}
	}
}

// jsonInt reports whether b is an integer as JSON writes it: no sign but
// minus, no leading zero.
func jsonInt(b []byte) bool {
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
	}
	if len(b) == 0 || (b[0] == '0' && len(b) > 1) {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// HasControlByte reports whether b holds a byte below 0x20, eight bytes at a
// time: subtracting 0x20 from each byte borrows into the top bit exactly for
// those below it (the well-known "hasless" bit trick).
func HasControlByte(b []byte) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for len(b) >= 8 {
		x := binary.LittleEndian.Uint64(b)
		if (x-0x20*ones)&^x&highs != 0 {
			return true
		}
		b = b[8:]
	}
	for _, c := range b {
		if c < 0x20 {
			return true
		}
	}
	return false
}
