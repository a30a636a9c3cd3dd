package store

import (
	"context"
	"database/sql"
	"errors"
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

func scanSource(row interface{ Scan(...any) error }, extra ...any) (Source, error) {
	var (
		src                         Source
		next                        int64
		lastCheck, lastOK, lastErrT sql.NullInt64
	)
	dest := append([]any{&src.ID, &src.OutletID, &src.Kind, &src.URL, &src.Active, &src.ETag, &src.LastModified, &next,
		&lastCheck, &lastOK, &src.LastError, &lastErrT, &src.ConsecutiveFailures, &src.Checks, &src.NotModified}, extra...)
	if err := row.Scan(dest...); err != nil {
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
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: sources: %w", err)
	}
	return out, nil
}

// Sources lists sources, active ones only unless all is set.
func (s *Store) Sources(ctx context.Context, all bool) ([]Source, error) {
	if all {
		return s.querySources(ctx, `ORDER BY outlet_id, kind, url`)
	}
	return s.querySources(ctx, `WHERE active = 1 ORDER BY outlet_id, kind, url`)
}

// Source returns one source.
func (s *Store) Source(ctx context.Context, id int64) (Source, error) {
	list, err := s.querySources(ctx, `WHERE id = ?`, id)
	if err != nil {
		return Source{}, err
	}
	if len(list) == 0 {
		return Source{}, fmt.Errorf("store: source %d: %w", id, ErrNotFound)
	}
	return list[0], nil
}

// DueSources lists active sources whose next check is due.
func (s *Store) DueSources(ctx context.Context, now time.Time) ([]Source, error) {
	return s.querySources(ctx, `WHERE active = 1 AND next_check_at <= ? ORDER BY next_check_at, id`, now.Unix())
}

// NextSourceCheck returns the earliest next check of an active source; ok
// is false when there is none.
func (s *Store) NextSourceCheck(ctx context.Context) (time.Time, bool, error) {
	var next sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT MIN(next_check_at) FROM sources WHERE active = 1`).Scan(&next); err != nil {
		return time.Time{}, false, fmt.Errorf("store: next source check: %w", err)
	}
	if !next.Valid {
		return time.Time{}, false, nil
	}
	return time.Unix(next.Int64, 0).UTC(), true, nil
}

// Check is the outcome of polling a source.
type Check struct {
	At           time.Time
	NotModified  bool   // a 304
	ETag         string // validators for the next conditional GET
	LastModified string
	NextCheckAt  time.Time
	Discovered   int   // URLs new to the frontier
	Err          error // nil on success
}

// checkRetention is how long the check history is kept (a year's report
// and some margin); the last check of each source is always kept.
const checkRetention = 400 * 24 * time.Hour

// SourceChecked records the outcome of polling a source: its health on
// the sources row, and one row of history in source_checks.
func (s *Store) SourceChecked(ctx context.Context, id int64, c Check) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var outlet string
		if err := tx.QueryRowContext(ctx, `SELECT outlet_id FROM sources WHERE id = ?`, id).Scan(&outlet); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNotFound
			}
			return err
		}
		var err error
		if c.Err != nil {
			_, err = tx.ExecContext(ctx, `UPDATE sources SET checks = checks + 1, last_check_at = ?, last_error = ?,
				last_error_at = ?, consecutive_failures = consecutive_failures + 1, next_check_at = ? WHERE id = ?`,
				c.At.Unix(), c.Err.Error(), c.At.Unix(), c.NextCheckAt.Unix(), id)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE sources SET checks = checks + 1, last_check_at = ?, last_success_at = ?,
				consecutive_failures = 0, not_modified = not_modified + ?, next_check_at = ?,
				etag = CASE WHEN ? OR ? = '' THEN etag ELSE ? END,
				last_modified = CASE WHEN ? OR ? = '' THEN last_modified ELSE ? END
				WHERE id = ?`,
				c.At.Unix(), c.At.Unix(), c.NotModified, c.NextCheckAt.Unix(),
				c.NotModified, c.ETag, c.ETag, c.NotModified, c.LastModified, c.LastModified, id)
		}
		if err != nil {
			return err
		}
		msg := ""
		if c.Err != nil {
			msg = c.Err.Error()
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO source_checks(source_id, outlet_id, at, ok, not_modified, discovered, error)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, id, outlet, c.At.Unix(), c.Err == nil, c.NotModified && c.Err == nil,
			c.Discovered, msg); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM source_checks WHERE source_id = ? AND at < ?
			AND id != (SELECT MAX(id) FROM source_checks WHERE source_id = ?)`,
			id, c.At.Add(-checkRetention).Unix(), id)
		return err
	})
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

// SourceHealth is a source with what `veille sources` and the web UI show
// of it over a recent window.
type SourceHealth struct {
	Source
	OutletName        string
	WindowChecks      int // polls in the window
	WindowNotModified int // of which 304s
	WindowFailures    int
	Seen              int // URLs new to the frontier in the window
	FrontierPending   int // this source's URLs waiting to be fetched
	FrontierFailed    int // given up (failed) or gone
}

// NotModifiedShare is the share of the window's polls answered 304 (0 to
// 1; 0 when there was none).
func (h SourceHealth) NotModifiedShare() float64 {
	if h.WindowChecks == 0 {
		return 0
	}
	return float64(h.WindowNotModified) / float64(h.WindowChecks)
}

// SourcesHealth lists sources (active ones unless all) with their recent
// history: polls, 304s, failures and URLs discovered since `since`.
func (s *Store) SourcesHealth(ctx context.Context, since time.Time, all bool) ([]SourceHealth, error) {
	where := `WHERE s.active = 1`
	if all {
		where = ``
	}
	q := `SELECT s.id, s.outlet_id, s.kind, s.url, s.active, s.etag, s.last_modified, s.next_check_at, s.last_check_at,
		s.last_success_at, s.last_error, s.last_error_at, s.consecutive_failures, s.checks, s.not_modified,
		COALESCE(o.name, s.outlet_id),
		COALESCE(c.n, 0), COALESCE(c.nm, 0), COALESCE(c.failed, 0), COALESCE(c.seen, 0),
		COALESCE(f.pending, 0), COALESCE(f.failed, 0)
		FROM sources s
		LEFT JOIN outlets o ON o.id = s.outlet_id
		LEFT JOIN (SELECT source_id, COUNT(*) AS n, SUM(not_modified) AS nm, SUM(1 - ok) AS failed,
			SUM(discovered) AS seen FROM source_checks WHERE at >= ? GROUP BY source_id) c ON c.source_id = s.id
		LEFT JOIN (SELECT source_id, SUM(state = 'pending') AS pending, SUM(state IN ('failed', 'gone')) AS failed
			FROM frontier WHERE source_id IS NOT NULL GROUP BY source_id) f ON f.source_id = s.id
		` + where + ` ORDER BY s.outlet_id, s.kind, s.url`
	rows, err := s.db.QueryContext(ctx, q, since.Unix())
	if err != nil {
		return nil, fmt.Errorf("store: sources health: %w", err)
	}
	defer rows.Close()
	var out []SourceHealth
	for rows.Next() {
		var h SourceHealth
		src, err := scanSource(rows, &h.OutletName, &h.WindowChecks, &h.WindowNotModified, &h.WindowFailures, &h.Seen,
			&h.FrontierPending, &h.FrontierFailed)
		if err != nil {
			return nil, fmt.Errorf("store: sources health: %w", err)
		}
		h.Source = src
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: sources health: %w", err)
	}
	return out, nil
}

// SourceCheck is one row of a source's history.
type SourceCheck struct {
	SourceID    int64
	OutletID    string
	At          time.Time
	OK          bool
	NotModified bool
	Discovered  int
	Error       string
}

// SourceChecks returns a source's polls since `since`, newest first.
func (s *Store) SourceChecks(ctx context.Context, sourceID int64, since time.Time, limit int) ([]SourceCheck, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT source_id, outlet_id, at, ok, not_modified, discovered, error
		FROM source_checks WHERE source_id = ? AND at >= ? ORDER BY at DESC, id DESC LIMIT ?`, sourceID, since.Unix(), limit)
	if err != nil {
		return nil, fmt.Errorf("store: source checks: %w", err)
	}
	defer rows.Close()
	var out []SourceCheck
	for rows.Next() {
		var (
			c  SourceCheck
			at int64
		)
		if err := rows.Scan(&c.SourceID, &c.OutletID, &at, &c.OK, &c.NotModified, &c.Discovered, &c.Error); err != nil {
			return nil, fmt.Errorf("store: source checks: %w", err)
		}
		c.At = time.Unix(at, 0).UTC()
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: source checks: %w", err)
	}
	return out, nil
}
