package store

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// ErrInUse is returned by Restore when another process has the store open.
var ErrInUse = errors.New("store: the database is in use by another veille process")

// fileLock is an advisory lock beside the database: every open store holds
// it shared, Restore needs it exclusive.
type fileLock struct{ f *os.File }

func lockPath(dbPath string) string { return dbPath + ".lock" }

func acquire(dbPath string, exclusive bool) (*fileLock, error) {
	f, err := os.OpenFile(lockPath(dbPath), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: lock: %w", err)
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	if err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrInUse
		}
		return nil, fmt.Errorf("store: lock: %w", err)
	}
	return &fileLock{f: f}, nil
}

func (l *fileLock) release() error {
	if l == nil {
		return nil
	}
	return l.f.Close() // closing the descriptor releases the lock
}
