package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Source is a polled feed, sitemap or crawl seed with its health.
type Source struct {
	ID                  int64
	OutletID            string
	Kind                string
	URL                 string
	Active              bool
	ETag                string
	LastModified        string
	NextCheckAt         time.Time
	LastCheckAt         time.Time
	LastSuccessAt       time.Time
	LastError           string
	LastErrorAt         time.Time
	ConsecutiveFailures int
	Checks              int
	NotModified         int
}

const sourceColumns = `id, outlet_id, kind, url, active, etag, last_modified, next_check_at, last_check_at,
	last_success_at, last_error, last_error_at, consecutive_failures, checks, not_modified`

func scanSource(row interface{ Scan(...any) error }) (Source, error) {
	var (
		src                         Source
		next                        int64
		lastCheck, lastOK, lastErrT sql.NullInt64
	)
	err := row.Scan(&src.ID, &src.OutletID, &src.Kind, &src.URL, &src.Active, &src.ETag, &src.LastModified, &next,
		&lastCheck, &lastOK, &src.LastError, &lastErrT, &src.ConsecutiveFailures, &src.Checks, &src.NotModified)
	if err != nil {
		return Source{}, err
	}
	src.NextCheckAt = time.Unix(next, 0).UTC()
	src.LastCheckAt = fromUnix(lastCheck)
	src.LastSuccessAt = fromUnix(lastOK)
	src.LastErrorAt = fromUnix(lastErrT)
	return src, nil
}

func (s *Store) querySources(ctx context.Context, where string, args ...any) ([]Source, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+sourceColumns+` FROM sources `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("store: sources: %w", err)
	}
	defer rows.Close()
	var out []Source
	for rows.Next() {
		src, err := scanSource(rows)
		if err != nil {
			return nil, fmt.Errorf("store: sources: %w", err)
		}
		out = append(out, src)
	}
	return out, rows.Err()
}

// Sources lists sources, active ones only unless all is set.
func (s *Store) Sources(ctx context.Context, all bool) ([]Source, error) {
	if all {
		return s.querySources(ctx, `ORDER BY outlet_id, kind, url`)
	}
	return s.querySources(ctx, `WHERE active = 1 ORDER BY outlet_id, kind, url`)
}

// DueSources lists active sources whose next check is due.
func (s *Store) DueSources(ctx context.Context, now time.Time) ([]Source, error) {
	return s.querySources(ctx, `WHERE active = 1 AND next_check_at <= ? ORDER BY next_check_at, id`, now.Unix())
}

// Check is the outcome of polling a source.
type Check struct {
	At           time.Time
	NotModified  bool   // a 304
	ETag         string // validators for the next conditional GET
	LastModified string
	NextCheckAt  time.Time
	Err          error // nil on success
}

// SourceChecked records the outcome of polling a source.
func (s *Store) SourceChecked(ctx context.Context, id int64, c Check) error {
	var err error
	if c.Err != nil {
		_, err = s.db.ExecContext(ctx, `UPDATE sources SET checks = checks + 1, last_check_at = ?, last_error = ?,
			last_error_at = ?, consecutive_failures = consecutive_failures + 1, next_check_at = ? WHERE id = ?`,
			c.At.Unix(), c.Err.Error(), c.At.Unix(), c.NextCheckAt.Unix(), id)
	} else {
		nm := 0
		if c.NotModified {
			nm = 1
		}
		_, err = s.db.ExecContext(ctx, `UPDATE sources SET checks = checks + 1, last_check_at = ?, last_success_at = ?,
			consecutive_failures = 0, not_modified = not_modified + ?, next_check_at = ?,
			etag = CASE WHEN ? THEN etag ELSE ? END, last_modified = CASE WHEN ? THEN last_modified ELSE ? END
			WHERE id = ?`,
			c.At.Unix(), c.At.Unix(), nm, c.NextCheckAt.Unix(), c.NotModified, c.ETag, c.NotModified, c.LastModified, id)
	}
	if err != nil {
		return fmt.Errorf("store: source %d checked: %w", id, err)
	}
	return nil
}

// ResetSchedule makes every active source due now (crawl --once).
func (s *Store) ResetSchedule(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE sources SET next_check_at = 0 WHERE active = 1`); err != nil {
		return fmt.Errorf("store: reset schedule: %w", err)
	}
	return nil
}
