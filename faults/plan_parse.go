package faults

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"lab/invoker"
)

// PlanError is a plan file that cannot be used, with where the problem is.
type PlanError struct {
	File         string
	Line, Column int
	Msg          string
}

func (e *PlanError) Error() string {
	// The YAML library quotes what it read as it was: an invisible
	// byte-order mark or an escape sequence went to the terminal.
	msg := Visible(e.Msg)
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, msg)
	}
	return fmt.Sprintf("%s: %s", e.File, msg)
}

// Visible writes the runes of s that do not print as Go escapes, and the
// bytes that are no UTF-8 as \xNN, so that text read from a user's file or
// file name cannot move a terminal's cursor, change its colours or break a
// one-line error (a lone 0x9b is a terminal's 8-bit CSI).
func Visible(s string) string {
	if utf8.ValidString(s) && strings.IndexFunc(s, notVisible) < 0 {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[0])
		case notVisible(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[:size])
		}
		s = s[size:]
	}
	return b.String()
}

func notVisible(r rune) bool { return !unicode.IsPrint(r) && r != ' ' }

// The file format, as written by users (YAML, or JSON which is YAML too).
type planFile struct {
	Name        string     `yaml:"name"`
	Description string     `yaml:"description"`
	Rules       []ruleFile `yaml:"rules"`
}

type ruleFile struct {
	// Kinds, Delay and Overtakes are read as any YAML value and checked in
	// check, so that a value of the wrong shape is an error at its position.
	Kinds       any      `yaml:"kinds"`
	Partition   *int     `yaml:"partition"`
	Epoch       *int     `yaml:"epoch"`
	Invocation  string   `yaml:"invocation"`
	Action      string   `yaml:"action"`
	Probability *float64 `yaml:"probability"`
	Delay       any      `yaml:"delay"`
	Overtakes   any      `yaml:"overtakes"`
	Window      *struct {
		From string `yaml:"from"`
		To   string `yaml:"to"`
	} `yaml:"window"`
	Limit int `yaml:"limit"`
}

// scalarText reads a number or a string, so that `overtakes: 3` and
// `overtakes: 1..3` both read; absent is "".
func scalarText(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "", true
	case string:
		return v, true
	case uint64, int64, float64:
		return fmt.Sprint(v), true
	}
	return "", false
}

// nameList reads `kinds: invoke` as well as `kinds: [invoke, abort]`.
func nameList(v any) ([]string, bool) {
	switch v := v.(type) {
	case nil:
		return nil, true
	case string:
		return []string{v}, true
	case []any:
		names := make([]string, 0, len(v))
		for _, x := range v {
			s, ok := x.(string)
			if !ok {
				return nil, false
			}
			names = append(names, s)
		}
		return names, true
	}
	return nil, false
}

// ReadPlanFile reads and checks a plan file.
func ReadPlanFile(path string) (*Plan, error) {
	data, err := ReadInput(path)
	if err != nil {
		return nil, &PlanError{File: path, Msg: "cannot read: " + err.Error()}
	}
	return ParsePlan(path, data)
}

// ParsePlan decodes and checks a plan. Every error names the line and column.
func ParsePlan(file string, data []byte) (*Plan, error) {
	// An editor's byte-order mark is no part of the plan: it read as a
	// field named "\ufeffname".
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if line, col, ok := secondDocument(data); ok {
		return nil, &PlanError{File: file, Line: line, Column: col, Msg: "a second YAML document: a plan file holds one plan"}
	}
	var pf planFile
	if err := decodeYAML(data, &pf); err != nil {
		if pe, ok := err.(*PlanError); ok {
			pe.File = file
			return nil, pe
		}
		pe := &PlanError{File: file, Msg: err.Error()}
		var ye yaml.Error
		if errors.As(err, &ye) {
			pe.Msg = ye.GetMessage()
			if tk := ye.GetToken(); tk != nil && tk.Position != nil {
				pe.Line, pe.Column = tk.Position.Line, tk.Position.Column
			}
		}
		pe.Msg = plainTypeError(firstLine(pe.Msg))
		pe.Line, pe.Column = max(pe.Line, 1), max(pe.Column, 1)
		return nil, pe
	}
	if pf.Name == "" && pf.Description == "" && pf.Rules == nil {
		return nil, &PlanError{File: file, Line: 1, Column: 1, Msg: "empty plan: want name: and rules: (lab plans chaos prints one)"}
	}
	p, path, msg := pf.check()
	if msg == "" {
		if p.Name != "" {
			return p, nil
		}
		p.Name = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
		if bad := unprintableName(p.Name); bad == "" {
			return p, nil
		}
		return nil, &PlanError{File: file, Line: 1, Column: 1,
			Msg: fmt.Sprintf("the plan has no name: and its file name %q is not printable text: give it a name:", p.Name)}
	}
	pe := &PlanError{File: file, Msg: msg}
	pe.Line, pe.Column = locate(data, path)
	pe.Line, pe.Column = max(pe.Line, 1), max(pe.Column, 1)
	return nil, pe
}

// secondDocument finds where a second YAML document with anything in it
// starts: the decoder read the first and ignored the rest.
func secondDocument(data []byte) (line, col int, ok bool) {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return 0, 0, false // the decoder says what is wrong
	}
	for _, doc := range f.Docs[min(1, len(f.Docs)):] {
		if doc == nil || doc.Body == nil {
			continue
		}
		line, col = 1, 1
		tk := doc.Start // its ---
		if tk == nil {
			tk = doc.Body.GetToken()
		}
		if tk != nil && tk.Position != nil {
			line, col = tk.Position.Line, tk.Position.Column
		}
		return line, col, true
	}
	return 0, 0, false
}

// decodeYAML decodes a plan strictly. The YAML library panics on some
// malformed documents (a bare `!` tag before a sequence, found by fuzzing);
// that is reported as an error at the first tag, not as a crash of the lab.
func decodeYAML(data []byte, pf *planFile) (err error) {
	defer func() {
		if p := recover(); p != nil {
			line, col := 1, 1
			for _, tk := range lexer.Tokenize(string(data)) {
				if tk.Type == token.TagType && tk.Position != nil {
					line, col = tk.Position.Line, tk.Position.Column
					break
				}
			}
			err = &PlanError{Line: line, Column: col, Msg: "malformed YAML the parser cannot read (check the tags and indentation here)"}
		}
	}()
	return yaml.UnmarshalWithOptions(data, pf, yaml.Strict(), yaml.DisallowUnknownField())
}

// locate finds the line and column of a YAML path like $.rules[1].action.
func locate(data []byte, path string) (int, int) {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return 0, 0
	}
	for p := path; p != ""; p = parentPath(p) {
		yp, err := yaml.PathString(p)
		if err != nil {
			continue
		}
		if node, err := yp.FilterFile(f); err == nil && node != nil {
			if tk := node.GetToken(); tk != nil && tk.Position != nil {
				return tk.Position.Line, tk.Position.Column
			}
		}
	}
	return 0, 0
}

func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i <= 1 {
		return ""
	}
	return p[:i]
}

// goTypeError is the decoder's message for a value of the wrong type,
// which names Go types instead of what the plan wants.
var goTypeError = regexp.MustCompile(`cannot unmarshal .* into Go .* of type \*?(\w+)`)

var wantedTypes = map[string]string{"int": "a whole number", "float64": "a number", "string": "a string"}

func plainTypeError(msg string) string {
	m := goTypeError.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	if want, ok := wantedTypes[m[1]]; ok {
		return "want " + want + " here"
	}
	return "a value of the wrong type here"
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(line)
}

// unprintableName says what a plan's name may not hold: the name goes
// into reports and schedules, where a control character, tab, line break
// or other invisible character garbled the terminal or made the recorded
// schedule unreadable by lab replay.
func unprintableName(s string) string {
	if !utf8.ValidString(s) {
		return "want valid UTF-8"
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return fmt.Sprintf("want printable text, not %q", r)
		}
	}
	return ""
}

// check turns the file into a Plan, or names the first field that is wrong
// (as a YAML path) and why.
func (pf planFile) check() (*Plan, string, string) {
	p := &Plan{Name: pf.Name, Description: pf.Description}
	if bad := unprintableName(pf.Name); bad != "" {
		return nil, "$.name", fmt.Sprintf("name %q: %s", pf.Name, bad)
	}
	for i, rf := range pf.Rules {
		at := func(field string) string { return fmt.Sprintf("$.rules[%d].%s", i, field) }
		r := Rule{Probability: 1, Invocation: invoker.InvocationID(rf.Invocation), Limit: rf.Limit}
		kinds, ok := nameList(rf.Kinds)
		if !ok {
			return nil, at("kinds"), "kinds must be a name or a list of names"
		}
		delay, ok := scalarText(rf.Delay)
		if !ok {
			return nil, at("delay"), `delay must be a duration like "5ms" or a range like "1ms..20ms"`
		}
		overtakes, ok := scalarText(rf.Overtakes)
		if !ok {
			return nil, at("overtakes"), `overtakes must be a count like 3 or a range like "1..3"`
		}
		if len(kinds) == 0 {
			return nil, fmt.Sprintf("$.rules[%d]", i), "a rule needs kinds: " + kindList()
		}
		for _, k := range kinds {
			mk, ok := invoker.ParseMsgKind(k)
			if !ok {
				return nil, at("kinds"), fmt.Sprintf("unknown kind %q (want one of %s)", k, kindList())
			}
			r.Kinds = append(r.Kinds, mk)
		}
		act, ok := parseAction(rf.Action)
		if !ok {
			return nil, at("action"), fmt.Sprintf("action must be delay, drop, reorder or duplicate, not %q", rf.Action)
		}
		r.Action = act
		if rf.Partition != nil {
			if *rf.Partition < 0 {
				return nil, at("partition"), "partition must be 0 or more"
			}
			pid := invoker.PartitionID(*rf.Partition)
			r.Partition = &pid
		}
		if rf.Epoch != nil {
			if *rf.Epoch < 1 {
				return nil, at("epoch"), "epoch must be 1 or more"
			}
			e := invoker.Epoch(*rf.Epoch)
			r.Epoch = &e
		}
		if rf.Probability != nil {
			if *rf.Probability < 0 || *rf.Probability > 1 || math.IsNaN(*rf.Probability) {
				return nil, at("probability"), fmt.Sprintf("probability must be within [0, 1], not %g", *rf.Probability)
			}
			r.Probability = *rf.Probability
		}
		switch {
		case act == Delay && delay == "":
			return nil, fmt.Sprintf("$.rules[%d]", i), `a delay rule needs delay: a duration like "5ms" or a range like "1ms..20ms"`
		case act != Delay && act != Duplicate && delay != "":
			return nil, at("delay"), "delay only applies to actions delay and duplicate"
		case act == Reorder && overtakes == "":
			return nil, fmt.Sprintf("$.rules[%d]", i), `a reorder rule needs overtakes: a count like 3 or a range like "1..3"`
		case act != Reorder && overtakes != "":
			return nil, at("overtakes"), "overtakes only applies to action: reorder"
		case rf.Limit < 0:
			return nil, at("limit"), "limit must be 0 (no limit) or more"
		}
		if delay != "" {
			lo, hi, err := parseRange(delay)
			if err != nil {
				return nil, at("delay"), err.Error()
			}
			if hi > MaxDelay {
				return nil, at("delay"), fmt.Sprintf("a delay can be at most %v, not %v", MaxDelay, hi)
			}
			r.DelayMin, r.DelayMax = lo, hi
		}
		if overtakes != "" {
			lo, hi, err := parseCountRange(overtakes)
			if err != nil {
				return nil, at("overtakes"), err.Error()
			}
			r.OvertakesMin, r.OvertakesMax = lo, hi
		}
		if rf.Window != nil {
			var err error
			if r.From, err = parseDuration(rf.Window.From, 0); err != nil {
				return nil, at("window.from"), err.Error()
			}
			if r.To, err = parseDuration(rf.Window.To, 0); err != nil {
				return nil, at("window.to"), err.Error()
			}
			if r.To != 0 && r.To <= r.From {
				return nil, at("window.to"), "window.to must be after window.from"
			}
		}
		p.Rules = append(p.Rules, r)
	}
	return p, "", ""
}

// parseRange reads "5ms" or "1ms..20ms".
func parseRange(s string) (time.Duration, time.Duration, error) {
	lo, hi, isRange := strings.Cut(s, "..")
	min, err := parseDuration(lo, -1)
	if err != nil {
		return 0, 0, err
	}
	if !isRange {
		return min, min, nil
	}
	max, err := parseDuration(hi, -1)
	if err != nil {
		return 0, 0, err
	}
	if max < min {
		return 0, 0, fmt.Errorf("range %q ends before it starts", s)
	}
	return min, max, nil
}

// parseCountRange reads "3" or "1..3", counts of at least 1.
func parseCountRange(s string) (int, int, error) {
	lo, hi, isRange := strings.Cut(s, "..")
	if !isRange {
		hi = lo
	}
	a, errA := strconv.Atoi(strings.TrimSpace(lo))
	b, errB := strconv.Atoi(strings.TrimSpace(hi))
	if errA != nil || errB != nil || a < 1 || b < a {
		return 0, 0, fmt.Errorf("%q is not a count of 1 or more, or a range like \"1..3\"", s)
	}
	return a, b, nil
}

// parseDuration reads a Go duration; empty means def (or is an error when def < 0).
func parseDuration(s string, def time.Duration) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		if def < 0 {
			return 0, errors.New(`want a duration like "5ms"`)
		}
		return def, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration like \"5ms\" or \"1.5s\"", s)
	}
	return d, nil
}

func kindList() string {
	var names []string
	for _, k := range invoker.MsgKinds() {
		names = append(names, k.String())
	}
	return strings.Join(names, ", ")
}
