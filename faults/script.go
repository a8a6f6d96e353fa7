package faults

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Command is one line of a script: a verb and its arguments.
type Command struct {
	Line int
	Verb string
	Args []Arg
}

// Arg is `key=value`, or a bare word (Val empty).
type Arg struct{ Key, Val string }

func (c Command) String() string {
	parts := []string{c.Verb}
	for _, a := range c.Args {
		if a.Val == "" {
			parts = append(parts, a.Key)
		} else {
			parts = append(parts, a.Key+"="+a.Val)
		}
	}
	return strings.Join(parts, " ")
}

// ScriptError is a script that cannot run as written (exit code 2).
type ScriptError struct {
	File string
	Line int
	Msg  string
}

func (e *ScriptError) Error() string {
	if e.File == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// ParseScript reads a script: one command per line, `#` starts a comment.
func ParseScript(file string, src []byte) ([]Command, error) {
	var cmds []Command
	err := eachCommand(file, src, func(c Command) error {
		cmds = append(cmds, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cmds, nil
}

// eachCommand hands the commands of a script or schedule to fn one at a
// time, in order, so that a schedule of millions of lines is never held
// twice over; it stops at the first line it cannot split or fn refuses.
func eachCommand(file string, src []byte, fn func(Command) error) error {
	for n := 1; len(src) > 0; n++ {
		var line string
		if i := bytes.IndexByte(src, '\n'); i >= 0 {
			line, src = string(src[:i]), src[i+1:]
		} else {
			line, src = string(src), nil
		}
		if col, bad := unprintable(line); bad != "" {
			return &ScriptError{File: file, Line: n, Msg: fmt.Sprintf("column %d: %s", col, bad)}
		}
		if c, _, ok := strings.Cut(line, "#"); ok {
			line = c
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		c := Command{Line: n, Verb: fields[0]}
		if len(fields) > 1 {
			c.Args = make([]Arg, 0, len(fields)-1)
		}
		for _, f := range fields[1:] {
			k, v, hasVal := strings.Cut(f, "=")
			if k == "" || (hasVal && v == "") {
				return &ScriptError{File: file, Line: n, Msg: fmt.Sprintf("malformed argument %q", f)}
			}
			c.Args = append(c.Args, Arg{k, v})
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

// unprintable finds the first byte a script line cannot hold: invalid
// UTF-8 or a control character other than tab (and the \r of a CRLF
// ending). It returns its 1-based column and a description that quotes it.
func unprintable(line string) (int, string) {
	line = strings.TrimSuffix(line, "\r")
	for i, r := range line {
		switch {
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(line[i:]); size <= 1 {
				return i + 1, fmt.Sprintf("invalid UTF-8 byte %q", line[i:i+1])
			}
		case r != '\t' && !unicode.IsPrint(r) && !unicode.IsSpace(r):
			return i + 1, fmt.Sprintf("control character %q", r)
		}
	}
	return 0, ""
}

// args reads a command's key=value arguments against what its verb
// accepts; bare words are read with words().
type args struct {
	c   Command
	err error
}

func (c Command) args(keys ...string) *args {
	a := &args{c: c}
	for _, arg := range c.Args {
		if arg.Val == "" {
			continue
		}
		known := false
		for _, k := range keys {
			known = known || k == arg.Key
		}
		if !known && len(keys) == 0 {
			a.fail("unknown argument %s= for %s: it takes no arguments", arg.Key, c.Verb)
			break
		}
		if !known {
			a.fail("unknown argument %s= for %s (want %s)", arg.Key, c.Verb, strings.Join(keys, "=, ")+"=")
			break
		}
	}
	return a
}

// checkArgs refuses what a verb would otherwise ignore: a bare word
// (`config partitions 4` left partitions at 1), except where the verb reads
// one (advance, expect), and a key given twice (the first one won).
func (c Command) checkArgs() error {
	for _, arg := range c.Args {
		if arg.Val == "" {
			switch ex := verbs[c.Verb].example; {
			case c.Verb == "advance" || c.Verb == "expect":
			case !strings.Contains(ex, "="):
				return &ScriptError{Line: c.Line, Msg: fmt.Sprintf("%s takes no arguments, not %q", c.Verb, arg.Key)}
			default:
				return &ScriptError{Line: c.Line, Msg: fmt.Sprintf("unexpected word %q: want key=value arguments, like: %s", arg.Key, ex)}
			}
			continue
		}
	}
	if key, twice := c.twice(); twice {
		return &ScriptError{Line: c.Line, Msg: fmt.Sprintf("%s= given twice", key)}
	}
	return nil
}

// twice finds a key given twice, which would leave one of its values
// unread.
func (c Command) twice() (string, bool) {
	for i, arg := range c.Args {
		for _, before := range c.Args[:i] {
			if arg.Val != "" && before.Key == arg.Key && before.Val != "" {
				return arg.Key, true
			}
		}
	}
	return "", false
}

// words are the bare words of the command.
func (c Command) words() []string {
	var w []string
	for _, arg := range c.Args {
		if arg.Val == "" {
			w = append(w, arg.Key)
		}
	}
	return w
}

func (a *args) fail(format string, v ...any) {
	if a.err == nil {
		a.err = &ScriptError{Line: a.c.Line, Msg: fmt.Sprintf(format, v...)}
	}
}

func (a *args) lookup(key string) (string, bool) {
	for _, arg := range a.c.Args {
		if arg.Key == key && arg.Val != "" {
			return arg.Val, true
		}
	}
	return "", false
}

// parseArg sets *dst to key's value as parse reads it, when key is given.
func parseArg[T any](a *args, key string, parse func(string) (T, error), dst *T) {
	if v, ok := a.lookup(key); ok {
		x, err := parse(v)
		if err != nil {
			a.fail("%v", err)
			return
		}
		*dst = x
	}
}

func (a *args) str(key string, required bool) string {
	v, ok := a.lookup(key)
	if !ok && required {
		a.fail("%s needs %s=", a.c.Verb, key)
	}
	return v
}

func (a *args) int(key string, def int, required bool) int {
	v, ok := a.lookup(key)
	if !ok {
		if required {
			a.fail("%s needs %s=", a.c.Verb, key)
		}
		return def
	}
	n, err := strconv.Atoi(v)
	switch {
	case errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(v, "-"):
		a.fail("%s=%s: too large (at most %d)", key, v, math.MaxInt)
	case err != nil || n < 0:
		a.fail("%s=%s: want a whole number", key, v)
	}
	return n
}

func (a *args) duration(key string, def time.Duration) time.Duration {
	v, ok := a.lookup(key)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		a.fail("%s=%s: want a duration like 5ms", key, v)
	} else if d > MaxDelay {
		a.fail("%s=%s: at most %v", key, v, MaxDelay)
	}
	return d
}
