package dashboards_test

import (
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
)

const (
	composeFile    = "compose.yaml"
	prometheusFile = "prometheus/prometheus.yml"
)

type composeService struct {
	Image       string            `yaml:"image"`
	Command     []string          `yaml:"command"`
	Volumes     []string          `yaml:"volumes"`
	Ports       []string          `yaml:"ports"`
	Environment map[string]string `yaml:"environment"`
	// Keys that would name files outside the checked ones.
	Build   any `yaml:"build"`
	EnvFile any `yaml:"env_file"`
	Configs any `yaml:"configs"`
	Secrets any `yaml:"secrets"`
}

type composeProject struct {
	Services map[string]composeService `yaml:"services"`
	Configs  any                       `yaml:"configs"`
	Secrets  any                       `yaml:"secrets"`
}

// mount is a bind mount: a path on the host (relative to this directory)
// and where the container sees it.
type mount struct{ host, target string }

func (s composeService) mounts(t *testing.T) []mount {
	t.Helper()
	var out []mount
	for _, v := range s.Volumes {
		parts := strings.Split(v, ":")
		if len(parts) < 2 || !strings.HasPrefix(parts[0], ".") {
			t.Errorf("%s: volume %q: only bind mounts of files in this repository", composeFile, v)
			continue
		}
		out = append(out, mount{filepath.Clean(parts[0]), parts[1]})
	}
	return out
}

func (s composeService) target(host string) string {
	for _, v := range s.Volumes {
		if h, rest, ok := strings.Cut(v, ":"); ok && filepath.Clean(h) == host {
			target, _, _ := strings.Cut(rest, ":")
			return target
		}
	}
	return ""
}

func readCompose(t *testing.T) composeProject {
	t.Helper()
	data, err := os.ReadFile(composeFile)
	if err != nil {
		t.Fatal(err)
	}
	var c composeProject
	if err := yaml.Unmarshal(data, &c); err != nil {
		t.Fatalf("%s: %v", composeFile, err)
	}
	return c
}

// The compose file (which cannot run here: no Docker engine) names only
// files these tests check, mounts them where the provisioning expects
// them, and wires the services together the way the configs say.
func TestComposeNamesOnlyCheckedFiles(t *testing.T) {
	c := readCompose(t)
	if c.Configs != nil || c.Secrets != nil {
		t.Errorf("%s: top-level configs or secrets name unchecked files", composeFile)
	}
	checked := map[string]bool{
		prometheusFile:         true, // TestComposePrometheusConfig
		"grafana/provisioning": true, // TestProvisioning*
		"grafana/dashboards":   true, // TestGeneratedJSONIsCurrent, TestLint, ...
	}
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range c.Services {
			if !yield(k) {
				return
			}
		}
	}) {
		s := c.Services[name]
		if s.Build != nil || s.EnvFile != nil || s.Configs != nil || s.Secrets != nil {
			t.Errorf("%s: service %s uses build, env_file, configs or secrets: files no test checks", composeFile, name)
		}
		for _, m := range s.mounts(t) {
			switch {
			case checked[m.host]:
			case m.host == ".." && strings.HasPrefix(name, "lab-") && strings.Contains(strings.Join(s.Command, " "), "go build -o /usr/local/bin/lab ./cmd/lab"):
				// The lab's own source, read-only, to build the lab from.
				if !strings.HasSuffix(s.Volumes[0], ":ro") {
					t.Errorf("%s: %s mounts the source writable", composeFile, name)
				}
			default:
				t.Errorf("%s: service %s mounts %s, which no test checks", composeFile, name, m.host)
			}
		}
		for _, p := range s.Ports {
			if !strings.HasPrefix(p, "127.0.0.1:") {
				t.Errorf("%s: service %s publishes %s beyond loopback", composeFile, name, p)
			}
		}
	}

	for _, name := range []string{"lab-run", "lab-explore"} {
		if got := c.Services[name].target(".."); got != "/src" {
			t.Errorf("%s: %s does not build the lab from the repository mounted at /src (%q)", composeFile, name, got)
		}
	}

	g, ok := c.Services["grafana"]
	if !ok {
		t.Fatalf("%s: no grafana service", composeFile)
	}
	if got := g.target("grafana/provisioning"); got != "/etc/grafana/provisioning" {
		t.Errorf("%s: grafana/provisioning is mounted at %q, Grafana reads /etc/grafana/provisioning", composeFile, got)
	}
	var ps providers
	readYAML(t, providersFile, &ps)
	if got := g.target("grafana/dashboards"); len(ps.Providers) == 0 || got != ps.Providers[0].Options.Path {
		t.Errorf("%s: grafana/dashboards is mounted at %q, the file provider reads %+v", composeFile, got, ps.Providers)
	}

	p, ok := c.Services["prometheus"]
	if !ok {
		t.Fatalf("%s: no prometheus service", composeFile)
	}
	if !slices.Contains(p.Command, "--enable-feature=exemplar-storage") {
		t.Errorf("%s: prometheus runs without exemplar storage: %v", composeFile, p.Command)
	}
	if cfg := "--config.file=" + p.target(prometheusFile); !slices.Contains(p.Command, cfg) {
		t.Errorf("%s: prometheus does not read %s (want %s in %v)", composeFile, prometheusFile, cfg, p.Command)
	}

	// The datasources' URLs are compose services.
	var ds datasources
	readYAML(t, datasourcesFile, &ds)
	for _, d := range ds.Datasources {
		u, err := url.Parse(d.URL)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := c.Services[u.Hostname()]; !ok {
			t.Errorf("%s: datasource %s points at %s, not a service of %s", datasourcesFile, d.UID, d.URL, composeFile)
		}
	}
	if _, ok := c.Services["jaeger"]; !ok {
		t.Errorf("%s: no jaeger service", composeFile)
	}
}

type promConfig struct {
	Global struct {
		ScrapeInterval     string `yaml:"scrape_interval"`
		ScrapeTimeout      string `yaml:"scrape_timeout"`
		EvaluationInterval string `yaml:"evaluation_interval"`
	} `yaml:"global"`
	ScrapeConfigs []struct {
		JobName       string `yaml:"job_name"`
		StaticConfigs []struct {
			Targets []string `yaml:"targets"`
		} `yaml:"static_configs"`
	} `yaml:"scrape_configs"`
}

// Prometheus's config passes promtool, scrapes every lab service on the
// port it serves metrics on, and its interval is the one Grafana assumes.
func TestComposePrometheusConfig(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("promtool not found: apt-get install -y prometheus (.ci/run installs it)")
	}
	if out, err := exec.Command(promtool, "check", "config", prometheusFile).CombinedOutput(); err != nil {
		t.Fatalf("promtool check config %s: %v\n%s", prometheusFile, err, out)
	}
	var pc promConfig
	readYAML(t, prometheusFile, &pc)
	c := readCompose(t)
	scraped := map[string]bool{}
	for _, sc := range pc.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			for _, target := range st.Targets {
				svc, port, _ := strings.Cut(target, ":")
				s, ok := c.Services[svc]
				if !ok {
					t.Errorf("%s: job %s scrapes %s, not a service of %s", prometheusFile, sc.JobName, target, composeFile)
					continue
				}
				if !strings.Contains(strings.Join(s.Command, " "), "--metrics-addr 0.0.0.0:"+port) {
					t.Errorf("%s: job %s scrapes port %s, but %s does not serve metrics there", prometheusFile, sc.JobName, port, svc)
				}
				scraped[svc] = true
			}
		}
	}
	for name, s := range c.Services {
		if strings.Contains(strings.Join(s.Command, " "), "--metrics-addr") && !scraped[name] {
			t.Errorf("%s: %s serves metrics nobody scrapes", prometheusFile, name)
		}
	}
	var ds datasources
	readYAML(t, datasourcesFile, &ds)
	want, _ := time.ParseDuration(pc.Global.ScrapeInterval)
	for _, d := range ds.Datasources {
		if d.Type != "prometheus" {
			continue
		}
		if got, _ := time.ParseDuration(d.JSONData.TimeInterval); got != want {
			t.Errorf("%s: timeInterval %q, but Prometheus scrapes every %s: $__rate_interval would be wrong", datasourcesFile, d.JSONData.TimeInterval, pc.Global.ScrapeInterval)
		}
	}
}

// Every lab command the compose services run is one the lab accepts: its
// flags and their values parse (checked with --help appended, which the
// lab answers after parsing them, without running anything).
func TestComposeLabCommandsParse(t *testing.T) {
	lab := buildLab(t)
	seen := 0
	for name, s := range readCompose(t).Services {
		if !strings.HasPrefix(name, "lab-") {
			continue
		}
		script := strings.ReplaceAll(s.Command[len(s.Command)-1], "$$seed", "1")
		for _, part := range strings.FieldsFunc(script, func(r rune) bool { return strings.ContainsRune("&|;{}", r) }) {
			args := strings.Fields(part)
			for len(args) > 0 && slices.Contains([]string{"do", "then", "exec"}, args[0]) {
				args = args[1:]
			}
			if len(args) == 0 || args[0] != "lab" {
				continue
			}
			if i := slices.Index(args, ">"); i >= 0 {
				args = args[:i]
			}
			seen++
			out, err := exec.Command(lab, append(args[1:], "--help")...).CombinedOutput()
			if err != nil {
				t.Errorf("%s: %s: %v\n%s", name, strings.Join(args, " "), err, out)
			}
		}
	}
	if seen < 4 {
		t.Errorf("%d lab commands found in %s, want the 4 of lab-run, lab-explore and lab-inevitable", seen, composeFile)
	}
}
