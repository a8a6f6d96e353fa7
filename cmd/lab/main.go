// Command lab runs the invoker fault-injection lab: seeded simulations of
// Restate's invoker under fault plans, checked against invariants, and
// scripted timelines that reproduce known bugs exactly.
package main

import (
	"context"
	"os"
)

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	stderr := patientStderr()
	watchSignals(cancel, stderr)
	code := execute(ctx, os.Args[1:], os.Stdout, stderr)
	os.Exit(code)
}
