package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"lab/explore"
	"lab/faults"
)

// versionText says which lab this is: the build, and the revisions that
// decide whether a seed, a schedule or a report from another lab means
// the same here.
func versionText() string {
	var b strings.Builder
	fmt.Fprintf(&b, "lab      %s\n", buildName())
	fmt.Fprintf(&b, "model    revision %d: a seed gives the same events and hash in every lab of this revision\n", faults.ModelRevision)
	fmt.Fprintf(&b, "formats  schedule version %d, run report version %d, explore report version %d\n",
		faults.ScheduleVersion, faults.ReportVersion, explore.ReportVersion)
	fmt.Fprintf(&b, "go       %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return b.String()
}

// buildName is the module version of an installed lab, or the commit a
// build from a checkout was made of ("go run" stamps none).
func buildName() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown build"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	vcs := map[string]string{}
	for _, s := range info.Settings {
		vcs[s.Key] = s.Value
	}
	rev := vcs["vcs.revision"]
	if rev == "" {
		return "development build (no commit recorded)"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	name := "commit " + rev
	if t := vcs["vcs.time"]; t != "" {
		name += " of " + t
	}
	if vcs["vcs.modified"] == "true" {
		name += ", with uncommitted changes"
	}
	return name
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the lab's build, model revision and file formats",
		Long: `Print which lab this is: its build (the commit it was built from, when
recorded), the model revision (a seed gives the same events and hash in
every lab of one revision; schedules record it), the versions of the
schedule and report formats, and the Go it was built with. Quote it with a
seed in a bug report. lab --version prints the same.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprint(cmd.OutOrStdout(), versionText())
			return err
		},
	}
}
