package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

// Every command's description fits an 80-column terminal: the text above
// Usage: in its --help (examples and flags may run longer, as commands do).
func TestHelpTextFitsEightyColumns(t *testing.T) {
	commands := []string{""}
	for i := 0; i < len(commands); i++ {
		help := helpOf(t, commands[i])
		above, _, _ := strings.Cut(help, "Usage:")
		for n, line := range strings.Split(above, "\n") {
			if w := utf8.RuneCountInString(line); w > 80 {
				t.Errorf("lab %s --help, line %d: %d columns: %s", commands[i], n+1, w, line)
			}
		}
		commands = append(commands, subcommands(commands[i], help)...)
	}
	if len(commands) < 12 {
		t.Fatalf("found %d commands in the help: %q", len(commands), commands)
	}
}

func helpOf(t *testing.T, command string) string {
	t.Helper()
	var out bytes.Buffer
	args := append(strings.Fields(command), "--help")
	if code := execute(context.Background(), args, &out, io.Discard); code != 0 {
		t.Fatalf("lab %s: exit %d", strings.Join(args, " "), code)
	}
	return out.String()
}

// subcommands are the commands listed under Available Commands in help,
// the completion and help commands cobra adds left out.
func subcommands(parent, help string) []string {
	_, list, ok := strings.Cut(help, "Available Commands:\n")
	if !ok {
		return nil
	}
	list, _, _ = strings.Cut(list, "\n\n")
	var out []string
	for _, line := range strings.Split(list, "\n") {
		name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
		if name != "" && name != "completion" && name != "help" {
			out = append(out, strings.TrimSpace(parent+" "+name))
		}
	}
	return out
}
