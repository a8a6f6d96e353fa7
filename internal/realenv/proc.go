package realenv

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// freePorts picks n distinct loopback ports that are free now. They are
// released before the component binds them, and any process on the machine
// can take one in that instant (another test asking for port 0, say):
// components are started with startOnFreePorts, which then starts them
// again on fresh ports, and a test that gives one to a process of its own
// must retry likewise.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ports []int
	var lns []net.Listener
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("realenv: no free port: %v", err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range lns {
		ln.Close()
	}
	return ports
}

// portAttempts is how many times a component is started on fresh ports
// before a port taken under it fails the test.
const portAttempts = 4

// startOnFreePorts starts a component on n fresh loopback ports (args
// builds its arguments from them) and waits until ready (a URL built from
// them) answers 200. A component that logs that an address is in use
// (whether it exits then or not) lost a port to another process: it is
// stopped and started again on other ports, a few times. It returns the
// ports it runs on.
func startOnFreePorts(t testing.TB, name, bin string, n int, args func(ports []int) []string, ready func(ports []int) string, timeout time.Duration) []int {
	t.Helper()
	for attempt := 1; ; attempt++ {
		ports := freePorts(t, n)
		c := start(t, name, bin, args(ports)...)
		err := c.waitHTTP(ready(ports), timeout)
		taken := c.logSays(addrInUse)
		switch {
		case err == nil && !taken:
			return ports
		case errors.Is(err, errExited) && !taken:
			t.Fatalf("realenv: %s exited before it answered at %s:\n%s", name, ready(ports), tail(c.log(), 3000))
		case err != nil && !taken:
			t.Fatalf("realenv: %s not ready at %s after %v: %v", name, ready(ports), timeout, err)
		}
		c.stop()
		if attempt == portAttempts {
			t.Fatalf("realenv: %s found a port taken %d times:\n%s", name, attempt, tail(c.log(), 3000))
		}
		t.Logf("realenv: %s lost a port to another process; again on fresh ports", name)
	}
}

// addrInUse is how Go servers (Prometheus, Jaeger) log a port taken.
const addrInUse = "address already in use"

// DownAddr is a 127.0.0.1:PORT where nothing listens, and nothing can for
// the rest of the test: a socket bound to it that never listens holds it,
// so a connection there is refused.
func DownAddr(t testing.TB) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatalf("realenv: socket: %v", err)
	}
	syscall.CloseOnExec(fd) // not held by the processes the test starts
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatalf("realenv: bind: %v", err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatalf("realenv: getsockname: %v", err)
	}
	return fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
}

// FreeAddr is a free 127.0.0.1:PORT for a server the test starts itself
// (see freePorts: the test must start it again elsewhere if it was taken).
func FreeAddr(t testing.TB) string {
	return fmt.Sprintf("127.0.0.1:%d", freePorts(t, 1)[0])
}

// find locates a binary: the environment variable env, else name on PATH,
// else the listed candidates. It fails the test with howto if none exists.
func find(t testing.TB, env, name, howto string, candidates ...string) string {
	t.Helper()
	if p := os.Getenv(env); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("realenv: %s=%s: %v\n%s", env, p, err, howto)
		}
		return p
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, c := range candidates {
		if _, err := os.Stat(c); err == nil {
			return c
		}
	}
	t.Fatalf("realenv: %s not found (set %s or put %s on PATH).\n%s", name, env, name, howto)
	return ""
}

// component is a started process whose output goes to a log file.
type component struct {
	name    string
	cmd     *exec.Cmd
	exited  chan struct{}
	logPath string
	stopped sync.Once
}

// start runs a component with its output in a log file, and stops it
// (SIGTERM, then SIGKILL) when the test ends; the log is shown if the test
// failed.
func start(t testing.TB, name string, bin string, args ...string) *component {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("realenv: starting %s: %v", name, err)
	}
	c := &component{name: name, cmd: cmd, exited: make(chan struct{}), logPath: logPath}
	go func() { cmd.Wait(); logFile.Close(); close(c.exited) }()
	t.Cleanup(func() {
		c.stop()
		if t.Failed() {
			t.Logf("%s log (last 3000 bytes):\n%s", name, tail(c.log(), 3000))
		}
	})
	return c
}

// stop ends the component: SIGTERM, then SIGKILL after 5s.
func (c *component) stop() {
	c.stopped.Do(func() {
		c.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-c.exited:
		case <-time.After(5 * time.Second):
			c.cmd.Process.Kill()
			<-c.exited
		}
	})
}

// log is what the component wrote so far.
func (c *component) log() string {
	b, _ := os.ReadFile(c.logPath)
	return string(b)
}

// logSays reports whether the component's log holds s.
func (c *component) logSays(s string) bool { return strings.Contains(c.log(), s) }

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// errExited: the component ended before it answered.
var errExited = errors.New("exited before it answered")

// waitHTTP polls url until it answers 200; it gives up when the component
// exits, or after timeout.
func (c *component) waitHTTP(url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: time.Second}
	var last string
	for time.Now().Before(deadline) {
		select {
		case <-c.exited:
			return errExited
		default:
		}
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New(strings.TrimSpace(last))
}
