package main

import (
	"bytes"

	"lab/faults"
)

// lineFile buffers writes to a file of lines and writes only whole lines
// until it is flushed, so the file holds whole lines whenever the lab stops
// (an interrupt, a crash, a kill); after a failed write (a full disk) it is
// cut back to its last whole line.
type lineFile struct {
	file    *faults.Output
	buf     []byte
	written int64 // bytes on disk, always ending a line
	err     error
}

// lineFileBuffer is how much a lineFile buffers before writing.
const lineFileBuffer = 64 << 10

func (l *lineFile) Write(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	l.buf = append(l.buf, p...)
	if len(l.buf) >= lineFileBuffer {
		if end := bytes.LastIndexByte(l.buf, '\n') + 1; end > 0 {
			if err := l.write(end); err != nil {
				return 0, err
			}
		}
	}
	return len(p), nil
}

// Flush writes everything buffered, a last partial line included.
func (l *lineFile) Flush() error {
	if l.err != nil {
		return l.err
	}
	return l.write(len(l.buf))
}

// write writes the first n buffered bytes.
func (l *lineFile) write(n int) error {
	if n == 0 {
		return nil
	}
	w, err := l.file.Write(l.buf[:n])
	if err != nil {
		l.written += int64(bytes.LastIndexByte(l.buf[:w], '\n') + 1)
		_ = l.file.Truncate(l.written) // best effort: the disk may be full
		l.err = err
		return err
	}
	l.written += int64(w)
	l.buf = append(l.buf[:0], l.buf[n:]...)
	return nil
}
