package explore

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"unicode"
)

// ReadReport reads a JSON report written by WriteJSON.
func ReadReport(name string, r io.Reader) (*Report, error) {
	var rep Report
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		return nil, fmt.Errorf("%s: not an explore report: %w", name, err)
	}
	if rep.SchemaVersion != ReportVersion {
		return nil, fmt.Errorf("%s: report version %d, this lab reads version %d", name, rep.SchemaVersion, ReportVersion)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%s: more after the report: not a report lab explore wrote", name)
	}
	// An edited or damaged report: merging it would miscount.
	if err := rep.consistent(); err != nil {
		return nil, fmt.Errorf("%s: %v: not a report lab explore wrote", name, err)
	}
	// The merged report prints these strings on a terminal.
	if bad, ok := unprintable(reflect.ValueOf(rep)); ok {
		return nil, fmt.Errorf("%s: holds %q, which is not printable text: not a report lab explore wrote", name, bad)
	}
	rep.Coverage.fill()
	return &rep, nil
}

// unprintable finds a string in v (a field, an element, a map key) with a
// rune that is not printable, which no report lab explore wrote holds.
func unprintable(v reflect.Value) (string, bool) {
	switch v.Kind() {
	case reflect.String:
		for _, r := range v.String() {
			if !unicode.IsPrint(r) {
				return v.String(), true
			}
		}
	case reflect.Pointer:
		if !v.IsNil() {
			return unprintable(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if bad, ok := unprintable(v.Field(i)); ok {
				return bad, true
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			if bad, ok := unprintable(v.Index(i)); ok {
				return bad, true
			}
		}
	case reflect.Map:
		// In key order, so that the error names the same string every time.
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			if bad, ok := unprintable(k); ok {
				return bad, true
			}
			if bad, ok := unprintable(v.MapIndex(k)); ok {
				return bad, true
			}
		}
	}
	return "", false
}

// Merge combines the reports of shards of one exploration into the report
// the unsharded exploration would have given (times aside): they must
// explore the same variant, plan, strategy and seeds, each shard once.
// Shards ran side by side, so the merged time is the longest.
func Merge(reports []*Report) (*Report, error) {
	if len(reports) == 0 {
		return nil, fmt.Errorf("no reports to merge")
	}
	first := reports[0]
	m := &Report{SchemaVersion: ReportVersion, ModelRevision: first.ModelRevision, Variant: first.Variant, Plan: first.Plan, Strategy: first.Strategy,
		Shape: first.Shape, Invariants: first.Invariants, FirstSeed: first.FirstSeed, Seeds: first.Seeds, Coverage: newCoverage(), DeterminismChecked: true,
		Against: first.Against, ListPerWay: first.ListPerWay, ByInvariant: map[string]InvariantStats{}}
	count := 0
	for i, r := range reports {
		if r.Variant != m.Variant || r.Plan != m.Plan || r.Strategy != m.Strategy ||
			r.FirstSeed != m.FirstSeed || r.Seeds != m.Seeds {
			return nil, fmt.Errorf("report %d explores %s/%s/%s seeds %d+%d, report 1 %s/%s/%s seeds %d+%d: not shards of one exploration",
				i+1, r.Variant, r.Plan, r.Strategy, r.FirstSeed, r.Seeds, m.Variant, m.Plan, m.Strategy, m.FirstSeed, m.Seeds)
		}
		// Labs of two model revisions run one seed differently.
		if r.ModelRevision != m.ModelRevision {
			return nil, fmt.Errorf("report %d ran model revision %d, report 1 %d: a seed's runs differ between them, so explore every shard with one lab",
				i+1, r.ModelRevision, m.ModelRevision)
		}
		if r.Shape != m.Shape {
			return nil, fmt.Errorf("report %d ran %s: not shards of one exploration", i+1, shapeDiff(r.Shape, m.Shape))
		}
		if r.Against != m.Against {
			return nil, fmt.Errorf("report %d reran its failures against %q, report 1 against %q: not shards of one exploration", i+1, r.Against, m.Against)
		}
		for _, s := range r.Shards {
			// Shards of one exploration split its seeds the same way:
			// 0/2 and 1/3 share seeds, which the merge counted twice.
			sh, err := ParseShard(s)
			if err != nil {
				return nil, fmt.Errorf("report %d: %v", i+1, err)
			}
			if count == 0 {
				count = sh.Count
			} else if sh.Count != count {
				return nil, fmt.Errorf("report %d is shard %s of seeds split %d ways by report 1: not shards of one exploration", i+1, s, count)
			}
			if slices.Contains(m.Shards, s) {
				return nil, fmt.Errorf("shard %s appears twice", s)
			}
			m.Shards = append(m.Shards, s)
		}
		if m.Picks+r.Picks < m.Picks || m.Schedules+r.Schedules < m.Schedules || !m.Coverage.fits(r.Coverage) {
			return nil, fmt.Errorf("report %d: more schedules, picks or coverage than any count holds", i+1)
		}
		m.Schedules += r.Schedules
		m.Picks += r.Picks
		m.Choices += r.Choices
		m.Workers += r.Workers
		m.Seconds = max(m.Seconds, r.Seconds)
		m.CPUSeconds += r.CPUSeconds
		m.Failures = append(m.Failures, r.Failures...)
		mergeStats(m.ByInvariant, r.ByInvariant)
		m.ListPerWay = fewest(m.ListPerWay, r.ListPerWay)
		m.Coverage.add(r.Coverage)
		m.DeterminismChecked = m.DeterminismChecked && r.DeterminismChecked
		if m.Stopped == "" {
			m.Stopped = r.Stopped
		}
	}
	m.finish()
	return m, nil
}
