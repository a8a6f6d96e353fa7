package main

import (
	"fmt"
	"strings"
	"testing"

	"lab/explore"
	"lab/faults"
)

// lab version names what decides whether another lab's seed, schedule or
// report means the same here; lab --version says the same.
func TestVersionNamesRevisionAndFormats(t *testing.T) {
	t.Parallel()
	r := lab(t, "version")
	wantCode(t, r, 0)
	for _, want := range []string{
		fmt.Sprintf("model    revision %d:", faults.ModelRevision),
		fmt.Sprintf("schedule version %d, run report version %d, explore report version %d",
			faults.ScheduleVersion, faults.ReportVersion, explore.ReportVersion),
		"go       go1.",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("lab version does not say %q:\n%v", want, r)
		}
	}
	if first, _, _ := strings.Cut(r.stdout, "\n"); strings.TrimSpace(strings.TrimPrefix(first, "lab ")) == "" {
		t.Errorf("lab version names no build:\n%v", r)
	}
	flag := lab(t, "--version")
	wantCode(t, flag, 0)
	if flag.stdout != r.stdout {
		t.Errorf("lab --version:\n%s\nlab version:\n%s", flag.stdout, r.stdout)
	}
	// -v stays --verbose: cobra gives --version the -v of a root without one.
	if v := lab(t, "-v"); strings.Contains(v.stdout, "model    revision") {
		t.Errorf("lab -v printed the version:\n%v", v)
	}
	wantUsageError(t, lab(t, "version", "extra"), true, `unknown command "extra"`)
}
