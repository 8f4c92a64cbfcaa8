package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/workspace"
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

// hark CMD --help prints the command's usage and exits 0, and neither it
// nor a misspelt subcommand opens (so makes or migrates) a database.
func TestHelpPrintsUsageAndAMisspeltSubcommandTouchesNoDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	bin := buildHark(t, ctx)
	for _, c := range []struct {
		args []string
		want string // in the usage printed
	}{
		{[]string{"user", "--help"}, "hark user add --email EMAIL"},
		{[]string{"token", "--help"}, "hark token create --user EMAIL"},
		{[]string{"workspace", "--help"}, "hark workspace add --slug SLUG"},
		{[]string{"account", "--help"}, "hark account list"},
		{[]string{"account", "-h"}, "hark account health --id ID"},
		{[]string{"corrections", "--help"}, "hark corrections export"},
	} {
		dir := t.TempDir()
		cmd := exec.CommandContext(ctx, bin, c.args...)
		cmd.Dir, cmd.Env = dir, append(os.Environ(), "HARK_DB=", "HARK_CONFIG=")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), c.want) {
			t.Errorf("hark %s: %v\n%s\nwant status 0 and %q", strings.Join(c.args, " "), err, out, c.want)
		}
		if _, err := os.Stat(filepath.Join(dir, "hark.db")); err == nil {
			t.Errorf("hark %s made hark.db", strings.Join(c.args, " "))
		}
	}
	for _, args := range [][]string{{"account", "lsit"}, {"account", "lsit", "--db", "hark.db"}} {
		dir := t.TempDir()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Dir, cmd.Env = dir, append(os.Environ(), "HARK_DB=", "HARK_CONFIG=")
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), `unknown subcommand "lsit"`) {
			t.Errorf("hark %s: %v\n%s\nwant an unknown subcommand", strings.Join(args, " "), err, out)
		}
		if _, err := os.Stat(filepath.Join(dir, "hark.db")); err == nil {
			t.Errorf("hark %s made hark.db", strings.Join(args, " "))
		}
	}
}

// Words left after the flags are refused, not dropped: in '--name Al Smith
// --role admin' the flags stop at Smith, and the user was added as an
// agent; 'serve --db x.db 127.0.0.1:9000' served on the default port.
func TestArgumentsLeftAfterTheFlagsAreRefused(t *testing.T) {
	t.Setenv("HARK_CONFIG", "")
	t.Setenv("HARK_PASSWORD", "correcthorse")
	db := filepath.Join(t.TempDir(), "hark.db")
	for _, args := range [][]string{
		{"user", "add", "--db", db, "--email", "al@example.com", "--name", "Al", "Smith", "--role", "admin"},
		{"serve", "--db", db, "127.0.0.1:9000"},
		{"demo", "--db", db, "127.0.0.1:9000"},
		{"workspace", "add", "--db", db, "--slug", "acme", "--name", "Acme", "Inc"},
		{"account", "list", "--db", db, "acme"},
		{"token", "create", "--db", db, "--user", "al@example.com", "90d"},
		{"migrate", "--db", db, "now"},
		{"fake", "meta", "--addr", "127.0.0.1:0", "x"},
		{"bench", "ingest", "--messages", "10", "extra"},
		{"eval", "--quick", "extra"},
		{"version", "extra"},
	} {
		err := commands()[args[0]].run(args[1:])
		if err == nil || !strings.Contains(err.Error(), "unexpected argument") {
			t.Errorf("hark %s: %v; want the stray argument refused", strings.Join(args, " "), err)
		}
	}
	if _, err := os.Stat(db); err == nil {
		t.Errorf("a refused command made %s", db)
	}
	// A command's own positional arguments are still read.
	if err := cmdClassify([]string{"messages.txt"}); err == nil || !strings.Contains(err.Error(), "standard input") {
		t.Errorf("hark classify messages.txt: %v", err)
	}
	if err := cmdFake([]string{"nosuch"}); err == nil || !strings.Contains(err.Error(), "no fake for") {
		t.Errorf("hark fake nosuch: %v", err)
	}
}

// The account and user commands' errors say what is wrong, where, and once:
// a missing --id is not "account 0: not found", broken JSON names its line,
// and an unknown user is not named twice.
func TestCommandErrorsSayWhatIsWrongWhereAndOnce(t *testing.T) {
	t.Setenv("HARK_CONFIG", "")
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "hark.db")
	a, err := app.Open(ctx, app.Options{DB: path, Migrate: true, PollEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	ws, _ := a.Workspaces.Create(ctx, "acme", "Acme")
	acct, _, err := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "x", Handle: "acme"})
	a.Close()
	if err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(dir, "x.json")
	os.WriteFile(broken, []byte("{\n  \"consumer_key\": \"k\",\n  \"consumer_secret\": \"s\",,\n}\n"), 0o600)
	array := filepath.Join(dir, "array.json")
	os.WriteFile(array, []byte(`[{"consumer_key": "k"}]`), 0o600)
	id := strconv.FormatInt(acct.ID, 10)
	for _, c := range []struct {
		args       []string
		want, once string
	}{
		{[]string{"account", "config", "--file", broken}, "--id is required", ""},
		{[]string{"account", "health"}, "--id is required", ""},
		{[]string{"account", "config", "--id", id, "--file", broken}, "line 3, column 26", ""},
		{[]string{"account", "config", "--id", id, "--file", array}, "it is a JSON array", ""},
		{[]string{"user", "role", "--email", "nobody@example.com", "--role", "admin"}, "not found", "nobody@example.com"},
		{[]string{"token", "create", "--user", "nobody@example.com"}, "not found", "nobody@example.com"},
	} {
		err := commands()[c.args[0]].run(append(c.args[1:], "--db", path))
		name := "hark " + strings.Join(c.args, " ")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want %q", name, err, c.want)
			continue
		}
		if c.once != "" && strings.Count(err.Error(), c.once) != 1 {
			t.Errorf("%s: %v; want %s named once", name, err, c.once)
		}
	}
}

// hark serve says which store it serves, as an absolute path: a desk set up
// in one database and served from another (a --db left off) shows at once.
func TestServeLogsTheStoreItServes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	bin := buildHark(t, ctx)
	dir := t.TempDir()
	cmd := exec.CommandContext(ctx, bin, "serve", "--db", "desk.db", "--addr", "127.0.0.1:0")
	cmd.Dir, cmd.Env = dir, append(os.Environ(), "HARK_CONFIG=", "HARK_LOG_LEVEL=")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if l := sc.Text(); strings.Contains(l, "hark is serving") {
			if want := "db=" + filepath.Join(dir, "desk.db"); !strings.Contains(l, want) {
				t.Errorf("serve logged %q; want %s", l, want)
			}
			return
		}
	}
	t.Fatal("hark serve ended without saying it serves")
}

// A password reset makes a new password, whatever HARK_PASSWORD a set-up
// script left in the environment; a token's life has bounds.
func TestAPasswordResetIgnoresHARKPASSWORDAndTokenLivesHaveBounds(t *testing.T) {
	t.Setenv("HARK_CONFIG", "")
	t.Setenv("HARK_PASSWORD", "correcthorse")
	path := filepath.Join(t.TempDir(), "hark.db")
	if err := cmdUser([]string{"add", "--db", path, "--email", "al@example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := cmdUser([]string{"password", "--db", path, "--email", "al@example.com"}); err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(context.Background(), app.Options{DB: path, OneShot: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.Users.Authenticate(context.Background(), "al@example.com", "correcthorse"); err == nil {
		t.Error("the reset set HARK_PASSWORD again")
	}
	for in, ok := range map[string]bool{"90d": true, "12h": true, "36500d": true, "200000d": false, "0d": false, "-1h": false, "3x": false} {
		if _, err := parseTTL(in); (err == nil) != ok {
			t.Errorf("--expires %s: %v", in, err)
		}
	}
}

// hark account health prints what the API answers for the account: ids as
// strings (a 63-bit id printed as a number loses digits in JavaScript and
// jq) and times as RFC 3339. Before, it printed the store's own structs.
func TestAccountHealthPrintsTheAPIsView(t *testing.T) {
	ctx := context.Background()
	a, err := app.Open(ctx, app.Options{DB: filepath.Join(t.TempDir(), "hark.db"), Migrate: true, OneShot: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ws, _ := a.Workspaces.Create(ctx, "acme", "Acme")
	acct, _, err := a.Workspaces.AddAccount(ctx, workspace.Account{WorkspaceID: ws.ID, Channel: "x", Handle: "acme", Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	a.Health.Error(ctx, acct.ID, "poll", "provider answered 503")
	var out strings.Builder
	if err := printHealth(ctx, a, acct, &out); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Account struct {
			ID          string `json:"id"`
			WorkspaceID string `json:"workspace_id"`
		} `json:"account"`
		Health struct {
			Errors []struct {
				At string `json:"at"`
			} `json:"errors"`
		} `json:"health"`
	}
	if err := json.Unmarshal([]byte(out.String()), &got); err != nil {
		t.Fatalf("%v:\n%s", err, out.String())
	}
	if got.Account.ID != strconv.FormatInt(acct.ID, 10) || got.Account.WorkspaceID != strconv.FormatInt(ws.ID, 10) {
		t.Errorf("ids %+v, want %d and %d as strings", got.Account, acct.ID, ws.ID)
	}
	if len(got.Health.Errors) != 1 {
		t.Fatalf("errors %+v", got.Health.Errors)
	}
	if _, err := time.Parse(time.RFC3339, got.Health.Errors[0].At); err != nil {
		t.Errorf("the error's time is not RFC 3339: %q", got.Health.Errors[0].At)
	}
}
