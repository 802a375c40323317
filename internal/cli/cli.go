package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
)

// IO is where a command writes: Out for its data (what a script pipes on),
// Err for progress, warnings and errors.
type IO struct {
	Out, Err io.Writer
}

// Parse parses args with fs, flags and positional arguments in any order
// (`groups mute FP --for 1h` as `groups mute --for 1h FP`); "--" ends the
// flags. On -h or --help it prints "Usage: " + synopsis and fs's flags
// (but those named in hide, which the command accepts and ignores) to out
// and returns flag.ErrHelp, which the caller answers with exit 0. Other
// errors name the flag and how to see the others.
func Parse(fs *flag.FlagSet, synopsis string, args []string, out io.Writer, hide ...string) ([]string, error) {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				Help(without(fs, hide), synopsis, out)
				return nil, err
			}
			return nil, fmt.Errorf("%s: %w (see %s -h)", fs.Name(), err, fs.Name())
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

// Help prints "Usage: " + synopsis and the flags of fs to out.
func Help(fs *flag.FlagSet, synopsis string, out io.Writer) {
	fmt.Fprintf(out, "Usage: %s\n", synopsis)
	if hasFlags(fs) {
		fmt.Fprintln(out, "\nFlags:")
		fs.SetOutput(out)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
}

// without is fs without the flags named in hide, for its help.
func without(fs *flag.FlagSet, hide []string) *flag.FlagSet {
	if len(hide) == 0 {
		return fs
	}
	shown := flag.NewFlagSet(fs.Name(), flag.ContinueOnError)
	fs.VisitAll(func(f *flag.Flag) {
		if !slices.Contains(hide, f.Name) {
			shown.Var(f.Value, f.Name, f.Usage)
			// The default as fs shows it: a secret's is blanked there.
			shown.Lookup(f.Name).DefValue = f.DefValue
		}
	})
	return shown
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// Action finds the first positional argument of args (an action such as
// "list"), skipping the flags fs knows with their values, and returns it and
// args without it. A flag fs does not know yet is taken to have no separate
// value. "" when there is none, or only -h / --help.
func Action(fs *flag.FlagSet, args []string) (action string, rest []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			if i+1 < len(args) {
				return args[i+1], append(append([]string{}, args[:i+1]...), args[i+2:]...)
			}
			return "", args
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			return a, append(append([]string{}, args[:i]...), args[i+1:]...)
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if f := fs.Lookup(name); f != nil && !hasValue && !isBool(f) {
			i++
		}
	}
	return "", args
}

func isBool(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// ParseDuration is time.ParseDuration that also takes days and weeks as a
// leading term ("1d", "2w", "1d12h"), which people write for mutes and
// retention; a day is 24 hours.
func ParseDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexAny(t, "dw")
	if i < 0 {
		d, err := time.ParseDuration(t)
		if err != nil {
			return 0, fmt.Errorf("duration %q: want a duration such as 90s, 30m, 24h, 1d or 2w", s)
		}
		return d, nil
	}
	neg := strings.HasPrefix(t, "-")
	digits := strings.TrimPrefix(strings.TrimPrefix(t[:i], "-"), "+")
	n, err := strconv.ParseUint(digits, 10, 32)
	if err != nil || digits == "" || digits[0] == '+' {
		return 0, fmt.Errorf("duration %q: want a whole number of days or weeks before d or w, such as 1d12h", s)
	}
	unit := 24 * time.Hour
	if t[i] == 'w' {
		unit *= 7
	}
	total := time.Duration(n) * unit
	if total/unit != time.Duration(n) || total < 0 {
		return 0, fmt.Errorf("duration %q: too long", s)
	}
	if rest := t[i+1:]; rest != "" {
		if rest[0] == '+' || rest[0] == '-' {
			return 0, fmt.Errorf("duration %q: want a duration such as 90s, 30m, 24h, 1d or 2w", s)
		}
		d, err := ParseDuration(rest)
		if err != nil || strings.ContainsAny(rest, "dw") {
			return 0, fmt.Errorf("duration %q: want a duration such as 90s, 30m, 24h, 1d or 2w", s)
		}
		if total+d < total {
			return 0, fmt.Errorf("duration %q: too long", s)
		}
		total += d
	}
	if neg {
		total = -total
	}
	return total, nil
}

// Duration is a flag.Value that reads ParseDuration's forms.
type Duration time.Duration

// DurationVar defines a duration flag that also takes days and weeks.
func DurationVar(fs *flag.FlagSet, p *time.Duration, name string, value time.Duration, usage string) {
	*p = value
	fs.Var((*Duration)(p), name, usage)
}

// DurationFlag is DurationVar returning a new variable, as fs.Duration does.
func DurationFlag(fs *flag.FlagSet, name string, value time.Duration, usage string) *time.Duration {
	p := new(time.Duration)
	DurationVar(fs, p, name, value, usage)
	return p
}

func (d *Duration) String() string { return time.Duration(*d).String() }

// Set parses s with ParseDuration.
func (d *Duration) Set(s string) error {
	v, err := ParseDuration(s)
	if err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), fmt.Sprintf("duration %q: ", s)))
	}
	*d = Duration(v)
	return nil
}

// Table prints rows under a header, aligned for a terminal; Flush writes it.
type Table struct{ w *tabwriter.Writer }

// NewTable starts a table on out with the given column names.
func NewTable(out io.Writer, header ...string) *Table {
	t := &Table{tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)}
	t.Row(header...)
	return t
}

// Row adds one row. Cells hold what senders wrote (titles, messages), so
// tabs and newlines become spaces, which keeps a cell from splitting a row,
// and other control characters U+FFFD, which keeps an escape sequence from
// reaching the terminal.
func (t *Table) Row(cells ...string) {
	for i, c := range cells {
		if i > 0 {
			io.WriteString(t.w, "\t")
		}
		io.WriteString(t.w, strings.Map(func(r rune) rune {
			switch {
			case r == '\t' || r == '\n' || r == '\r':
				return ' '
			case unicode.IsControl(r):
				return unicode.ReplacementChar
			}
			return r
		}, c))
	}
	io.WriteString(t.w, "\n")
}

// Short is the first line of s, cut to at most n characters with "…", for
// a table cell that stays one line of a terminal; --json has the whole.
func Short(s string, n int) string {
	s, _, cut := strings.Cut(s, "\n")
	s = strings.TrimRight(s, "\r")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	} else if cut {
		return s + " …"
	}
	return s
}

// Flush writes the table out.
func (t *Table) Flush() error { return t.w.Flush() }

// JSON writes v to out as indented JSON and a newline.
func JSON(out io.Writer, v any) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// version is set at build time with
// -ldflags "-X github.com/faultline/faultline/internal/cli.version=v1.2.3";
// without it the module version and VCS revision Go recorded are used.
var version string

// Version says which build this is: the -ldflags version, else the main
// module's version (a `go install …@v1.2.3`), else the VCS revision and
// whether the tree was modified, else "devel".
func Version() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	return versionOf(bi)
}

func versionOf(bi *debug.BuildInfo) string {
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "-dirty"
			}
		}
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	return "devel-" + rev + modified
}
