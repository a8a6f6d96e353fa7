package tui

import (
	"context"
	"io"
	"os"
)

// terminalInput is the terminal the UI reads its keys from. In raw mode a
// terminal's input never ends: a read that does (end of file, or an error
// such as EIO) means the terminal is gone, as when its window closed
// without a SIGHUP reaching the lab (a process started with setsid, say).
// It then ends the session as a hangup would, through the context, and
// tells bubbletea only of the end of its input, which bubbletea ignores,
// so that the two do not race to end the program.
type terminalInput struct {
	*os.File
	gone context.CancelFunc
}

func (t terminalInput) Read(b []byte) (int, error) {
	n, err := t.File.Read(b)
	if err != nil {
		t.gone()
		return n, io.EOF
	}
	return n, nil
}

// watchTerminal wraps in, when it is a file (a terminal), so that its end
// cancels the returned context.
func watchTerminal(ctx context.Context, in io.Reader) (context.Context, io.Reader, context.CancelFunc) {
	f, ok := in.(*os.File)
	if !ok {
		return ctx, in, func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	return ctx, terminalInput{File: f, gone: cancel}, cancel
}
