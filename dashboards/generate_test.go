//lint:file-ignore SA1019 dashboard.Dashboard (schema v1) is what Grafana 12.3, the version compose.yaml runs, provisions from files; schema v2 (dashboardv2) is experimental there, behind the dashboardNewLayouts and kubernetesDashboards feature toggles.

package dashboards_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"lab/dashboards"
)

// The committed JSON is what the Go code generates, and nothing else is in
// the directory Grafana loads.
func TestGeneratedJSONIsCurrent(t *testing.T) {
	built, err := dashboards.All()
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, b := range built {
		want = append(want, b.File)
		gen, err := dashboards.Marshal(b.Dashboard)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dashboards.JSONDir, b.File))
		if err != nil {
			t.Fatalf("%v: run go generate ./dashboards/", err)
		}
		if !bytes.Equal(got, gen) {
			t.Errorf("%s is not what the Go code generates: run go generate ./dashboards/ and commit it", b.File)
		}
	}
	entries, err := os.ReadDir(dashboards.JSONDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !slices.Contains(want, e.Name()) {
			t.Errorf("%s/%s is not generated: remove it (Grafana would load it)", dashboards.JSONDir, e.Name())
		}
	}
}

// Every committed dashboard decodes strictly into the SDK's types (no
// unknown field, every panel and query type known) and validates.
func TestJSONDecodesAndValidates(t *testing.T) {
	plugins.RegisterDefaultPlugins()
	uids := map[string]string{}
	for _, b := range boards(t) {
		data, err := os.ReadFile(filepath.Join(dashboards.JSONDir, b.File))
		if err != nil {
			t.Fatal(err)
		}
		var d dashboard.Dashboard
		if err := d.UnmarshalJSONStrict(data); hasErrors(err) {
			t.Errorf("%s: strict decode: %v", b.File, err)
			continue
		}
		if err := d.Validate(); hasErrors(err) {
			t.Errorf("%s: %v", b.File, err)
		}
		if d.Uid == nil || *d.Uid == "" {
			t.Errorf("%s: no uid: Grafana would make one up and links to it would break", b.File)
		} else if other, dup := uids[*d.Uid]; dup {
			t.Errorf("%s and %s share the uid %s", b.File, other, *d.Uid)
		} else {
			uids[*d.Uid] = b.File
		}
		if len(d.Panels) != len(b.Panels) {
			t.Errorf("%s: the SDK sees %d panels, the JSON has %d", b.File, len(d.Panels), len(b.Panels))
		}
	}
}

// hasErrors reads the SDK's errors: UnmarshalJSONStrict and Validate return
// a cog.BuildErrors that may be a typed nil (non-nil as an error, empty).
func hasErrors(err error) bool {
	var be cog.BuildErrors
	if errors.As(err, &be) {
		return len(be) > 0
	}
	return err != nil
}
