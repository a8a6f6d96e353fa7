package faults

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// MaxInputSize bounds a plan, script or schedule file. The built-in plans
// and the examples are a few kilobytes.
const MaxInputSize = 4 << 20

// ReadInput reads a plan or script file: a regular file of at most
// MaxInputSize bytes.
func ReadInput(path string) ([]byte, error) { return ReadInputUpTo(path, MaxInputSize) }

// ReadInputUpTo reads an input file of at most limit bytes (a whole
// number of MiB). Devices, pipes and directories are refused before they
// are opened, so /dev/zero or a FIFO cannot fill memory or block the lab;
// a bounded regular file is read in milliseconds. Errors do not name the
// file: the caller does.
func ReadInputUpTo(path string, limit int64) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, plainPathError(err)
	}
	if err := regularAndSmall(info, limit); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, plainPathError(err)
	}
	defer f.Close()
	// The file may have been replaced since the Stat.
	if info, err = f.Stat(); err != nil {
		return nil, plainPathError(err)
	}
	if err := regularAndSmall(info, limit); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, plainPathError(err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("larger than %d MiB", limit>>20)
	}
	return data, nil
}

func regularAndSmall(info fs.FileInfo, limit int64) error {
	switch {
	case info.IsDir():
		return errors.New("is a directory, not a file")
	case info.Mode()&fs.ModeDevice != 0:
		return errors.New("is a device, not a regular file")
	case info.Mode()&fs.ModeNamedPipe != 0:
		return errors.New("is a named pipe, not a regular file")
	case !info.Mode().IsRegular():
		return errors.New("not a regular file")
	case info.Size() > limit:
		return fmt.Errorf("larger than %d MiB", limit>>20)
	}
	return nil
}

// plainPathError drops the operation and path of an *fs.PathError: the
// caller names the file.
func plainPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// SizeText says n bytes in whole MiB, or in bytes under one.
func SizeText(n int64) string {
	if n < 1<<20 {
		return Plural(int(n), "byte")
	}
	return fmt.Sprintf("%d MiB", n>>20)
}
