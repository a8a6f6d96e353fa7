package main

import (
	"os"

	"lab/faults"
)

// namedPath is a file a command reads or writes, named as the user gave it.
type namedPath struct{ what, path string }

// distinctFiles refuses two outputs, or an output and an input, that are
// one file: `--events x --schedule-out x` interleaved two formats in one
// file (and the report's hash named neither), and `lab replay s --events s`
// overwrote the schedule it replayed. A named pipe is one file too (two
// streams written into it mix). Devices (/dev/null) may be shared.
func distinctFiles(inputs, outputs []namedPath) error {
	for i, out := range outputs {
		for _, other := range append(append([]namedPath(nil), inputs...), outputs[:i]...) {
			if sameFile(out.path, other.path) {
				return usageError("%s %s: the same file as %s", out.what, out.path, other.what)
			}
		}
	}
	return nil
}

// sameFile reports whether a and b name one regular file or named pipe,
// or one path that does not exist yet (through symbolic links: a link to
// a file not written yet is that file).
func sameFile(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	ia, errA := os.Stat(a)
	ib, errB := os.Stat(b)
	switch {
	case errA == nil && errB == nil:
		shared := ia.Mode().IsRegular() || ia.Mode()&os.ModeNamedPipe != 0
		return shared && os.SameFile(ia, ib)
	case os.IsNotExist(errA) && os.IsNotExist(errB):
		ra, okA := faults.WrittenAt(a)
		rb, okB := faults.WrittenAt(b)
		return okA && okB && ra == rb
	}
	return false
}
