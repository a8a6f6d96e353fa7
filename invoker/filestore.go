package invoker

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

const segmentSuffix = ".segment"

// ErrSpillDir marks a spill directory that cannot be created.
var ErrSpillDir = errors.New("spill directory")

// FileStores gives each invoker its own temporary directory under base, as
// Restate's invoker does under $TMP/invoker-<ULID>. The directory is created
// when the invoker starts; a base that cannot be written is an error, not a
// panic.
func FileStores(base string) StoreFactory {
	return func(invoker, incarnation int) (SegmentStore, error) {
		dir, err := os.MkdirTemp(base, fmt.Sprintf("invoker-%d.%d-", incarnation, invoker))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrSpillDir, err)
		}
		return &FileStore{dir: dir}, nil
	}
}

// FileStore keeps one file per spilled segment, named <id>.segment.
type FileStore struct {
	dir string
	// removed: the model removed the directory (Remove). shared: several
	// invokers spill into it (Config.SharedTmpDir), and take each other's
	// segments. A file or directory gone otherwise was taken by the host.
	removed, shared bool
}

func (s *FileStore) path(id uint64) string {
	return filepath.Join(s.dir, strconv.FormatUint(id, 10)+segmentSuffix)
}

// Write encodes the segment as a count followed by length-prefixed records.
func (s *FileStore) Write(id uint64, cmds []InvokeCmd) error {
	f, err := os.OpenFile(s.path(id), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if errors.Is(err, fs.ErrNotExist) && s.removed {
		return fmt.Errorf("spill segment %d: %w", id, ErrStoreRemoved)
	}
	if err != nil {
		return hostError("spill segment %d: %w", id, withoutDir(err))
	}
	w := bufio.NewWriter(f)
	var buf []byte
	buf = binary.AppendUvarint(buf, uint64(len(cmds)))
	for _, c := range cmds {
		buf = binary.AppendVarint(buf, int64(c.PLE.Partition))
		buf = binary.AppendUvarint(buf, uint64(c.PLE.Epoch))
		buf = binary.AppendUvarint(buf, uint64(len(c.Inv)))
		buf = append(buf, c.Inv...)
		buf = binary.AppendUvarint(buf, c.Msg)
	}
	_, werr := w.Write(buf)
	if werr == nil {
		werr = w.Flush()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return hostError("spill segment %d: %w", id, withoutDir(werr))
	}
	return nil
}

// hostError is a failure of the file system under a store.
func hostError(format string, v ...any) error { return &HostError{Err: fmt.Errorf(format, v...)} }

// Read decodes segment id and removes its file. A segment that cannot be
// decoded is lost either way, so its file is removed too.
func (s *FileStore) Read(id uint64) ([]InvokeCmd, error) {
	data, err := os.ReadFile(s.path(id))
	if errors.Is(err, fs.ErrNotExist) && (s.removed || s.shared) {
		return nil, fmt.Errorf("load segment %d: %w", id, ErrNoSegment)
	}
	if err != nil {
		return nil, hostError("load segment %d: %w", id, withoutDir(err))
	}
	cmds, derr := decodeSegment(data)
	if err := os.Remove(s.path(id)); err != nil && derr == nil {
		return nil, hostError("load segment %d: %w", id, withoutDir(err))
	}
	if derr != nil {
		return nil, fmt.Errorf("load segment %d: %w", id, derr)
	}
	return cmds, nil
}

func decodeSegment(data []byte) ([]InvokeCmd, error) {
	r := &byteReader{data: data}
	n := r.uvarint()
	// A record takes at least four bytes: check before allocating.
	if r.err == nil && n > uint64(len(r.data))/4 {
		r.err = fmt.Errorf("corrupt segment: %d records in %d bytes", n, len(data))
	}
	if r.err != nil {
		return nil, r.err
	}
	cmds := make([]InvokeCmd, 0, n)
	for i := uint64(0); i < n && r.err == nil; i++ {
		p := r.varint()
		e := r.uvarint()
		id := r.bytes(r.uvarint())
		msg := r.uvarint()
		cmds = append(cmds, InvokeCmd{PLE: PLE{PartitionID(p), Epoch(e)}, Inv: InvocationID(id), Msg: msg})
	}
	if r.err != nil {
		return nil, r.err
	}
	if len(r.data) != 0 {
		return nil, errors.New("corrupt segment: trailing bytes")
	}
	return cmds, nil
}

type byteReader struct {
	data []byte
	err  error
}

func (r *byteReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.data)
	if n <= 0 {
		r.err = io.ErrUnexpectedEOF
		return 0
	}
	r.data = r.data[n:]
	return v
}

func (r *byteReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.data)
	if n <= 0 {
		r.err = io.ErrUnexpectedEOF
		return 0
	}
	r.data = r.data[n:]
	return v
}

func (r *byteReader) bytes(n uint64) []byte {
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.data)) {
		r.err = io.ErrUnexpectedEOF
		return nil
	}
	b := r.data[:n]
	r.data = r.data[n:]
	return b
}

// Segments lists the segment files actually on disk.
func (s *FileStore) Segments() ([]uint64, error) {
	entries, err := os.ReadDir(s.dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ids []uint64
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), segmentSuffix)
		if !ok {
			continue
		}
		if id, err := strconv.ParseUint(name, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids, nil
}

// withoutDir names a file by its base name in err: the directory is a
// random temporary one, and errors go into the event log, whose hash must
// not depend on it.
func withoutDir(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return &fs.PathError{Op: pe.Op, Path: filepath.Base(pe.Path), Err: pe.Err}
	}
	return err
}

// shareable is a store told that several invokers spill into it.
type shareable interface{ share() }

// emptiable is a store that can be emptied in place, as SegmentQueue::init
// empties the directory it is given: every segment file is deleted, and
// the store goes on taking segments.
type emptiable interface{ empty() (files int, err error) }

// empty deletes every segment file, keeping (or making again) the
// directory.
func (s *FileStore) empty() (int, error) {
	ids, err := s.Segments()
	if err != nil {
		return 0, hostError("empty the spill directory: %w", withoutDir(err))
	}
	for _, id := range ids {
		if err := os.Remove(s.path(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return 0, hostError("empty the spill directory: %w", withoutDir(err))
		}
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return 0, hostError("empty the spill directory: %w", withoutDir(err))
	}
	s.removed = false
	return len(ids), nil
}

func (s *FileStore) share() { s.shared = true }

// Remove deletes the directory and every segment in it.
func (s *FileStore) Remove() error {
	s.removed = true
	return os.RemoveAll(s.dir)
}

func (s *FileStore) String() string { return s.dir }
