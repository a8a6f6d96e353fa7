// Command lab runs the invoker fault-injection lab: seeded simulations of
// Restate's invoker under fault plans, checked against invariants, and
// scripted timelines that reproduce known bugs exactly.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
