package app_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/harkdesk/hark/internal/app"
	"github.com/harkdesk/hark/internal/db"
	"github.com/harkdesk/hark/internal/live"
)

// A second hark serve (or demo) on the SQLite file another one serves is
// refused, naming the first: live updates do not cross processes, so the
// two would serve desks that never see each other's changes. Commands
// that run and exit still work beside it, a node given a shared bus is
// not refused, and the file is free again once the first stops. Before,
// the second started without a word.
func TestASecondServerOnOneSQLiteFileIsRefused(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hark.db")
	first, err := app.Open(ctx, app.Options{DB: path, Migrate: true, PollEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	second, err := app.Open(ctx, app.Options{DB: path, Migrate: true, PollEvery: -1})
	if err == nil {
		second.Close()
		first.Close()
		t.Fatal("a second server opened the file the first serves")
	}
	if !errors.Is(err, db.ErrInUse) || !strings.Contains(err.Error(), "process "+strconv.Itoa(os.Getpid())+" is serving "+path) ||
		!strings.Contains(err.Error(), "PostgreSQL with --nats") {
		t.Errorf("the refusal does not name the server and the way to run several: %v", err)
	}
	oneShot, err := app.Open(ctx, app.Options{DB: path, OneShot: true, Existing: true})
	if err != nil {
		t.Fatalf("hark user add beside a server: %v", err)
	}
	oneShot.Close()
	bus := live.NewLocal()
	shared, err := app.Open(ctx, app.Options{DB: path, PollEvery: -1, Bus: bus})
	if err != nil {
		t.Fatalf("a node with a shared bus was refused: %v", err)
	}
	shared.Close()
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := app.Open(ctx, app.Options{DB: path, PollEvery: -1})
	if err != nil {
		t.Fatalf("the file stayed held after its server stopped: %v", err)
	}
	defer again.Close()
	// The same file through a symlink is the same desk.
	link := filepath.Join(t.TempDir(), "link.db")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	if viaLink, err := app.Open(ctx, app.Options{DB: link, PollEvery: -1}); !errors.Is(err, db.ErrInUse) {
		if err == nil {
			viaLink.Close()
		}
		t.Errorf("a second server through a symlink to the file: %v, want it refused", err)
	}
}
