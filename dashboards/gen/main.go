// Command gen writes the lab's dashboards as Grafana JSON into
// grafana/dashboards/ (run by `go generate ./dashboards/`).
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"lab/dashboards"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run() error {
	boards, err := dashboards.All()
	if err != nil {
		return err
	}
	for _, b := range boards {
		data, err := dashboards.Marshal(b.Dashboard)
		if err != nil {
			return fmt.Errorf("%s: %w", b.File, err)
		}
		if err := os.WriteFile(filepath.Join(dashboards.JSONDir, b.File), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
