package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A desk served over https marks its session cookies Secure unless told
// otherwise; a misspelt setting is refused, not read as false.
func TestSecureCookiesSetting(t *testing.T) {
	for _, c := range []struct {
		setting, publicURL string
		want               bool
	}{
		{"", "", false}, {"auto", "http://127.0.0.1:8080", false}, {"auto", "HTTPS://desk.example.com", true},
		{"", "https://desk.example.com", true}, {"false", "https://desk.example.com", false}, {"true", "", true},
	} {
		got, err := secureCookies(c.setting, c.publicURL)
		if err != nil || got != c.want {
			t.Errorf("secureCookies(%q, %q) = %v, %v; want %v", c.setting, c.publicURL, got, err, c.want)
		}
	}
	if _, err := secureCookies("yes", ""); err == nil {
		t.Error(`secure-cookies "yes" was accepted`)
	}
}

// A misspelt setting in the config file is refused with its line, not
// ignored while its default is used; known ones, with or without the HARK_
// prefix, are read.
func TestAConfigFileWithAnUnknownSettingIsRefused(t *testing.T) {
	t.Setenv("HARK_CONFIG", "")
	t.Setenv("HARK_ADDR", "")
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.conf")
	os.WriteFile(bad, []byte("# desk\nHARK_DB=/tmp/x.db\n\nHARK_ADRR=0.0.0.0:9000\n"), 0o600)
	f := newFlags("serve", "[flags]", "addr", "db")
	err := f.parse([]string{"--config", bad})
	if err == nil || !strings.Contains(err.Error(), "line 4") || !strings.Contains(err.Error(), "HARK_ADRR") {
		t.Errorf("a config file with HARK_ADRR: %v; want it refused at line 4", err)
	}
	good := filepath.Join(dir, "good.conf")
	os.WriteFile(good, []byte("HARK_ADDR=0.0.0.0:9000\nlog-level = debug\nHARK_NATS=\n"), 0o600)
	f = newFlags("serve", "[flags]", "addr", "log-level")
	if err := f.parse([]string{"--config", good}); err != nil || f.get("addr") != "0.0.0.0:9000" || f.get("log-level") != "debug" {
		t.Errorf("a good config file: %v, addr %q, log-level %q", err, f.get("addr"), f.get("log-level"))
	}
}

// A misspelt log level is refused, not read as info.
func TestAnUnknownLogLevelIsRefused(t *testing.T) {
	t.Setenv("HARK_CONFIG", "")
	t.Setenv("HARK_LOG_LEVEL", "")
	f := newFlags("serve", "[flags]", "log-level")
	if err := f.parse([]string{"--log-level", "verbose"}); err == nil || !strings.Contains(err.Error(), `"verbose"`) {
		t.Errorf("--log-level verbose: %v; want it refused", err)
	}
	for _, l := range []string{"debug", "info", "warn", "error", "WARN"} {
		f := newFlags("serve", "[flags]", "log-level")
		if err := f.parse([]string{"--log-level", l}); err != nil {
			t.Errorf("--log-level %s: %v", l, err)
		}
	}
}

// A misspelt HARK_ variable is warned of, naming the settings, so a desk
// left on ./hark.db by HARK_DATABASE says why; the names hark and its
// tests read elsewhere are not.
func TestAStrayHARKVariableIsWarnedOf(t *testing.T) {
	got := strayEnv([]string{"HARK_DATABASE=/srv/hark.db", "HARK_DB=/srv/hark.db", "HARK_PASSWORD=x", "HARK_CONFIG=",
		"HARK_TEST_POSTGRES=postgres://x", "HARK_CHROMIUM=/bin/c", "HOME=/root", "HARKNESS=1"})
	if len(got) != 1 || !strings.Contains(got[0], "HARK_DATABASE is not a hark setting") || !strings.Contains(got[0], "HARK_DB, HARK_LOG_LEVEL") {
		t.Errorf("warnings %q; want one, for HARK_DATABASE, naming the settings", got)
	}
}
