package invoker_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"lab/invoker"
)

func newFileStore(t *testing.T) *invoker.FileStore {
	t.Helper()
	s, err := invoker.FileStores(t.TempDir())(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	fs, ok := s.(*invoker.FileStore)
	if !ok {
		t.Fatalf("FileStores made a %T", s)
	}
	return fs
}

// regularFile is a path that exists and is not a directory: nothing can be
// created under it, even as root.
func regularFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFileStoresOnRegularFile(t *testing.T) {
	base := regularFile(t)
	s, err := invoker.FileStores(base)(0, 0)
	if !errors.Is(err, invoker.ErrSpillDir) {
		t.Fatalf("FileStores(%q) = %v, %v; want an error wrapping ErrSpillDir", base, s, err)
	}
	for _, shared := range []bool{false, true} {
		cfg := invoker.DefaultConfig()
		cfg.SharedInvoker = shared
		cfg.Store = invoker.FileStores(base)
		n, err := invoker.New(cfg)
		if !errors.Is(err, invoker.ErrSpillDir) || n != nil {
			t.Fatalf("shared=%v: New = %v, %v; want nil and an error wrapping ErrSpillDir", shared, n, err)
		}
	}
}

// TestNewRemovesStoresOfStartedInvokers: when the store of a later invoker
// cannot be opened, New removes the directories it already made.
func TestNewRemovesStoresOfStartedInvokers(t *testing.T) {
	base := t.TempDir()
	good := invoker.FileStores(base)
	bad := invoker.FileStores(regularFile(t))
	var dirs []string
	cfg := invoker.DefaultConfig()
	cfg.Store = func(i, inc int) (invoker.SegmentStore, error) {
		if i == 2 {
			return bad(i, inc)
		}
		s, err := good(i, inc)
		if err == nil {
			dirs = append(dirs, s.(*invoker.FileStore).Dir())
		}
		return s, err
	}
	if _, err := invoker.New(cfg); !errors.Is(err, invoker.ErrSpillDir) {
		t.Fatalf("New = %v, want ErrSpillDir", err)
	}
	if len(dirs) != 2 {
		t.Fatalf("made %d directories before failing, want 2", len(dirs))
	}
	for _, d := range dirs {
		if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("directory %s of a started invoker is still there (%v)", d, err)
		}
	}
	if left, _ := os.ReadDir(base); len(left) != 0 {
		t.Errorf("base directory keeps %d entries", len(left))
	}
}

func TestFileStoreRoundTrip(t *testing.T) {
	s := newFileStore(t)
	long := strings.Repeat("λ-long-id-", 5000)
	segs := map[uint64][]invoker.InvokeCmd{
		0: {},
		1: {{PLE: invoker.PLE{Partition: 0, Epoch: 1}, Inv: ""}},
		7: {
			{PLE: invoker.PLE{Partition: 3, Epoch: 1 << 62}, Inv: "日本語/🙂"},
			{PLE: invoker.PLE{Partition: -1, Epoch: 0}, Inv: "\x00\xff not utf-8 \n", Msg: 1 << 63},
			{PLE: invoker.PLE{Partition: 1 << 30, Epoch: ^invoker.Epoch(0)}, Inv: invoker.InvocationID(long)},
			{PLE: invoker.PLE{Partition: 2, Epoch: 5}, Inv: ""},
		},
	}
	for id, cmds := range segs {
		if err := s.Write(id, cmds); err != nil {
			t.Fatalf("Write(%d): %v", id, err)
		}
	}
	ids, err := s.Segments()
	if err != nil || !slices.Equal(ids, []uint64{0, 1, 7}) {
		t.Fatalf("Segments = %v, %v; want [0 1 7]", ids, err)
	}
	for _, id := range []uint64{7, 0, 1} {
		got, err := s.Read(id)
		if err != nil {
			t.Fatalf("Read(%d): %v", id, err)
		}
		if !slices.Equal(got, segs[id]) {
			t.Fatalf("Read(%d) = %v, want %v", id, got, segs[id])
		}
	}
	if ids, _ := s.Segments(); len(ids) != 0 {
		t.Fatalf("Read left segments %v", ids)
	}
	// Read removes the file: a second read fails.
	if _, err := s.Read(7); err == nil {
		t.Fatal("second Read of a segment succeeded")
	}
	// Writing an id again overwrites it.
	_ = s.Write(3, segs[7])
	_ = s.Write(3, segs[1])
	if got, err := s.Read(3); err != nil || !slices.Equal(got, segs[1]) {
		t.Fatalf("Read after overwrite = %v, %v", got, err)
	}
}

func TestFileStoreReadRemovesFile(t *testing.T) {
	s := newFileStore(t)
	cmds := []invoker.InvokeCmd{{PLE: invoker.PLE{Partition: 1, Epoch: 2}, Inv: "a"}}
	if err := s.Write(42, cmds); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(s.Dir(), "42.segment")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("segment file %s: %v", path, err)
	}
	if _, err := s.Read(42); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("after Read the file is still there (%v)", err)
	}
}

// readRecover reads a segment, turning a panic into a value so that one
// failing case does not take the whole test binary down.
func readRecover(s invoker.SegmentStore, id uint64) (cmds []invoker.InvokeCmd, panicked any, err error) {
	defer func() { panicked = recover() }()
	cmds, err = s.Read(id)
	return cmds, nil, err
}

// TestFileStoreCorruptSegments: a corrupt or truncated segment file is an
// error, not a panic. The "huge count" case fails: decodeSegment detects a
// record count larger than the file, but still calls make([]InvokeCmd, 0, n)
// with it before looking at the error, and makeslice panics (for counts just
// under the makeslice limit the runtime would instead die out of memory).
func TestFileStoreCorruptSegments(t *testing.T) {
	valid := func(t *testing.T) []byte {
		s := newFileStore(t)
		cmds := []invoker.InvokeCmd{
			{PLE: invoker.PLE{Partition: 1, Epoch: 2}, Inv: "abc"},
			{PLE: invoker.PLE{Partition: 3, Epoch: 4}, Inv: "defgh"},
		}
		if err := s.Write(0, cmds); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(s.Dir(), "0.segment"))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}(t)
	cases := map[string][]byte{
		"empty":          {},
		"trailing bytes": append(slices.Clone(valid), 0),
		"huge count":     binary.AppendUvarint(nil, 1<<60),
		"huge id length": binary.AppendUvarint(binary.AppendUvarint(binary.AppendVarint(binary.AppendUvarint(nil, 1), 0), 1), 1<<40),
		"bad varint":     {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		"garbage":        []byte("this is not a segment at all"),
	}
	for cut := 1; cut < len(valid); cut++ {
		cases[fmt.Sprintf("truncated at %d", cut)] = valid[:cut]
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			s := newFileStore(t)
			if err := os.WriteFile(filepath.Join(s.Dir(), "9.segment"), data, 0o600); err != nil {
				t.Fatal(err)
			}
			got, p, err := readRecover(s, 9)
			if p != nil {
				t.Fatalf("Read of a %s segment panicked: %v", name, p)
			}
			if err == nil {
				t.Fatalf("Read of a %s segment = %v, want an error", name, got)
			}
		})
	}
}

func TestFileStoreSegmentsInOrder(t *testing.T) {
	s := newFileStore(t)
	for _, id := range []uint64{100, 2, 33, 0, 10} {
		if err := s.Write(id, nil); err != nil {
			t.Fatal(err)
		}
	}
	// Files that are not segments are not listed.
	for _, name := range []string{"junk", "x.segment", "5.segment.tmp", "-1.segment"} {
		if err := os.WriteFile(filepath.Join(s.Dir(), name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ids, err := s.Segments()
	if err != nil || !slices.Equal(ids, []uint64{0, 2, 10, 33, 100}) {
		t.Fatalf("Segments = %v, %v; want [0 2 10 33 100]", ids, err)
	}
}

func TestFileStoreRemove(t *testing.T) {
	s := newFileStore(t)
	if err := s.Write(1, []invoker.InvokeCmd{{Inv: "a"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.Dir()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("after Remove the directory is still there (%v)", err)
	}
	if ids, err := s.Segments(); err != nil || len(ids) != 0 {
		t.Fatalf("Segments after Remove = %v, %v; want none and no error", ids, err)
	}
	if err := s.Remove(); err != nil {
		t.Fatalf("second Remove: %v", err)
	}
	if err := s.Write(2, nil); err == nil {
		t.Fatal("Write into a removed store succeeded")
	}
}

// TestFileStoresDirectories: each invoker of each incarnation gets its own
// directory under base.
func TestFileStoresDirectories(t *testing.T) {
	base := t.TempDir()
	f := invoker.FileStores(base)
	seen := map[string]bool{}
	for inc := range 2 {
		for i := range 3 {
			s, err := f(i, inc)
			if err != nil {
				t.Fatal(err)
			}
			d := s.(*invoker.FileStore).Dir()
			if filepath.Dir(d) != base || seen[d] {
				t.Fatalf("store %d.%d in %s: not a fresh directory under %s", inc, i, d, base)
			}
			seen[d] = true
			if s.String() != d {
				t.Fatalf("String() = %q, want %q", s.String(), d)
			}
		}
	}
}

// A segment file or directory that the model did not remove, gone all the
// same, was taken by the host (someone ran rm, a tmp cleaner): no seed
// explains it, so it is a HostError, not a failure the model reacts to.
// One the model removed is the model's own (ErrNoSegment, ErrStoreRemoved).
func TestFileStoreTellsTheHostsLossesFromTheModels(t *testing.T) {
	s := newFileStore(t)
	if err := s.Write(1, []invoker.InvokeCmd{{Inv: "a"}}); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(s.Dir(), "1.segment")); err != nil {
		t.Fatal(err)
	}
	var host *invoker.HostError
	if _, err := s.Read(1); !errors.As(err, &host) {
		t.Errorf("Read of a segment the host deleted = %v, want a HostError", err)
	}
	if err := os.RemoveAll(s.Dir()); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(2, nil); !errors.As(err, &host) {
		t.Errorf("Write into a directory the host removed = %v, want a HostError", err)
	}
	if err := s.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Read(1); !errors.Is(err, invoker.ErrNoSegment) || errors.As(err, &host) {
		t.Errorf("Read after Remove = %v, want ErrNoSegment", err)
	}
	if err := s.Write(2, nil); !errors.Is(err, invoker.ErrStoreRemoved) || errors.As(err, &host) {
		t.Errorf("Write after Remove = %v, want ErrStoreRemoved", err)
	}
}
