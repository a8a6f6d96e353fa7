package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"lab/invoker"
)

// The README and docs/ name tests, benchmarks, fuzz targets and files as
// evidence; every one they name exists, so that a rename or a removal
// cannot leave them pointing at nothing.
func TestREADMEReferencesExist(t *testing.T) {
	t.Parallel()
	const root = "../.."
	var sources strings.Builder
	names := map[string]bool{} // base names of the repository's files
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "tools") {
			return filepath.SkipDir
		}
		names[d.Name()] = true
		if strings.HasSuffix(path, "_test.go") {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			sources.Write(data)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	docs, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	funcRef := regexp.MustCompile(`\b(?:Test|Benchmark|Fuzz)[A-Z]\w+`)
	fileRef := regexp.MustCompile("`([A-Za-z0-9_./-]+\\.(?:go|txt|yaml|golden|sh))`")
	benchFlag := regexp.MustCompile(`-bench '?([A-Za-z0-9_|/$^]+)`)
	for _, doc := range append([]string{filepath.Join(root, "README.md")}, docs...) {
		data, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range funcRef.FindAllString(string(data), -1) {
			if !strings.Contains(sources.String(), "func "+name+"(") {
				t.Errorf("%s names %s, which no test file declares", filepath.Base(doc), name)
			}
		}
		for _, m := range benchFlag.FindAllStringSubmatch(string(data), -1) {
			for _, alt := range strings.Split(m[1], "|") {
				name := "Benchmark" + strings.Trim(strings.SplitN(alt, "/", 2)[0], "^$")
				if !strings.Contains(sources.String(), "func "+name+"(") {
					t.Errorf("%s runs -bench %s, and no test file declares %s", filepath.Base(doc), m[1], name)
				}
			}
		}
		for _, m := range fileRef.FindAllStringSubmatch(string(data), -1) {
			if !names[filepath.Base(m[1])] {
				t.Errorf("%s names %s, which is no file of the repository", filepath.Base(doc), m[1])
			}
		}
	}
}

// Every flag of every command is in the README, as the command's --help
// lists it.
func TestREADMEDocumentsEveryFlag(t *testing.T) {
	t.Parallel()
	text := []byte(readme(t))
	top := lab(t, "--help")
	wantCode(t, top, 0)
	_, list, _ := strings.Cut(top.stdout, "Available Commands:")
	list, _, _ = strings.Cut(list, "\n\n")
	commands := [][]string{{"explore", "merge"}}
	for line := range strings.Lines(list) {
		if f := strings.Fields(line); len(f) > 0 && f[0] != "help" && f[0] != "completion" {
			commands = append(commands, []string{f[0]})
		}
	}
	if len(commands) < 10 {
		t.Fatalf("lab --help lists %d commands:\n%v", len(commands), top)
	}
	flag := regexp.MustCompile(`--[a-z][a-z0-9-]+`)
	for _, c := range commands {
		help := lab(t, append(c, "--help")...)
		wantCode(t, help, 0)
		for _, f := range flag.FindAllString(help.stdout, -1) {
			if f != "--help" && !regexp.MustCompile(f+`([^a-z0-9-]|$)`).Match(text) {
				t.Errorf("lab %s %s is not in the README", strings.Join(c, " "), f)
			}
		}
	}
}

// Every message kind a plan's rule can select is in the README's list.
func TestREADMEDocumentsEveryMessageKind(t *testing.T) {
	t.Parallel()
	text := readme(t)
	for _, k := range invoker.MsgKinds() {
		if !strings.Contains(text, "`"+k.String()+"`") {
			t.Errorf("message kind %s is not in the README", k)
		}
	}
}
