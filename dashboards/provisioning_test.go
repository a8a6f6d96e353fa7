package dashboards_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/goccy/go-yaml"

	"lab/dashboards"
)

const (
	datasourcesFile = "grafana/provisioning/datasources/lab.yaml"
	providersFile   = "grafana/provisioning/dashboards/lab.yaml"
)

type datasources struct {
	APIVersion  int `yaml:"apiVersion"`
	Datasources []struct {
		Name     string `yaml:"name"`
		Type     string `yaml:"type"`
		UID      string `yaml:"uid"`
		URL      string `yaml:"url"`
		Access   string `yaml:"access"`
		Default  bool   `yaml:"isDefault"`
		Editable bool   `yaml:"editable"`
		JSONData struct {
			TimeInterval                string `yaml:"timeInterval"`
			ExemplarTraceIDDestinations []struct {
				Name          string `yaml:"name"`
				DatasourceUID string `yaml:"datasourceUid"`
			} `yaml:"exemplarTraceIdDestinations"`
		} `yaml:"jsonData"`
	} `yaml:"datasources"`
}

type providers struct {
	APIVersion int `yaml:"apiVersion"`
	Providers  []struct {
		Name            string `yaml:"name"`
		Folder          string `yaml:"folder"`
		Type            string `yaml:"type"`
		DisableDeletion bool   `yaml:"disableDeletion"`
		AllowUIUpdates  bool   `yaml:"allowUiUpdates"`
		UpdateInterval  int    `yaml:"updateIntervalSeconds"`
		Options         struct {
			Path             string `yaml:"path"`
			FoldersFromFiles bool   `yaml:"foldersFromFilesStructure"`
		} `yaml:"options"`
	} `yaml:"providers"`
}

// readYAML decodes a file strictly: a misspelt key is an error, not a
// setting Grafana silently ignores.
func readYAML(t *testing.T, path string, into any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalWithOptions(data, into, yaml.Strict()); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// The datasources have the pinned uids, the Prometheus one links exemplars'
// trace_id to the Jaeger one, and every datasource a dashboard names
// exists with that type.
func TestProvisioningDatasources(t *testing.T) {
	var ds datasources
	readYAML(t, datasourcesFile, &ds)
	if ds.APIVersion != 1 {
		t.Errorf("%s: apiVersion %d, want 1", datasourcesFile, ds.APIVersion)
	}
	types := map[string]string{}
	for _, d := range ds.Datasources {
		if d.Name == "" || d.UID == "" || d.URL == "" || d.Access != "proxy" {
			t.Errorf("%s: datasource %+v needs a name, a uid, a url and access: proxy", datasourcesFile, d)
		}
		if _, dup := types[d.UID]; dup {
			t.Errorf("%s: uid %s twice", datasourcesFile, d.UID)
		}
		types[d.UID] = d.Type
	}
	if types[dashboards.PrometheusUID] != "prometheus" || types[dashboards.JaegerUID] != "jaeger" {
		t.Fatalf("%s: want %s (prometheus) and %s (jaeger), have %v", datasourcesFile, dashboards.PrometheusUID, dashboards.JaegerUID, types)
	}
	for _, d := range ds.Datasources {
		if d.Type != "prometheus" {
			continue
		}
		link := slices.IndexFunc(d.JSONData.ExemplarTraceIDDestinations, func(x struct {
			Name          string `yaml:"name"`
			DatasourceUID string `yaml:"datasourceUid"`
		}) bool {
			return x.Name == "trace_id" && x.DatasourceUID == dashboards.JaegerUID
		})
		if link < 0 {
			t.Errorf("%s: %s does not link the exemplar label trace_id to %s", datasourcesFile, d.UID, dashboards.JaegerUID)
		}
	}
	for _, b := range boards(t) {
		check := func(where string, r dsRef) {
			if r.UID == "" {
				return
			}
			if ty, ok := types[r.UID]; !ok || ty != r.Type {
				t.Errorf("%s: %s names datasource %s (%s), which the provisioning does not have", b.File, where, r.UID, r.Type)
			}
		}
		for _, v := range b.Templating.List {
			check("variable "+v.Name, v.Datasource)
		}
		for _, p := range b.Panels {
			check(b.where(p), p.Datasource)
			for _, q := range p.Targets {
				check(b.where(p)+" query "+q.RefID, q.Datasource)
			}
		}
	}
}

// One file provider loads the generated dashboards.
func TestProvisioningDashboards(t *testing.T) {
	var ps providers
	readYAML(t, providersFile, &ps)
	if ps.APIVersion != 1 || len(ps.Providers) != 1 {
		t.Fatalf("%s: want apiVersion 1 and one provider, have %+v", providersFile, ps)
	}
	p := ps.Providers[0]
	if p.Type != "file" || p.Name == "" || !filepath.IsAbs(p.Options.Path) {
		t.Errorf("%s: want a named file provider with an absolute path, have %+v", providersFile, p)
	}
}

// The provisioning directory holds only the files these tests check:
// Grafana would load anything else too.
func TestProvisioningHoldsOnlyCheckedFiles(t *testing.T) {
	var found []string
	err := filepath.WalkDir("grafana/provisioning", func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			found = append(found, filepath.ToSlash(path))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{providersFile, datasourcesFile}
	slices.Sort(found)
	slices.Sort(want)
	if !slices.Equal(found, want) {
		t.Errorf("grafana/provisioning holds %v, want exactly %v", found, want)
	}
}
