package main

import (
	"io"
	"os"
	"time"

	"lab/faults"
)

// patientWriter is stderr when it is a pipe, opened again without
// blocking: a write into a reader that stopped reading gives up after
// patience, rather than hold the lab for ever. Its last words ("lab:
// interrupted") once did, after the run itself had stopped.
type patientWriter struct {
	f        *os.File
	patience time.Duration
}

func (p *patientWriter) Write(b []byte) (int, error) {
	_ = p.f.SetWriteDeadline(time.Now().Add(p.patience))
	return p.f.Write(b)
}

// patientStderr is os.Stderr, made patient when it is a pipe.
func patientStderr() io.Writer {
	if !isPipe(os.Stderr) {
		return os.Stderr
	}
	f, err := faults.CreateOutput("/dev/stderr")
	if err != nil {
		return os.Stderr // no reader any more: writes fail at once anyway
	}
	return &patientWriter{f: f, patience: 2 * time.Second}
}
