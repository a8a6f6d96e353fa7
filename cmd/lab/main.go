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
	watchSignals(cancel, os.Stderr)
	code := execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
	os.Exit(code)
}
