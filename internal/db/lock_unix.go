//go:build unix

package db

import (
	"errors"
	"os"
	"syscall"
)

// lockFile takes f's exclusive advisory lock without waiting; false means
// another open file holds it. flock, not fcntl: SQLite's own locks are
// fcntl locks on the database file, which this leaves alone, and an flock
// is held per open file, so a second open in the same process is refused
// too.
func lockFile(f *os.File) (bool, error) {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}
