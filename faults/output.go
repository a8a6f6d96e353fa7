package faults

import (
	"errors"
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
// temporary file behind. Through a symbolic link the link's target is
// replaced and the link stays a link. A pipe or a device (or the process's
// own /dev/stdout) is written directly, as CreateOutput opens it, and never
// removed.
type Output struct {
	*os.File
	// path is the name the user gave; target is where Commit renames the
	// temporary file to ("": written directly).
	path, target string
	// placed: renamed over its target already (Place), written in place
	// from there on.
	placed, done bool
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
	if errors.Is(err, fs.ErrPermission) && info != nil {
		// A file the user may write in a directory they may not: the
		// temporary file goes to TMPDIR, and is copied over the file
		// when whole (see putInPlace).
		w, werr := os.OpenFile(target, os.O_WRONLY, 0)
		if werr != nil {
			return nil, &fs.PathError{Op: "open", Path: path, Err: unwrapPath(werr)}
		}
		w.Close()
		f, err = createSibling(filepath.Join(os.TempDir(), filepath.Base(target)))
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: unwrapPath(err)}
	}
	if info != nil {
		_ = f.Chmod(info.Mode().Perm()) // the file replaced keeps its mode
	}
	pending.Store(f.Name(), true)
	return &Output{File: f, path: path, target: target}, nil
}

// Direct reports whether the output is written in place (a pipe, a device).
func (o *Output) Direct() bool { return o.target == "" }

// Write writes to the file; its errors name the output, not its
// temporary file.
func (o *Output) Write(p []byte) (int, error) {
	n, err := o.File.Write(p)
	return n, o.named(err)
}

// Close closes the file, without putting it in place (Commit does).
func (o *Output) Close() error { return o.named(o.File.Close()) }

// named is err about the output's name, not its temporary file.
func (o *Output) named(err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case o.target == "":
	case errors.As(err, &pe):
		return &fs.PathError{Op: pe.Op, Path: o.path, Err: pe.Err}
	case errors.As(err, &le):
		return &fs.PathError{Op: "write", Path: o.path, Err: le.Err}
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
	f, err := putInPlace(tmp, o.target, o.File)
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

// putInPlace puts the temporary file tmp, whose content w holds, over
// target: renamed, or where the rename is not allowed (a directory the
// user may not write, a sticky one whose target is another user's, TMPDIR
// on another file system), copied over the target, whose open file it
// then returns, written to the end.
func putInPlace(tmp, target string, w *os.File) (*os.File, error) {
	err := os.Rename(tmp, target)
	if err == nil || !errors.Is(err, fs.ErrPermission) && !errors.Is(err, syscall.EXDEV) {
		return nil, err
	}
	if w == nil {
		if w, err = os.Open(tmp); err != nil {
			return nil, err
		}
		defer w.Close()
	}
	f, err := os.OpenFile(target, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return nil, err
	}
	if _, err := w.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := io.Copy(f, w); err != nil {
		f.Close()
		return nil, err
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
		if f, err = putInPlace(o.File.Name(), o.target, nil); f != nil {
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
