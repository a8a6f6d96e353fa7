package faults

import (
	"errors"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// reserve allocates size bytes for f without changing its content, where
// the file system can (tmpfs, ext4, xfs); elsewhere it does nothing.
func reserve(f *os.File, size int64) error {
	if size == 0 {
		return nil
	}
	err := unix.Fallocate(int(f.Fd()), unix.FALLOC_FL_KEEP_SIZE, 0, size)
	if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOSYS) {
		return nil
	}
	if err != nil {
		return &fs.PathError{Op: "write", Path: f.Name(), Err: err}
	}
	return nil
}
