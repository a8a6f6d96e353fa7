package main

import (
	"os"
	"path/filepath"
	"testing"
)

// Two names of one file not written yet are one file, through links of
// the file and of its directory.
func TestSameFileThroughLinks(t *testing.T) {
	dir := t.TempDir()
	in := func(name string) string { return filepath.Join(dir, name) }
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Mkdir(in("real"), 0o755))
	must(os.Symlink("real", in("alias")))              // a directory link
	must(os.Symlink("out.json", in("link")))           // dangling, relative
	must(os.Symlink(in("link"), in("link-to-link")))   // a chain
	must(os.Symlink("real/out.json", in("into-real"))) // dangling, through a directory
	must(os.WriteFile(in("written"), []byte("x"), 0o644))
	must(os.Symlink("written", in("written-link")))
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"out.json", "link", true},
		{"out.json", "link-to-link", true},
		{"real/out.json", "alias/out.json", true},
		{"into-real", "alias/out.json", true},
		{"written", "written-link", true},
		{"out.json", "real/out.json", false},
		{"link", "into-real", false},
		{"missing-dir/out.json", "missing-dir/out.json", true},
		{"missing-dir/a", "missing-dir/b", false},
		{"written", "out.json", false},
	} {
		if got := sameFile(in(c.a), in(c.b)); got != c.same {
			t.Errorf("sameFile(%s, %s) = %v, want %v", c.a, c.b, got, c.same)
		}
	}
}
