package faults

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"lab/invoker"
)

func TestBuiltinPlansLoad(t *testing.T) {
	names := BuiltinPlans()
	for _, want := range []string{"none", "shutdown-race", "chaos", "slow-partition", "late-cancel"} {
		p, err := LoadPlan(want)
		if err != nil {
			t.Fatalf("%s: %v", want, err)
		}
		if p.Name != want || p.Description == "" {
			t.Errorf("%s: name %q, description %q", want, p.Name, p.Description)
		}
	}
	if len(names) != 5 {
		t.Errorf("built-in plans = %v", names)
	}
}

func TestParsePlan(t *testing.T) {
	src := `name: mine
description: every field
rules:
  - kinds: [invoke, abort-all]
    partition: 1
    epoch: 2
    invocation: i007
    action: delay
    delay: 1ms..3ms
    probability: 0.5
    window: {from: 10ms, to: 1s}
    limit: 3
  - kinds: ack
    action: reorder
    overtakes: 2..4
  - {"kinds": ["effect"], "action": "duplicate", "delay": "5ms"}
  - kinds: [task-output]
    action: drop
`
	p, err := ParsePlan("mine.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	r := p.Rules[0]
	if len(r.Kinds) != 2 || r.Kinds[1] != invoker.MsgAbortAll || *r.Partition != 1 || *r.Epoch != 2 ||
		r.Invocation != "i007" || r.Action != Delay || r.DelayMin != time.Millisecond || r.DelayMax != 3*time.Millisecond ||
		r.Probability != 0.5 || r.From != 10*time.Millisecond || r.To != time.Second || r.Limit != 3 {
		t.Errorf("rule 1 = %+v", r)
	}
	if r := p.Rules[1]; r.Action != Reorder || r.OvertakesMin != 2 || r.OvertakesMax != 4 || r.Probability != 1 {
		t.Errorf("rule 2 = %+v", r)
	}
	if r := p.Rules[2]; r.Action != Duplicate || r.DelayMin != 5*time.Millisecond {
		t.Errorf("rule 3 = %+v", r)
	}
	if r := p.Rules[3]; r.Action != Drop || r.Partition != nil {
		t.Errorf("rule 4 = %+v", r)
	}
}

// Bad plans name the file, line and column, and say what is wrong.
func TestParsePlanErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"rules:\n  - kinds: [invok]\n    action: drop\n", `p.yaml:2:12: unknown kind "invok"`},
		{"rules:\n  - kinds: [ack]\n    actoin: drop\n", `p.yaml:3:5: unknown field "actoin"`},
		{"rules:\n  - kinds: [ack]\n    action: dorp\n", `p.yaml:3:13: action must be delay, drop, reorder or duplicate, not "dorp"`},
		{"rules:\n  - kinds: [ack]\n    action: delay\n    delay: 5q\n", `p.yaml:4:12: "5q" is not a duration`},
		{"rules:\n  - kinds: [ack]\n    action: delay\n", `p.yaml:2:10: a delay rule needs delay:`},
		{"rules:\n  - kinds: [ack]\n    action: drop\n    probability: 1.5\n", `p.yaml:4:18: probability must be within [0, 1]`},
		{"rules:\n  - kinds: [ack]\n    action: drop\n    delay: 1ms\n", `p.yaml:4:12: delay only applies to actions delay and duplicate`},
		{"rules:\n  - kinds: [ack]\n    action: reorder\n", `p.yaml:2:10: a reorder rule needs overtakes:`},
		{"rules:\n  - kinds: [ack]\n    action: reorder\n    overtakes: 0\n", `p.yaml:4:16: "0" is not a count`},
		{"rules:\n  - kinds: [ack]\n    action: drop\n    window: {from: 2s, to: 1s}\n", `window.to must be after window.from`},
		{"rules:\n  - action: drop\n", `p.yaml:2:11: a rule needs kinds:`},
		{"rules:\n  - kinds: [ack]\n    action: drop\n    partition: -1\n", `p.yaml:4:16: partition must be 0 or more`},
		{"rules: [\n", `p.yaml:1:8: sequence end token ']' not found`},
		{"rules:\n  - kinds: [ack]\n    action: drop\n    limit: lots\n", `p.yaml:4:12: want a whole number`},
		{`{"rules": [{"kinds": ["ack"], "action": "drop", "probability": 2}]}`, `p.yaml:1:64: probability must be within [0, 1]`},
		// What the YAML library quotes as it read it goes to a terminal:
		// a second byte-order mark, an escape sequence.
		{"\ufeff\ufeffname: x\nrules: []\n", `p.yaml:1:1: unknown field "\ufeffname"`},
		{"rules:\n  - kinds: [ack]\n    act\x1b[31mion: drop\n", `unknown field "act\x1b[31mion"`},
		// A second document was read as nothing at all.
		{"name: a\nrules: []\n---\nname: b\nrules:\n  - kinds: [ack]\n    action: drop\n", `p.yaml:3:1: a second YAML document: a plan file holds one plan`},
		// Past a byte-order mark, which the plan now reads through, the
		// error is the plan's own.
		{"\ufeffrules:\n  - kinds: [invok]\n    action: drop\n", `p.yaml:2:12: unknown kind "invok"`},
	} {
		_, err := ParsePlan("p.yaml", []byte(tc.src))
		var pe *PlanError
		if !errors.As(err, &pe) {
			t.Errorf("%q: err = %v, want a *PlanError", tc.src, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q:\n got  %s\n want %s", tc.src, err, tc.want)
		}
	}
}

func TestLoadPlanFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "plan.json")
	if err := os.WriteFile(path, []byte(`{"name": "j", "rules": [{"kinds": ["ack"], "action": "drop"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if p, err := LoadPlan(path); err != nil || p.Name != "j" || len(p.Rules) != 1 {
		t.Errorf("LoadPlan(%s) = %+v, %v", path, p, err)
	}
	if _, err := LoadPlan(filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "no built-in plan or file of that name") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := ReadPlanFile(dir); err == nil {
		t.Error("reading a directory as a plan succeeded")
	}
}

func TestInjectorMatching(t *testing.T) {
	p1, e2 := invoker.PartitionID(1), invoker.Epoch(2)
	plan := &Plan{Rules: []Rule{
		{Kinds: []invoker.MsgKind{invoker.MsgInvoke}, Partition: &p1, Epoch: &e2, Invocation: "x", Action: Drop, Probability: 1},
		{Kinds: []invoker.MsgKind{invoker.MsgAck}, Action: Delay, Probability: 1, DelayMin: time.Millisecond, DelayMax: 2 * time.Millisecond, From: time.Second, To: 2 * time.Second},
		{Kinds: []invoker.MsgKind{invoker.MsgEffect}, Action: Duplicate, Probability: 1, Limit: 2},
		{Kinds: []invoker.MsgKind{invoker.MsgCancel}, Partition: &p1, Action: Drop, Probability: 1},
		{Kinds: []invoker.MsgKind{invoker.MsgTimer}, Action: Drop, Probability: 0},
	}}
	in := newInjector(plan, 1, func(i int, p invoker.PartitionID) bool { return i == int(p) })
	msg := func(k invoker.MsgKind, p invoker.PartitionID, e invoker.Epoch, inv invoker.InvocationID) invoker.Envelope {
		return invoker.Envelope{Kind: k, PLE: invoker.PLE{Partition: p, Epoch: e}, Inv: inv, Invoker: int(p)}
	}
	for _, tc := range []struct {
		m    invoker.Envelope
		at   time.Duration
		hit  bool
		want Action
	}{
		{msg(invoker.MsgInvoke, 1, 2, "x"), 0, true, Drop},
		{msg(invoker.MsgInvoke, 0, 2, "x"), 0, false, 0},
		{msg(invoker.MsgInvoke, 1, 1, "x"), 0, false, 0},
		{msg(invoker.MsgInvoke, 1, 2, "y"), 0, false, 0},
		{msg(invoker.MsgAck, 0, 1, "a"), 999 * time.Millisecond, false, 0},
		{msg(invoker.MsgAck, 0, 1, "a"), time.Second, true, Delay},
		{msg(invoker.MsgAck, 0, 1, "a"), 2 * time.Second, false, 0},
		{msg(invoker.MsgEffect, 0, 1, "a"), 0, true, Duplicate},
		{msg(invoker.MsgEffect, 0, 1, "a"), 0, true, Duplicate},
		{msg(invoker.MsgEffect, 0, 1, "a"), 0, false, 0}, // limit 2 reached
		{msg(invoker.MsgCancel, 1, 0, ""), 0, true, Drop},
		{msg(invoker.MsgCancel, 0, 0, ""), 0, false, 0},
		{msg(invoker.MsgTimer, 0, 1, "a"), 0, false, 0}, // probability 0
	} {
		v, hit := in.judge(tc.m, tc.at)
		if hit != tc.hit || (hit && v.Action != tc.want) {
			t.Errorf("%v at %v: hit %v action %v, want %v %v", tc.m, tc.at, hit, v.Action, tc.hit, tc.want)
		}
		if hit && v.Action == Delay && (v.Delay < time.Millisecond || v.Delay > 2*time.Millisecond) {
			t.Errorf("delay %v outside 1ms..2ms", v.Delay)
		}
	}
	in.enabled = false
	if _, hit := in.judge(msg(invoker.MsgInvoke, 1, 2, "x"), 0); hit {
		t.Error("a disabled injector hit")
	}
}

func TestTransportOrder(t *testing.T) {
	var tr transport
	at := func(d time.Duration, id uint64) { tr.schedule(1, d, invoker.Envelope{ID: id}) }
	at(5, 1)
	at(1, 2)
	at(5, 3)
	at(1, 4)
	tr.hold(invoker.Envelope{ID: 9}, 2)
	var got []uint64
	for tr.len() > 0 || len(tr.held) > 0 {
		if !tr.due(100) {
			tr.releaseHeld(100)
			continue
		}
		at, _ := tr.next()
		var m invoker.Envelope
		tr.pop(&m)
		got = append(got, m.ID)
		tr.passed(at)
	}
	want := []uint64{2, 4, 9, 1, 3} // by time, then by scheduling order; 9 let two pass
	if !slices.Equal(got, want) {
		t.Errorf("order = %v, want %v", got, want)
	}
}

// A window open at its end printed as "in [150ms, 0s)", an empty range.
func TestRuleWindowString(t *testing.T) {
	for _, c := range []struct {
		from, to time.Duration
		want     string
	}{
		{150 * time.Millisecond, 0, " from 150ms"},
		{100 * time.Millisecond, 400 * time.Millisecond, " in [100ms, 400ms)"},
		{0, 400 * time.Millisecond, " in [0s, 400ms)"},
	} {
		r := Rule{Action: Drop, Probability: 1, From: c.from, To: c.to}
		if s := r.String(); !strings.HasSuffix(s, c.want) {
			t.Errorf("window [%v, %v): %q, want it to end %q", c.from, c.to, s, c.want)
		}
	}
	if s := (Rule{Action: Drop, Probability: 1}).String(); strings.Contains(s, " in ") || strings.Contains(s, " from ") {
		t.Errorf("no window: %q", s)
	}
}

// An editor's byte-order mark read as part of the first field's name
// (unknown field "\ufeffname"); a plan ending with an empty document is
// one plan.
func TestParsePlanBOMAndDocumentEnd(t *testing.T) {
	for _, src := range []string{"\ufeffname: bom\nrules:\n  - kinds: [ack]\n    action: drop\n", "name: bom\nrules:\n  - kinds: [ack]\n    action: drop\n---\n"} {
		p, err := ParsePlan("p.yaml", []byte(src))
		if err != nil || p.Name != "bom" || len(p.Rules) != 1 {
			t.Errorf("%q: %+v, %v", src, p, err)
		}
	}
}
