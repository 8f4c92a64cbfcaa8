package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A command that reads or changes a desk, pointed at a SQLite file that is
// not there (a typo in --db), says so and creates neither the file nor its
// folder; a command that sets a desk up still makes a new one.
func TestACommandOnAMissingDatabaseSaysSoAndCreatesNothing(t *testing.T) {
	t.Setenv("HARK_CONFIG", "")
	for _, args := range [][]string{
		{"token", "create", "--user", "you@example.com"},
		{"token", "list", "--user", "you@example.com"},
		{"user", "list"},
		{"user", "role", "--email", "you@example.com", "--role", "admin"},
		{"user", "disable", "--email", "you@example.com"},
		{"account", "list"},
		{"account", "health", "--id", "1"},
		{"corrections", "export"},
	} {
		dir := t.TempDir()
		path := filepath.Join(dir, "typo", "hakr.db")
		err := commands()[args[0]].run(append(args[1:], "--db", path))
		if err == nil || !strings.Contains(err.Error(), "no database at "+path) {
			t.Errorf("hark %s on a missing database: %v; want no database at %s", strings.Join(args, " "), err, path)
		}
		if _, statErr := os.Stat(filepath.Join(dir, "typo")); statErr == nil {
			t.Errorf("hark %s made %s", strings.Join(args, " "), filepath.Join(dir, "typo"))
		}
	}
	t.Setenv("HARK_PASSWORD", "correcthorse")
	path := filepath.Join(t.TempDir(), "new", "hark.db")
	if err := cmdUser([]string{"add", "--db", path, "--email", "al@example.com"}); err != nil {
		t.Fatalf("hark user add on a new database: %v", err)
	}
	if err := cmdUser([]string{"list", "--db", path}); err != nil {
		t.Fatalf("hark user list after user add: %v", err)
	}
}
