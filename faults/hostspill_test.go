package faults_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"lab/faults"
	"lab/invoker"
)

// sabotage replaces a spill directory by a plain file, so that the next
// segment written in it fails in the file system (ENOTDIR), as a full or
// read-only disk would.
func sabotage(t *testing.T, dir string) {
	t.Helper()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// A spill file the host fails to write is no finding of the seed: before,
// the buggy and fixed invokers "panicked" on it (`Unable to store a
// segment.`) and the run reported no-panic violated, which no replay of the
// seed on a sound disk would show. The run now ends with the host's error.
func TestHostSpillFailureEndsTheRun(t *testing.T) {
	for _, c := range []struct {
		name, want string
		sabotage   func(t *testing.T, dir string)
	}{
		{"a file in its place", "not a directory", sabotage},
		// Someone's rm -rf, or a tmp cleaner: it read as the model's own
		// removal, and the invoker panicked on it.
		{"removed", "no such file or directory", func(t *testing.T, dir string) {
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		base := t.TempDir()
		files := invoker.FileStores(base)
		cfg := invoker.DefaultConfig()
		cfg.Variant = invoker.Fixed
		cfg.Store = func(i, incarnation int) (invoker.SegmentStore, error) {
			s, err := files(i, incarnation)
			if err == nil && i == 0 {
				c.sabotage(t, s.String())
			}
			return s, err
		}
		plan, err := faults.LoadPlan("shutdown-race")
		if err != nil {
			t.Fatal(err)
		}
		var events []invoker.Event
		r, err := faults.Run(context.Background(), faults.Options{Seed: 1, Node: cfg, Plan: plan, Workload: faults.DefaultWorkload(),
			Observers: []faults.Observer{faults.EventFunc(func(e invoker.Event) { events = append(events, e) })}})
		var host *invoker.HostError
		if !errors.As(err, &host) || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("%s: Run = %v, %v; want the host's spill error", c.name, r, err)
		}
		for _, e := range events {
			if e.Kind == invoker.KindSpillFailed || e.Kind == invoker.KindPanic || e.Kind == invoker.KindViolation {
				t.Errorf("%s: the model reacted to the host's failure: %v", c.name, e)
			}
		}
		if left, _ := os.ReadDir(base); len(left) != 0 {
			t.Errorf("%s: left in the spill directory: %v", c.name, left)
		}
	}
}

// The same in a script, which stops at the command whose step met it.
func TestHostSpillFailureEndsTheScript(t *testing.T) {
	base := t.TempDir()
	r := faults.NewScriptRunner()
	r.SpillDir = base
	defer r.Close()
	exec := func(line string) (string, error) {
		t.Helper()
		cmds, err := faults.ParseScript("host.script", []byte(line+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		return r.Exec(cmds[0])
	}
	for _, line := range []string{"config partitions=1 quota=1 queue-limit=1", "leader p=0 epoch=1", "invoke p=0 inv=a", "invoke p=0 inv=b"} {
		if _, err := exec(line); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
	}
	dirs, err := filepath.Glob(filepath.Join(base, "invoker-*"))
	if err != nil || len(dirs) != 1 {
		t.Fatalf("spill directories %v (%v), want one", dirs, err)
	}
	sabotage(t, dirs[0])
	out, err := exec("settle")
	var host *invoker.HostError
	if !errors.As(err, &host) {
		t.Fatalf("settle = %v, want the host's spill error\n%s", err, out)
	}
	if strings.Contains(out, "Unable to store") || len(r.Result().Violations) != 0 {
		t.Errorf("the model reacted to the host's failure:\n%s", out)
	}
}

// A spill directory that served the node's first start and cannot be made
// at its restart is the host's failure too: it was a usage error (exit 2,
// "an unusable directory") though the directory had served the run.
func TestHostSpillDirFailsAtRestart(t *testing.T) {
	cfg := invoker.DefaultConfig()
	cfg.Variant = invoker.Fixed
	mem := invoker.MemStores()
	cfg.Store = func(i, incarnation int) (invoker.SegmentStore, error) {
		if incarnation > 0 {
			return nil, fmt.Errorf("%w: mkdir invoker-%d.%d: %w", invoker.ErrSpillDir, incarnation, i, syscall.ENOSPC)
		}
		return mem(i, incarnation)
	}
	plan, err := faults.LoadPlan("none")
	if err != nil {
		t.Fatal(err)
	}
	_, err = faults.Run(context.Background(), faults.Options{Seed: 1, Node: cfg, Plan: plan, Workload: faults.DefaultWorkload()})
	var host *invoker.HostError
	if !errors.As(err, &host) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Run = %v; want the host's error at the restart", err)
	}
}
