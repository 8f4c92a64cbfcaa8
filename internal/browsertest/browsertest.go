// Package browsertest starts headless Chromium for the tests that drive the
// desk and the chat widget as people do. Only tests import it.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// New starts a headless Chromium with its own profile, so two browsers are
// two separately signed-in people. Without Chromium the test skips, except
// in CI, which must run it (scripts/test installs Debian's chromium).
func New(t *testing.T) context.Context {
	t.Helper()
	exe := chromium(t)
	dir := profile(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(dir),
		chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.WindowSize(1400, 900))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancel3)
	return ctx
}

// Require skips the test early, before its setup, when there is no
// Chromium (and fails it in CI).
func Require(t *testing.T) { t.Helper(); chromium(t) }

func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("HARK_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("CI needs Chromium for the browser tests (scripts/test installs it)")
	}
	t.Skip("no Chromium; install Debian's chromium to run the browser tests")
	return ""
}

// profile makes the browser's profile directory. Not t.TempDir: Chromium's
// helper processes may still be writing to it for a moment after the
// browser is stopped, and t.TempDir fails the test when its removal does
// ("directory not empty"). The removal is registered first, so it runs
// after the browser's cancels, and it retries.
func profile(t *testing.T) string {
	dir, err := os.MkdirTemp("", "hark-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 200 { // up to 10 s
			if err = os.RemoveAll(dir); err == nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Logf("left the browser profile %s: %v", dir, err)
	})
	return dir
}
