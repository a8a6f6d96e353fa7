package tui

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
)

// The terminal's input ending (here a pipe's, its writer closed) cancels
// the session's context and reads as the end of input, which bubbletea
// ignores; what came before it is read as usual. Input that is not a file
// is left alone.
func TestTerminalGoneCancels(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx, in, cancel := watchTerminal(context.Background(), r)
	defer cancel()
	if _, err := w.WriteString("q"); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 8)
	if n, err := in.Read(b); n != 1 || err != nil || ctx.Err() != nil {
		t.Fatalf("read %d %v, context %v", n, err, ctx.Err())
	}
	w.Close()
	if _, err := in.Read(b); !errors.Is(err, io.EOF) || !errors.Is(ctx.Err(), context.Canceled) {
		t.Fatalf("after the end: read %v, context %v", err, ctx.Err())
	}

	plain := strings.NewReader("q")
	ctx, in, cancel = watchTerminal(context.Background(), plain)
	defer cancel()
	if in != io.Reader(plain) || ctx.Err() != nil {
		t.Error("a reader that is not a file was wrapped")
	}
}
