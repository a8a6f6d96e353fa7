package faults

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
)

// Output is a file a command writes that replaces what was there only once
// it is whole. A regular file, or a path not there yet, is written to a
// temporary sibling in its directory, renamed over it by Commit: a command
// refused, interrupted or failed (Abort) leaves the file as it was and no
// temporary file behind. Where the user may write the file but not rename
// over it, the temporary file is in TMPDIR and copied over the file
// instead (putInPlace). Through a symbolic link the link's target is
// replaced and the link stays a link. A pipe or a device (or the process's
// own /dev/stdout) is written directly, as CreateOutput opens it, and never
// removed.
type Output struct {
	*os.File
	// path is the name the user gave; target is where Commit renames the
	// temporary file to ("": written directly).
	path, target string
	// placed: renamed over its target already (Place), written in place
	// from there on. placeOnWrite: the first write places it.
	placed, done, placeOnWrite bool
	// mode is the target's, which the temporary file takes as it is
	// renamed over it (not before: it is read back, and 0200 allows no
	// reading); nil for a new file.
	mode *fs.FileMode
	// via is TMPDIR, where the temporary file is when none can be made
	// beside the target, for errors to say so.
	via string
}

// OpenOutput opens path to write as an Output. Its errors name path, as
// os.Create's do.
func OpenOutput(path string) (*Output, error) {
	target, info, direct := outputTarget(path)
	if direct {
		f, err := CreateOutput(path)
		if err != nil {
			return nil, err
		}
		return &Output{File: f, path: path}, nil
	}
	f, err := createSibling(target)
	via := ""
	switch {
	case errors.Is(err, fs.ErrPermission) && info != nil:
		// A file the user may write in a directory they may not: the
		// temporary file goes to TMPDIR, and is copied over the file
		// when whole (see putInPlace).
		if err := writable(path, target); err != nil {
			return nil, err
		}
		via = os.TempDir()
		if f, err = createSibling(filepath.Join(via, filepath.Base(target))); err != nil {
			return nil, &fs.PathError{Op: "open", Path: path,
				Err: fmt.Errorf("its directory is not writable, nor is TMPDIR %s: %w", via, unwrapPath(err))}
		}
	case err != nil:
		return nil, &fs.PathError{Op: "open", Path: path, Err: unwrapPath(err)}
	case info != nil && renameRefused(target, info):
		// Another user's file in a sticky directory: it will be copied
		// over, which needs it writable; known now, not after the run.
		if err := writable(path, target); err != nil {
			f.Close()
			os.Remove(f.Name())
			return nil, err
		}
	}
	o := &Output{File: f, path: path, target: target, via: via}
	if info != nil {
		mode := info.Mode().Perm()
		o.mode = &mode
	}
	pending.Store(f.Name(), true)
	return o, nil
}

// writable reports, as an error naming path, whether target cannot be
// opened to write.
func writable(path, target string) error {
	w, err := os.OpenFile(target, os.O_WRONLY, 0)
	if err != nil {
		return &fs.PathError{Op: "open", Path: path, Err: unwrapPath(err)}
	}
	return w.Close()
}

// renameRefused reports whether the kernel refuses to rename over target,
// of info, in its directory: a sticky one (as /tmp), whose file and
// directory are another user's.
func renameRefused(target string, info fs.FileInfo) bool {
	dir, err := os.Stat(filepath.Dir(target))
	if err != nil || dir.Mode()&fs.ModeSticky == 0 {
		return false
	}
	uid := os.Geteuid()
	fileStat, ok1 := info.Sys().(*syscall.Stat_t)
	dirStat, ok2 := dir.Sys().(*syscall.Stat_t)
	return uid != 0 && ok1 && ok2 && int(fileStat.Uid) != uid && int(dirStat.Uid) != uid
}

// Direct reports whether the output is written in place (a pipe, a device).
func (o *Output) Direct() bool { return o.target == "" }

// Write writes to the file; its errors name the output, not its
// temporary file.
func (o *Output) Write(p []byte) (int, error) {
	if o.placeOnWrite && !o.placed && len(p) > 0 {
		if err := o.Place(); err != nil {
			return 0, err
		}
	}
	n, err := o.File.Write(p)
	err = o.named(err)
	if pe, ok := err.(*fs.PathError); ok && o.via != "" && !o.placed {
		// The temporary file is in TMPDIR: its disk is the one that failed.
		pe.Err = fmt.Errorf("in TMPDIR %s: %w", o.via, pe.Err)
	}
	return n, err
}

// Close closes the file, without putting it in place (Commit does).
func (o *Output) Close() error { return o.named(o.File.Close()) }

// named is err about the output's name, not its temporary file.
func (o *Output) named(err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case o.target == "" || err == nil:
		return err
	case errors.As(err, &pe):
		err = &fs.PathError{Op: pe.Op, Path: o.path, Err: pe.Err}
	case errors.As(err, &le):
		err = &fs.PathError{Op: "write", Path: o.path, Err: le.Err}
	}
	return err
}

// Place puts the output in place now, while it is written: for a log
// that is worth reading as it grows (tail -f), and worth keeping in part.
// Commit then only closes it, and Abort leaves it.
func (o *Output) Place() error {
	if o.target == "" || o.placed || o.done {
		return nil
	}
	tmp := o.File.Name()
	f, err := putInPlace(tmp, o.target, o.File, o.mode)
	if err != nil {
		return o.named(err)
	}
	if f != nil { // copied: written in place from here on
		o.File.Close()
		os.Remove(tmp)
		o.File = f
	}
	o.placed = true
	pending.Delete(tmp)
	return nil
}

// PlaceOnWrite has the first write put the output in place (Place): a
// log read as it grows, which leaves what was there as it was until it
// has something to say (a run stopped before its first event). Call it
// before the writes, from their goroutine or before it starts.
func (o *Output) PlaceOnWrite() { o.placeOnWrite = true }

// Placed reports whether the output is in place already, written there.
func (o *Output) Placed() bool { return o.placed }

// putInPlace puts the temporary file tmp, whose content w holds, over
// target, giving it mode first (if not nil): renamed, or where the rename
// is not allowed (a directory the user may not write, a sticky one whose
// target is another user's, TMPDIR on another file system), copied over
// the target, whose open file it then returns, written to the end.
func putInPlace(tmp, target string, w *os.File, mode *fs.FileMode) (*os.File, error) {
	if mode != nil {
		_ = os.Chmod(tmp, *mode) // the file replaced keeps its mode
	}
	err := os.Rename(tmp, target)
	if err == nil || !errors.Is(err, fs.ErrPermission) && !errors.Is(err, syscall.EXDEV) {
		return nil, err
	}
	if mode != nil {
		_ = os.Chmod(tmp, 0o600) // copied, not renamed: read back
	}
	if w == nil {
		if w, err = os.Open(tmp); err != nil {
			return nil, err
		}
		defer w.Close()
	}
	return copyOver(target, w)
}

// copyOver writes w's content over target, which it opens, and returns
// written to the end. It reserves the room first, so that a full disk
// leaves the target as it was rather than cut.
func copyOver(target string, w *os.File) (*os.File, error) {
	info, err := w.Stat()
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(target, os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*os.File, error) {
		f.Close()
		return nil, err
	}
	if err := reserve(f, info.Size()); err != nil {
		return fail(err)
	}
	if _, err := w.Seek(0, io.SeekStart); err != nil {
		return fail(err)
	}
	if _, err := io.Copy(f, w); err != nil {
		return fail(err)
	}
	if err := f.Truncate(info.Size()); err != nil {
		return fail(err)
	}
	return f, nil
}

// Commit closes the output (if it is still open) and puts it in place:
// the temporary file renamed over the target. On error the temporary file
// is removed and the target left as it was.
func (o *Output) Commit() error {
	if o.done {
		return nil
	}
	o.done = true
	err := o.File.Close()
	if errors.Is(err, os.ErrClosed) {
		err = nil
	}
	if o.target == "" || o.placed {
		return o.named(err)
	}
	if err == nil {
		var f *os.File
		if f, err = putInPlace(o.File.Name(), o.target, nil, o.mode); f != nil {
			err = f.Close()
			os.Remove(o.File.Name()) // copied, not renamed
		}
	}
	if err != nil {
		os.Remove(o.File.Name())
	}
	pending.Delete(o.File.Name())
	return o.named(err)
}

// Abort closes the output (if it is still open) and removes its temporary
// file: the target is left as it was. A direct output, or one placed
// already, keeps what was written to it.
func (o *Output) Abort() {
	if o.done {
		return
	}
	o.done = true
	o.File.Close()
	if o.target != "" && !o.placed {
		os.Remove(o.File.Name())
		pending.Delete(o.File.Name())
	}
}

// pending are the temporary files of the outputs not yet committed or
// aborted.
var pending sync.Map

// RemovePendingOutputs removes the temporary files of every output still
// open, leaving their targets as they were: for a process about to exit
// at once (a second Ctrl-C) without closing them.
func RemovePendingOutputs() {
	pending.Range(func(name, _ any) bool {
		os.Remove(name.(string))
		return true
	})
}

// outputTarget follows path's symbolic links to the file a rename must
// replace, with its information (nil: not there yet). It says direct for
// what is written in place: a pipe, a device, a directory (whose error
// os.Create gives), a file of /proc (/dev/stdout is the process's own
// stdout, not a file to replace), or a path that cannot be looked at.
func outputTarget(path string) (target string, info fs.FileInfo, direct bool) {
	p, ok := ResolveLinks(path)
	if !ok || underProc(p) {
		return "", nil, true // a loop of links: os.Create says so
	}
	li, err := os.Lstat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return p, nil, false
	case err != nil || !li.Mode().IsRegular():
		return "", nil, true
	}
	return p, li, false
}

// WrittenAt is the absolute path a write to path reaches (ResolveLinks):
// where two names that lead to one file meet.
func WrittenAt(path string) (string, bool) {
	p, ok := ResolveLinks(path)
	if !ok {
		return "", false
	}
	abs, err := filepath.Abs(p)
	return abs, err == nil
}

// ResolveLinks is the path a write to path reaches, which need not exist:
// the symbolic links of its last element followed, each target read from
// its link's directory with that directory's own links resolved, as the
// kernel reads it (through dir -> a/b, dir/link -> ../x is a/x, not x).
// ok is false for a loop of links.
func ResolveLinks(path string) (string, bool) {
	p := path
	for range 40 { // as many links as Linux follows
		if dir, err := filepath.EvalSymlinks(filepath.Dir(p)); err == nil {
			p = filepath.Join(dir, filepath.Base(p))
		}
		link, err := os.Readlink(p)
		if err != nil {
			return p, true // not a link, or not there
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(p), link)
		}
		p = link
	}
	return "", false
}

// underProc reports whether path is in /proc, through any links of its
// directory (/dev/fd is /proc/self/fd).
func underProc(path string) bool {
	abs, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(abs))
	if err != nil {
		return false
	}
	return dir == "/proc" || strings.HasPrefix(dir, "/proc/")
}

// createSibling creates a new, empty temporary file beside target, hidden
// and named after it.
func createSibling(target string) (*os.File, error) {
	dir, base := filepath.Split(target)
	if len(base) > 100 {
		base = base[:100] // a name of 255 bytes has no longer sibling
	}
	for {
		n := siblings.Add(1)
		name := filepath.Join(dir, "."+base+"."+strconv.Itoa(os.Getpid())+"-"+strconv.FormatInt(n, 10)+".tmp")
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
}

// siblings numbers the temporary files of this process.
var siblings atomic.Int64

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
