package faults

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// ErrNoReader is a named pipe opened to write that nobody reads.
var ErrNoReader = errors.New("a named pipe that nobody reads")

// CreateOutput creates or truncates a file to write, as os.Create does. A
// named pipe is opened for writing without waiting for a reader: with none
// it is an error at once (an event log written into it filled the pipe and
// then waited for ever, past the first Ctrl-C), and with one (`--events
// >(gzip > ev.gz)`) it is written as a pipe.
func CreateOutput(path string) (*os.File, error) {
	if info, err := os.Stat(path); err == nil && info.Mode()&fs.ModeNamedPipe != 0 {
		f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if errors.Is(err, syscall.ENXIO) {
			return nil, fmt.Errorf("%s: %w", path, ErrNoReader)
		}
		return f, err
	}
	return os.Create(path)
}
