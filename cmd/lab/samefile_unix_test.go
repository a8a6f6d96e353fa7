//go:build unix

package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Two names of one named pipe are one file: two outputs written into it
// would mix. Two names of one character device (/dev/null) are not: two
// outputs may both be discarded.
func TestSameFileNamedPipeNotDevice(t *testing.T) {
	dir := t.TempDir()
	in := func(name string) string { return filepath.Join(dir, name) }
	for _, name := range []string{"fifo", "other"} {
		if err := syscall.Mkfifo(in(name), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range [][2]string{{"fifo", "lf"}, {"/dev/null", "null1"}, {"/dev/null", "null2"}} {
		if err := os.Symlink(l[0], in(l[1])); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{in("fifo"), in("lf"), true},
		{in("fifo"), in("fifo"), true},
		{in("fifo"), in("other"), false},
		{in("null1"), in("null2"), false},
		{"/dev/null", in("null1"), false},
	} {
		if got := sameFile(c.a, c.b); got != c.same {
			t.Errorf("sameFile(%s, %s) = %v, want %v", c.a, c.b, got, c.same)
		}
	}
}
