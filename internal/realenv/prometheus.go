package realenv

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// PrometheusHowTo says how to get Prometheus.
const PrometheusHowTo = `Install the distribution's Prometheus: apt-get install -y prometheus
(or set PROMETHEUS_BIN to a prometheus binary; .ci/run installs it).`

// Prometheus is a running Prometheus scraping the given targets.
type Prometheus struct {
	URL string
}

// StartPrometheus starts Prometheus on a free loopback port, with exemplar
// storage, scraping targets (host:port, path /metrics) every interval.
func StartPrometheus(t testing.TB, interval time.Duration, targets ...string) *Prometheus {
	t.Helper()
	bin := find(t, "PROMETHEUS_BIN", "prometheus", PrometheusHowTo)
	dir := t.TempDir()
	tj, _ := json.Marshal(targets)
	cfg := fmt.Sprintf("global:\n  scrape_interval: %s\n  scrape_timeout: %s\n  evaluation_interval: %s\n"+
		"scrape_configs:\n  - job_name: lab\n    static_configs:\n      - targets: %s\n", interval, interval, interval, tj)
	path := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	url := func(ports []int) string { return fmt.Sprintf("http://127.0.0.1:%d", ports[0]) }
	var attempt int
	ports := startOnFreePorts(t, "prometheus", bin, 1, func(ports []int) []string {
		// A fresh store each time: one a stopped Prometheus left is locked.
		attempt++
		return []string{"--config.file=" + path, "--storage.tsdb.path=" + filepath.Join(dir, fmt.Sprintf("data%d", attempt)),
			fmt.Sprintf("--web.listen-address=127.0.0.1:%d", ports[0]), "--enable-feature=exemplar-storage", "--log.level=warn"}
	}, func(ports []int) string { return url(ports) + "/-/ready" }, 60*time.Second)
	p := &Prometheus{URL: url(ports)}
	p.waitScraping(t, len(targets), 30*time.Second)
	return p
}

// waitScraping waits until Prometheus scrapes every target (up or not):
// it applies discovered targets only every few seconds after it starts.
func (p *Prometheus) waitScraping(t testing.TB, targets int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var r struct {
			Data struct {
				ActiveTargets []struct {
					LastScrape time.Time `json:"lastScrape"`
				} `json:"activeTargets"`
			} `json:"data"`
		}
		p.get(t, "/api/v1/targets", &r)
		scraped := 0
		for _, a := range r.Data.ActiveTargets {
			if a.LastScrape.Year() > 1 {
				scraped++
			}
		}
		if scraped == targets {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("realenv: prometheus scrapes %d of %d targets after %v", scraped, targets, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Sample is one series of an instant query's result.
type Sample struct {
	Labels map[string]string
	Value  float64
}

// Query runs an instant PromQL query.
func (p *Prometheus) Query(t testing.TB, q string) []Sample {
	t.Helper()
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	p.get(t, "/api/v1/query?query="+url.QueryEscape(q), &r)
	if r.Status != "success" {
		t.Fatalf("query %s: %s", q, r.Error)
	}
	var out []Sample
	for _, s := range r.Data.Result {
		v, _ := strconv.ParseFloat(fmt.Sprint(s.Value[1]), 64)
		out = append(out, Sample{Labels: s.Metric, Value: v})
	}
	return out
}

// Samples are the raw values of one series' samples in the last window,
// oldest first: what a range selector like metric[1m] holds.
func (p *Prometheus) Samples(t testing.TB, selector string, window time.Duration) []float64 {
	t.Helper()
	series := p.Series(t, selector, window)
	if len(series) != 1 {
		t.Fatalf("%s[%v]: %d series, want 1", selector, window, len(series))
	}
	return series[0].Values
}

// RawSeries is one series of a range selector: its labels and its raw
// values, oldest first.
type RawSeries struct {
	Labels map[string]string
	Values []float64
}

// Series are the raw samples in the last window of every series selector
// selects.
func (p *Prometheus) Series(t testing.TB, selector string, window time.Duration) []RawSeries {
	t.Helper()
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
				Values [][2]any          `json:"values"`
			} `json:"result"`
		} `json:"data"`
	}
	q := fmt.Sprintf("%s[%ds]", selector, int(window.Seconds()))
	p.get(t, "/api/v1/query?query="+url.QueryEscape(q), &r)
	if r.Status != "success" {
		t.Fatalf("query %s: %s", q, r.Error)
	}
	out := make([]RawSeries, len(r.Data.Result))
	for i, s := range r.Data.Result {
		out[i].Labels = s.Metric
		for _, v := range s.Values {
			f, _ := strconv.ParseFloat(fmt.Sprint(v[1]), 64)
			out[i].Values = append(out[i].Values, f)
		}
	}
	return out
}

// Exemplar is one exemplar of /api/v1/query_exemplars.
type Exemplar struct {
	Series map[string]string
	Labels map[string]string
	Value  float64
}

// Exemplars returns the exemplars of the series q selects in [start, end].
func (p *Prometheus) Exemplars(t testing.TB, q string, start, end time.Time) []Exemplar {
	t.Helper()
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   []struct {
			SeriesLabels map[string]string `json:"seriesLabels"`
			Exemplars    []struct {
				Labels map[string]string `json:"labels"`
				Value  string            `json:"value"`
			} `json:"exemplars"`
		} `json:"data"`
	}
	p.get(t, fmt.Sprintf("/api/v1/query_exemplars?query=%s&start=%d&end=%d", url.QueryEscape(q), start.Unix(), end.Unix()+1), &r)
	if r.Status != "success" {
		t.Fatalf("exemplars %s: %s", q, r.Error)
	}
	var out []Exemplar
	for _, s := range r.Data {
		for _, e := range s.Exemplars {
			v, _ := strconv.ParseFloat(e.Value, 64)
			out = append(out, Exemplar{Series: s.SeriesLabels, Labels: e.Labels, Value: v})
		}
	}
	return out
}

func (p *Prometheus) get(t testing.TB, path string, into any) {
	t.Helper()
	resp, err := http.Get(p.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(body, into); err != nil {
		t.Fatalf("%s: %v: %s", path, err, tail(string(body), 300))
	}
}

// WaitFor polls q until check accepts its result, or fails after timeout.
func (p *Prometheus) WaitFor(t testing.TB, q string, timeout time.Duration, check func([]Sample) bool) []Sample {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := p.Query(t, q)
		if check(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("PromQL %s: still %v after %v", q, s, timeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
