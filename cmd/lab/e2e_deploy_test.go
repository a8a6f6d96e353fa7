package main

import (
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// The Indexed Job under deploy/ is consistent (completions, parallelism and
// JOB_COMPLETIONS agree) and its arguments are a lab explore command that
// works: run here as its last pod would be, on fewer seeds.
func TestDeployJobManifest(t *testing.T) {
	data, err := os.ReadFile("../../deploy/explore-job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var job struct {
		Kind string
		Spec struct {
			CompletionMode       string `yaml:"completionMode"`
			Completions          int
			Parallelism          int
			BackoffLimitPerIndex *int `yaml:"backoffLimitPerIndex"`
			Template             struct {
				Spec struct {
					Containers []struct {
						Args []string
						Env  []struct{ Name, Value string }
					}
				}
			}
		}
	}
	if err := yaml.Unmarshal(data, &job); err != nil {
		t.Fatal(err)
	}
	s := job.Spec
	if job.Kind != "Job" || s.CompletionMode != "Indexed" || s.Completions < 1 || s.Parallelism != s.Completions ||
		len(s.Template.Spec.Containers) != 1 || s.BackoffLimitPerIndex == nil || *s.BackoffLimitPerIndex != 0 {
		t.Fatalf("not an Indexed Job of one container with no retries: %+v", job)
	}
	c := s.Template.Spec.Containers[0]
	var completions string
	for _, e := range c.Env {
		if e.Name == "JOB_COMPLETIONS" {
			completions = e.Value
		}
	}
	if completions != strconv.Itoa(s.Completions) {
		t.Fatalf("JOB_COMPLETIONS=%q, completions %d", completions, s.Completions)
	}
	var args []string
	for _, a := range c.Args {
		if !strings.HasPrefix(a, "--seeds=") {
			args = append(args, a)
		}
	}
	last := strconv.Itoa(s.Completions - 1)
	r := labWithEnv(t, []string{"JOB_COMPLETION_INDEX=" + last, "JOB_COMPLETIONS=" + completions}, append(args, "--seeds=40")...)
	if r.code != 0 && r.code != 1 {
		t.Fatalf("the Job's command fails:\n%v", r)
	}
	if rep := parseExplore(t, r); !reflect.DeepEqual(rep.Shards, []string{last + "/" + completions}) || rep.Schedules != 5 {
		t.Fatalf("shard %v ran %d schedules, want shard %s/%s of 40 seeds (5)", rep.Shards, rep.Schedules, last, completions)
	}
}
