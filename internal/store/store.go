// Package store is veille's source of truth: a SQLite database (pure Go,
// modernc.org/sqlite) holding outlets, sources and their health, the crawl
// frontier, every fetched article (text and page, compressed) and the
// mentions found in it. The search index is derived from it.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// ErrNotFound is returned when a requested row does not exist.
var ErrNotFound = errors.New("store: not found")

// Store is a handle on the database. It is safe for concurrent use.
type Store struct {
	db   *sql.DB
	path string
	lock *fileLock
	z    *codec
}

// Open opens (creating if needed) the database at path and applies pending
// migrations. The directory is created with mode 0700.
func Open(ctx context.Context, path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store: creating directory: %w", err)
	}
	lock, err := acquire(path, false)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	for _, p := range []string{
		"journal_mode(WAL)",
		"busy_timeout(10000)",
		"foreign_keys(ON)",
		"synchronous(NORMAL)",
	} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		lock.release()
		return nil, fmt.Errorf("store: opening %s: %w", path, err)
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	db.SetConnMaxIdleTime(5 * time.Minute)
	s := &Store{db: db, path: path, lock: lock, z: &codec{}}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: %w", err)
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error {
	err := s.db.Close()
	if lerr := s.lock.release(); lerr != nil && err == nil {
		err = lerr
	}
	if err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// DB exposes the database handle to packages that keep their own tables in
// the store (the digest ledger, web sessions). They own their migrations.
func (s *Store) DB() *sql.DB { return s.db }

// migrate applies, in name order, every migration not yet recorded.
func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT`); err != nil {
		return fmt.Errorf("store: migrations table: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("store: listing migrations: %w", err)
	}
	sort.Strings(names)
	applied := map[string]bool{}
	rows, err := s.db.QueryContext(ctx, `SELECT name FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("store: reading migrations: %w", err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return fmt.Errorf("store: reading migrations: %w", err)
		}
		applied[n] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: reading migrations: %w", err)
	}
	known := map[string]bool{}
	for _, full := range names {
		name := strings.TrimSuffix(filepath.Base(full), ".sql")
		known[name] = true
		if applied[name] {
			continue
		}
		body, err := migrations.ReadFile(full)
		if err != nil {
			return fmt.Errorf("store: migration %s: %w", name, err)
		}
		err = s.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(name, applied_at) VALUES (?, ?)`,
				name, time.Now().Unix())
			return err
		})
		if err != nil {
			return fmt.Errorf("store: migration %s: %w", name, err)
		}
	}
	for name := range applied {
		if !known[name] {
			return fmt.Errorf("store: the database has migration %s, unknown to this version of veille: upgrade veille", name)
		}
	}
	return nil
}

// tx runs fn in a write transaction, committing if it returns nil.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		if rbErr := tx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			return errors.Join(err, rbErr)
		}
		return err
	}
	return tx.Commit()
}

// Backup writes a consistent copy of the database to path while it is in
// use (VACUUM INTO). path must not exist.
func (s *Store) Backup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("store: backup: %s already exists", path)
	}
	if _, err := s.db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("store: backup to %s: %w", path, err)
	}
	return nil
}

// Restore replaces the database at path by the backup src, once src has
// been checked to be a readable veille store. It refuses while any process
// has the database open (ErrInUse). The replaced database is kept beside
// it, renamed with the given suffix, and returned. The index, derived from
// the store, must be rebuilt afterwards.
func Restore(ctx context.Context, src, path, suffix string) (string, error) {
	lock, err := acquire(path, true)
	if err != nil {
		return "", err
	}
	defer lock.release()
	if err := checkBackup(ctx, src); err != nil {
		return "", err
	}
	tmp := path + ".restoring"
	if err := copyFile(src, tmp); err != nil {
		return "", err
	}
	kept := ""
	if _, err := os.Stat(path); err == nil {
		kept = path + "." + suffix
		if err := os.Rename(path, kept); err != nil {
			os.Remove(tmp)
			return "", fmt.Errorf("store: restore: %w", err)
		}
		for _, ext := range []string{"-wal", "-shm"} {
			if _, err := os.Stat(path + ext); err == nil {
				if err := os.Rename(path+ext, kept+ext); err != nil {
					return "", fmt.Errorf("store: restore: %w", err)
				}
			}
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("store: restore: %w", err)
	}
	return kept, nil
}

// checkBackup opens src read-only and runs SQLite's integrity check and a
// look at veille's tables.
func checkBackup(ctx context.Context, src string) error {
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("store: backup %s: %w", src, err)
	}
	db, err := sql.Open("sqlite", "file:"+src+"?mode=ro")
	if err != nil {
		return fmt.Errorf("store: backup %s: %w", src, err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return fmt.Errorf("store: backup %s is not a SQLite database: %w", src, err)
	}
	if res != "ok" {
		return fmt.Errorf("store: backup %s is damaged: %s", src, res)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
		return fmt.Errorf("store: backup %s is not a veille store: %w", src, err)
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("store: restore: %w", err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("store: restore: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("store: restore: %w", err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return fmt.Errorf("store: restore: %w", err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("store: restore: %w", err)
	}
	return nil
}

// Meta reads a value of the meta table; ok is false when absent.
func (s *Store) Meta(ctx context.Context, key string) (value string, ok bool, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("store: meta %s: %w", key, err)
	}
	return value, true, nil
}

// SetMeta writes a value of the meta table.
func (s *Store) SetMeta(ctx context.Context, key, value string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES (?, ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("store: meta %s: %w", key, err)
	}
	return nil
}

func unix(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}

func fromUnix(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.Unix(v.Int64, 0).UTC()
}
