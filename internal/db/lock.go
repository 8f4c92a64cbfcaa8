package db

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrInUse is HoldSQLite's error when another process serves the file.
var ErrInUse = errors.New("database in use")

// HoldSQLite marks a SQLite file as served by this process until the
// returned closer is closed (or the process ends, however it ends). Two
// processes serving one file each keep their own live updates, so desks on
// one never see what agents do on the other; the second is refused with
// ErrInUse, naming the first's pid. The mark is an advisory lock on
// PATH.lock, beside SQLite's own -wal and -shm files; commands that run and
// exit (hark user add) do not take it.
func HoldSQLite(path string) (io.Closer, error) {
	path = strings.TrimPrefix(path, "sqlite://")
	// One file reached by two names (a symlink to it) is one desk.
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	f, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("db: lock %s: %w", path, err)
	}
	held, err := lockFile(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("db: lock %s: %w", path, err)
	}
	if !held {
		b, _ := io.ReadAll(io.LimitReader(f, 32))
		f.Close()
		who := "another process"
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			who = "process " + strconv.Itoa(pid)
		}
		return nil, fmt.Errorf("%w: %s is serving %s", ErrInUse, who, path)
	}
	// The pid is for the message above; the lock, not the file, is the mark.
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}
