package tui

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"lab/faults"
	"lab/invoker"
)

func TestFilterRefusesNumbersNoRunHas(t *testing.T) {
	for _, text := range []string{"p99999999999999999999", "invoker18446744073709551616", "p3 invoker99999999999999999999"} {
		if f, err := parseFilter(text); err == nil {
			t.Errorf("%q selected partitions %v, invokers %v: want an error", text, f.partitions, f.invokers)
		}
	}
	f, err := parseFilter("p007 invoker2 i042 queue.sp")
	if err != nil {
		t.Fatal(err)
	}
	if !f.partitions[7] || !f.invokers[2] || !f.invocations["i042"] || !f.kinds[invoker.KindSpill] {
		t.Fatalf("p007 invoker2 i042 queue.sp: %+v", f)
	}
}

// Whatever a person types into the filter prompt: no panic, an error of
// one line naming the term, and a filter that selects exactly the numbers
// typed (never one that wrapped) and reads back as itself.
func FuzzFilter(f *testing.F) {
	for _, s := range []string{"p3 invoker1 i042 queue.spill pp.", "p0 p1", "invoker0", "sim.", "violation", "p99999999999999999999",
		"i", "p-1", "invoker", "  ", "\x00", "p1\tinvoker2\ni3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		flt, err := parseFilter(text)
		if err != nil {
			if msg := err.Error(); strings.ContainsAny(msg, "\n\r") || !strings.HasPrefix(msg, "filter ") {
				t.Fatalf("%q: error %q is not one line about the filter", text, msg)
			}
			return
		}
		for _, term := range strings.Fields(text) {
			for prefix, selected := range map[string]func(int) bool{
				"p":       func(n int) bool { return flt.partitions[invoker.PartitionID(n)] },
				"invoker": func(n int) bool { return flt.invokers[n] },
			} {
				digits, ok := strings.CutPrefix(term, prefix)
				n, err := strconv.ParseUint(digits, 10, 63)
				if !ok || err != nil || digits == "" || strings.TrimLeft(digits, "0123456789") != "" {
					continue
				}
				if !selected(int(n)) {
					t.Fatalf("%q: term %s does not select %d", text, term, n)
				}
			}
		}
		again, err := parseFilter(flt.text)
		if err != nil || !reflect.DeepEqual(again, flt) {
			t.Fatalf("%q reads back as %+v, %v; was %+v", flt.text, again, err, flt)
		}
	})
}

// Whatever a person types into the go-to prompt: no panic, a step of the
// replay, or an error of one line.
func FuzzGoToTarget(f *testing.F) {
	for _, s := range []string{"0", "100", "101", "-1", "#1", "#40", "#41", "#0", "#-1", "#", "v", "j", "s", "end", " 7 ",
		"99999999999999999999", "#99999999999999999999", "+5", "0x10", "1e3"} {
		f.Add(s, 0, "")
	}
	f.Add("j", 60, "")
	f.Add("s", 0, "i003")
	r := &Replay{Steps: 100, Violation: 50}
	for e := range 40 {
		r.eventAt = append(r.eventAt, 2*e+1)
	}
	f.Fuzz(func(t *testing.T, s string, jumpAt int, stalled string) {
		jumpAt = min(max(jumpAt, 0), r.Steps)
		stall := faults.Stall{Inv: invoker.InvocationID(stalled), Seq: 7}
		n, err := r.target(s, jumpAt, stall)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("%q: error %q is not one line", s, err)
			}
			return
		}
		if n < 0 || n > r.Steps {
			t.Fatalf("%q goes to step %d of a replay of %d", s, n, r.Steps)
		}
	})
}
