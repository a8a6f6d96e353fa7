// Package scripttest runs golden script stories: each directive of a
// datadriven file is a script command (README, Scripts), and its expected output
// is the events it caused, as the one describer prints them.
package scripttest

import (
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"lab/faults"
)

// Run runs every story (a .txt file) under dir; other files, such as fuzz
// corpora in testdata/fuzz, are not stories. Regenerate the outputs with
// -rewrite, and commit the changes only if you understand what caused them.
// A script error or an expect that fails fails the test even when the golden
// output records it.
func Run(t *testing.T, dir string) { RunWatching(t, dir, nil) }

// RunWatching is Run, and after every command, if after is not nil, hands
// it the runner, for checks on the run so far (a config command starts a
// new run).
func RunWatching(t *testing.T, dir string, after func(t *testing.T, r *faults.ScriptRunner)) {
	datadriven.Walk(t, dir, func(t *testing.T, path string) {
		if !strings.HasSuffix(path, ".txt") {
			return
		}
		r := faults.NewScriptRunner()
		r.SpillDir = t.TempDir()
		defer func() {
			if err := r.Close(); err != nil {
				t.Error(err)
			}
		}()
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			cmd := faults.Command{Line: line(d.Pos), Verb: d.Cmd}
			for _, a := range d.CmdArgs {
				cmd.Args = append(cmd.Args, faults.Arg{Key: a.Key, Val: strings.Join(a.Vals, ",")})
			}
			before := len(r.Failures())
			out, err := r.Exec(cmd)
			if err != nil {
				t.Errorf("%s: %v", d.Pos, err)
				out += "error: " + err.Error() + "\n"
			}
			for _, f := range r.Failures()[before:] {
				t.Errorf("%s: %s", d.Pos, f)
			}
			if after != nil {
				after(t, r)
			}
			return out
		})
	})
}

func line(pos string) int {
	n, _ := strconv.Atoi(pos[strings.LastIndexByte(pos, ':')+1:])
	return n
}
