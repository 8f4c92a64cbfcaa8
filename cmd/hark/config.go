package main

import (
	"bufio"
	"flag"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
)

// Every setting has a flag, an environment variable and a line in an
// optional config file; a flag beats the environment, which beats the file,
// which beats the default.
type setting struct {
	name, env, def, help string
	secret               bool
}

var settings = map[string]setting{
	"addr":            {"addr", "HARK_ADDR", "127.0.0.1:8080", "address to listen on (host:port)", false},
	"db":              {"db", "HARK_DB", "hark.db", "SQLite file path, or a postgres:// DSN", true},
	"nats":            {"nats", "HARK_NATS", "", "NATS server URL for live updates across nodes (e.g. nats://127.0.0.1:4222); empty: in-process", false},
	"secure-cookies":  {"secure-cookies", "HARK_SECURE_COOKIES", "auto", "mark session cookies Secure: true, false, or auto (true when --public-url is https)", false},
	"public-url":      {"public-url", "HARK_PUBLIC_URL", "", "the desk's address as customers and providers reach it (e.g. https://desk.example.com)", false},
	"trusted-proxies": {"trusted-proxies", "HARK_TRUSTED_PROXIES", "", "load balancers in front of the desk, as addresses or CIDR ranges separated by commas: the client is then read from their X-Forwarded-For", false},
	"log-level":       {"log-level", "HARK_LOG_LEVEL", "info", "log level: debug, info, warn or error", false},
}

// flags is a command's flag set with the shared settings it uses.
type flags struct {
	fs     *flag.FlagSet
	vals   map[string]*string
	config *string
	// takesArgs lets arguments follow the flags; a command that sets it
	// reads (or refuses) them itself. Otherwise parse refuses them.
	takesArgs bool
}

func newFlags(cmd, usageLine string, names ...string) *flags {
	f := &flags{fs: flag.NewFlagSet("hark "+cmd, flag.ContinueOnError), vals: map[string]*string{}}
	f.fs.Usage = func() {
		fmt.Fprintf(f.fs.Output(), "Usage: hark %s %s\n\nFlags:\n", cmd, usageLine)
		f.fs.PrintDefaults()
	}
	for _, n := range names {
		s := settings[n]
		f.vals[n] = f.fs.String(n, "", fmt.Sprintf("%s (env %s, default %q)", s.help, s.env, s.def))
	}
	f.config = f.fs.String("config", "", "optional config file of KEY=value lines using the HARK_* names (env HARK_CONFIG)")
	return f
}

// parse reads args and resolves each setting.
func (f *flags) parse(args []string) error {
	if err := f.fs.Parse(args); err != nil {
		return err
	}
	if !f.takesArgs {
		if err := noArgs(f.fs); err != nil {
			return err
		}
	}
	for _, w := range strayEnv(os.Environ()) {
		fmt.Fprintln(os.Stderr, "hark: warning:", w)
	}
	path := *f.config
	if path == "" {
		path = os.Getenv("HARK_CONFIG")
	}
	file := map[string]string{}
	if path != "" {
		var err error
		if file, err = readConfigFile(path); err != nil {
			return err
		}
	}
	for n, v := range f.vals {
		if *v != "" {
			continue
		}
		s := settings[n]
		switch {
		case os.Getenv(s.env) != "":
			*v = os.Getenv(s.env)
		case file[s.env] != "":
			*v = file[s.env]
		default:
			*v = s.def
		}
	}
	if v, ok := f.vals["log-level"]; ok {
		if _, err := logLevel(*v); err != nil {
			return err
		}
	}
	return nil
}

// noArgs refuses what is left after the flags: the flag package stops at
// the first word that is not a flag and drops the rest, so in
// '--name Al Smith --role admin' the role was lost without a word.
func noArgs(fs *flag.FlagSet) error {
	if fs.NArg() == 0 {
		return nil
	}
	return fmt.Errorf("unexpected argument %q: %s takes only flags (quote a value with spaces: --name \"Al Smith\")", fs.Arg(0), fs.Name())
}

// get returns a setting's value; one the command does not take has its default.
func (f *flags) get(name string) string {
	if v, ok := f.vals[name]; ok {
		return *v
	}
	return settings[name].def
}

func readConfigFile(path string) (map[string]string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	defer fh.Close()
	known := envSettings()
	out := map[string]string{}
	sc := bufio.NewScanner(fh)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("config file %s line %d: want KEY=value", path, n)
		}
		k = strings.ToUpper(strings.TrimSpace(k))
		if !strings.HasPrefix(k, "HARK_") {
			k = "HARK_" + strings.ReplaceAll(k, "-", "_")
		}
		// The file holds only hark's settings: a misspelt one (HARK_ADRR)
		// would otherwise be ignored and its default used without a word.
		// The environment is only warned of (strayEnv).
		if !known[k] {
			return nil, fmt.Errorf("config file %s line %d: unknown setting %s (known: %s)", path, n, k, strings.Join(slices.Sorted(maps.Keys(known)), ", "))
		}
		out[k] = strings.Trim(strings.TrimSpace(v), `"`)
	}
	return out, sc.Err()
}

// secureCookies reads the secure-cookies setting: a desk whose public
// address is https marks its cookies Secure unless told otherwise.
func secureCookies(setting, publicURL string) (bool, error) {
	switch setting {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "auto", "":
		return strings.HasPrefix(strings.ToLower(publicURL), "https://"), nil
	}
	return false, fmt.Errorf("secure-cookies is true, false or auto, not %q", setting)
}

// otherEnv are the HARK_ names read outside the settings: the config
// file's path, a new user's password, and the tests' own (HARK_TEST_*,
// HARK_CHROMIUM, HARK_SCREENSHOT).
var otherEnv = []string{"HARK_CONFIG", "HARK_PASSWORD", "HARK_CHROMIUM", "HARK_SCREENSHOT"}

// strayEnv names the HARK_ variables in environ that no setting reads: a
// misspelt HARK_DATABASE would otherwise leave the desk on ./hark.db
// without a word. They are warned of, not refused as a config file's are:
// the environment is shared with other programs and scripts.
func strayEnv(environ []string) []string {
	var out []string
	known := envSettings()
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "HARK_") || strings.HasPrefix(name, "HARK_TEST_") || slices.Contains(otherEnv, name) || known[name] {
			continue
		}
		out = append(out, fmt.Sprintf("%s is not a hark setting and is ignored (they are %s)", name, strings.Join(slices.Sorted(maps.Keys(known)), ", ")))
	}
	return out
}

// envSettings is the set of the settings' variable names.
func envSettings() map[string]bool {
	known := map[string]bool{}
	for _, s := range settings {
		known[s.env] = true
	}
	return known
}
