package faults

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
)

//go:embed plans/*.yaml
var builtinPlans embed.FS

// BuiltinPlans lists the names of the plans shipped with the lab.
func BuiltinPlans() []string {
	entries, _ := fs.ReadDir(builtinPlans, "plans")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}

// BuiltinPlanSource is the YAML of a built-in plan, a template for your own.
func BuiltinPlanSource(name string) ([]byte, bool) {
	data, err := builtinPlans.ReadFile(path.Join("plans", name+".yaml"))
	return data, err == nil
}

// LoadPlan resolves a built-in plan name, or else reads a plan file.
func LoadPlan(nameOrFile string) (*Plan, error) {
	if nameOrFile == "" {
		return nil, &PlanError{File: `""`, Msg: fmt.Sprintf("want a built-in plan (%s) or a plan file", strings.Join(BuiltinPlans(), ", "))}
	}
	if data, ok := BuiltinPlanSource(nameOrFile); ok {
		return ParsePlan(nameOrFile, data)
	}
	if _, err := os.Stat(nameOrFile); errors.Is(err, fs.ErrNotExist) {
		return nil, &PlanError{File: nameOrFile, Msg: fmt.Sprintf("no built-in plan or file of that name (built-in: %s)",
			strings.Join(BuiltinPlans(), ", "))}
	}
	return ReadPlanFile(nameOrFile)
}
