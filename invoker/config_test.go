package invoker_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"lab/invoker"
)

// A config a node cannot run with is refused, naming the setting as the
// flags, script keys and schedule headers spell it.
func TestConfigErrorsNameTheSetting(t *testing.T) {
	for _, c := range []struct {
		edit func(*invoker.Config)
		want string
	}{
		{func(c *invoker.Config) { c.Partitions = 0 }, "partitions must be at least 1"},
		{func(c *invoker.Config) { c.Quota = -1 }, "quota must be at least 1"},
		{func(c *invoker.Config) { c.QueueLimit = 0 }, "queue-limit must be at least 1"},
		{func(c *invoker.Config) { c.EffectCapacity = 0 }, "effect-capacity must be at least 1"},
		{func(c *invoker.Config) { c.Retry.Initial = 0 }, "retry-initial must be positive"},
		{func(c *invoker.Config) { c.Retry.Factor = 0.5 }, "retry-factor must be at least 1"},
		// NaN compares false with everything: it once slipped through, and
		// made every backoff an undefined conversion.
		{func(c *invoker.Config) { c.Retry.Factor = math.NaN() }, "retry-factor must be at least 1, got NaN"},
		{func(c *invoker.Config) { c.Retry.Max = time.Millisecond }, "retry-max must be at least retry-initial"},
	} {
		cfg := invoker.DefaultConfig()
		c.edit(&cfg)
		err := cfg.Validate()
		if !errors.Is(err, invoker.ErrConfig) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
	inf := invoker.DefaultConfig()
	inf.Retry.Factor = math.Inf(1) // every retry waits retry-max: odd, but well defined
	if err := inf.Validate(); err != nil {
		t.Errorf("factor +Inf: %v", err)
	}
	if d, _ := inf.Retry.Backoff(3); d != inf.Retry.Max {
		t.Errorf("factor +Inf: third backoff %v, want %v", d, inf.Retry.Max)
	}
}

// A setting's name that is none of its values is refused with the values
// it takes, in the table's order.
func TestParseSettingSaysWhatItTakes(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{second(invoker.ParseOnPanic("crash")), `unknown on-panic "crash" (want abort, watch or unwind)`},
		{second(invoker.ParseYield("")), `unknown yield "" (want off or on)`},
		{second(invoker.ParseInTmpDir("subdir ")), `unknown in-tmp-dir "subdir " (want shared or subdir)`},
	} {
		if c.err == nil || c.err.Error() != c.want {
			t.Errorf("got %v, want %s", c.err, c.want)
		}
	}
	if p, err := invoker.ParseOnPanic("unwind"); err != nil || p != invoker.PanicUnwinds {
		t.Errorf("unwind: %v, %v", p, err)
	}
}

func second[T any](_ T, err error) error { return err }
