package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Frontier states.
const (
	StatePending = "pending" // discovered, to fetch
	StateFetched = "fetched" // stored as an article
	StateFailed  = "failed"  // gave up after retries
	StateGone    = "gone"    // 404 or 410
	StateSkipped = "skipped" // not an article (robots, not HTML, off-site)
)

// Discovered is a URL found by a feed, a sitemap, a crawl or by hand, with
// what the source said about it.
type Discovered struct {
	URL         string // normalised
	OutletID    string
	SourceID    int64 // 0 when not from a source
	Depth       int   // crawl depth of the page
	Title       string
	Description string
	Published   time.Time
	LastMod     time.Time // sitemap lastmod: a later one asks for a refetch
}

// FrontierItem is a URL to fetch.
type FrontierItem struct {
	Discovered
	Attempts int
}

// Discover records URLs in the frontier. New ones are pending; known ones
// keep their state, except a fetched article whose lastmod moved past its
// fetch time, which is fetched again. It returns how many were new.
func (s *Store) Discover(ctx context.Context, items []Discovered, now time.Time) (int, error) {
	added := 0
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for _, d := range items {
			var srcID any
			if d.SourceID != 0 {
				srcID = d.SourceID
			}
			// A URL already stored as an article (found by another path) is
			// recorded as fetched, never refetched for that.
			var articleID sql.NullInt64
			if err := tx.QueryRowContext(ctx, `SELECT id FROM articles WHERE url = ?
				UNION ALL SELECT article_id FROM article_urls WHERE url = ? LIMIT 1`, d.URL, d.URL).Scan(&articleID); err != nil && err != sql.ErrNoRows {
				return err
			}
			state := StatePending
			if articleID.Valid {
				state = StateFetched
			}
			r, err := tx.ExecContext(ctx, `INSERT INTO frontier(url, outlet_id, source_id, state, depth, discovered_at,
				hint_title, hint_description, hint_published, lastmod, article_id)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO NOTHING`,
				d.URL, d.OutletID, srcID, state, d.Depth, now.Unix(), d.Title, d.Description, unix(d.Published),
				unix(d.LastMod), articleID)
			if err != nil {
				return err
			}
			if n, _ := r.RowsAffected(); n > 0 {
				added++
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE frontier SET
				hint_title = CASE WHEN ? != '' THEN ? ELSE hint_title END,
				hint_description = CASE WHEN ? != '' THEN ? ELSE hint_description END,
				hint_published = COALESCE(hint_published, ?),
				depth = MIN(depth, ?),
				state = CASE WHEN state = 'fetched' AND ? IS NOT NULL AND ? > COALESCE(fetched_at, 0)
					AND ? > COALESCE(lastmod, 0) THEN 'pending' ELSE state END,
				lastmod = COALESCE(?, lastmod)
				WHERE url = ?`,
				d.Title, d.Title, d.Description, d.Description, unix(d.Published), d.Depth,
				unix(d.LastMod), unix(d.LastMod), unix(d.LastMod), unix(d.LastMod), d.URL); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: discover: %w", err)
	}
	return added, nil
}

// DueFair returns up to limit pending URLs due at now, at most perOutlet
// of each outlet, interleaved (every outlet's first, then every outlet's
// second…), newest first within an outlet: a backlog on one site does not
// hold the others back, and fresh articles come before old ones.
// outletID, when set, keeps one outlet's URLs only.
func (s *Store) DueFair(ctx context.Context, now time.Time, limit, perOutlet int, outletID string) ([]FrontierItem, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT url, outlet_id, source_id, depth, hint_title, hint_description,
		hint_published, lastmod, attempts FROM (
			SELECT url, outlet_id, COALESCE(source_id, 0) AS source_id, depth, hint_title, hint_description,
				hint_published, lastmod, attempts,
				ROW_NUMBER() OVER (PARTITION BY outlet_id
					ORDER BY COALESCE(hint_published, lastmod, discovered_at) DESC, url) AS rn
			FROM frontier WHERE state = 'pending' AND next_attempt_at <= ? AND (? = '' OR outlet_id = ?))
		WHERE rn <= ? ORDER BY rn, outlet_id LIMIT ?`, now.Unix(), outletID, outletID, perOutlet, limit)
	if err != nil {
		return nil, fmt.Errorf("store: due urls: %w", err)
	}
	out, err := scanFrontierItems(rows)
	if err != nil {
		return nil, fmt.Errorf("store: due urls: %w", err)
	}
	return out, nil
}

// PendingDue counts pending URLs due at now (of one outlet, or all when
// outletID is empty).
func (s *Store) PendingDue(ctx context.Context, now time.Time, outletID string) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM frontier WHERE state = 'pending' AND next_attempt_at <= ?
		AND (? = '' OR outlet_id = ?)`, now.Unix(), outletID, outletID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: pending urls: %w", err)
	}
	return n, nil
}

// NextAttempt returns when the earliest pending URL is due; ok is false
// when none is pending.
func (s *Store) NextAttempt(ctx context.Context) (time.Time, bool, error) {
	var next sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT MIN(next_attempt_at) FROM frontier WHERE state = 'pending'`).Scan(&next); err != nil {
		return time.Time{}, false, fmt.Errorf("store: next attempt: %w", err)
	}
	if !next.Valid {
		return time.Time{}, false, nil
	}
	return time.Unix(next.Int64, 0).UTC(), true, nil
}

// FrontierEntry is a URL's record in the frontier.
type FrontierEntry struct {
	FrontierItem
	State     string
	LastError string
	ArticleID int64
	FetchedAt time.Time
}

// FrontierURL returns a URL's record in the frontier.
func (s *Store) FrontierURL(ctx context.Context, u string) (FrontierEntry, error) {
	var (
		e                           FrontierEntry
		published, lastmod, fetched sql.NullInt64
		article                     sql.NullInt64
	)
	err := s.db.QueryRowContext(ctx, `SELECT url, outlet_id, COALESCE(source_id, 0), depth, hint_title,
		hint_description, hint_published, lastmod, attempts, state, last_error, article_id, fetched_at
		FROM frontier WHERE url = ?`, u).Scan(&e.URL, &e.OutletID, &e.SourceID, &e.Depth, &e.Title, &e.Description,
		&published, &lastmod, &e.Attempts, &e.State, &e.LastError, &article, &fetched)
	if err == sql.ErrNoRows {
		return FrontierEntry{}, fmt.Errorf("store: frontier %s: %w", u, ErrNotFound)
	}
	if err != nil {
		return FrontierEntry{}, fmt.Errorf("store: frontier %s: %w", u, err)
	}
	e.Published, e.LastMod, e.FetchedAt = fromUnix(published), fromUnix(lastmod), fromUnix(fetched)
	e.ArticleID = article.Int64
	return e, nil
}

// Fetched records that a URL was stored as an article.
func (s *Store) Fetched(ctx context.Context, u string, articleID int64, now time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE frontier SET state = 'fetched', article_id = ?, fetched_at = ?,
		attempts = attempts + 1, last_error = '' WHERE url = ?`, articleID, now.Unix(), u)
	if err != nil {
		return fmt.Errorf("store: frontier fetched: %w", err)
	}
	return nil
}

// Failed records a failed fetch. A permanent failure sets state (gone,
// skipped or failed) at once; a temporary one retries at retryAt until
// maxAttempts, then the URL is marked failed.
func (s *Store) Failed(ctx context.Context, u, msg, state string, retryAt time.Time, maxAttempts int) error {
	if state == StatePending {
		_, err := s.db.ExecContext(ctx, `UPDATE frontier SET attempts = attempts + 1, last_error = ?,
			next_attempt_at = ?, state = CASE WHEN attempts + 1 >= ? THEN 'failed' ELSE 'pending' END WHERE url = ?`,
			msg, retryAt.Unix(), maxAttempts, u)
		if err != nil {
			return fmt.Errorf("store: frontier failed: %w", err)
		}
		return nil
	}
	_, err := s.db.ExecContext(ctx, `UPDATE frontier SET attempts = attempts + 1, last_error = ?, state = ? WHERE url = ?`,
		msg, state, u)
	if err != nil {
		return fmt.Errorf("store: frontier failed: %w", err)
	}
	return nil
}

// Requeue makes failed URLs pending again (after a fix, or a long outage).
func (s *Store) Requeue(ctx context.Context, state string) (int64, error) {
	r, err := s.db.ExecContext(ctx, `UPDATE frontier SET state = 'pending', attempts = 0, next_attempt_at = 0
		WHERE state = ?`, state)
	if err != nil {
		return 0, fmt.Errorf("store: requeue: %w", err)
	}
	n, err := r.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: requeue: %w", err)
	}
	return n, nil
}

// FrontierCounts counts URLs per state.
func (s *Store) FrontierCounts(ctx context.Context) (map[string]int, error) {
	out, err := s.countByKey(ctx, `SELECT state, COUNT(*) FROM frontier GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("store: frontier counts: %w", err)
	}
	return out, nil
}

// scanFrontierItems reads rows of (url, outlet_id, source_id, depth,
// hint_title, hint_description, hint_published, lastmod, attempts).
func scanFrontierItems(rows *sql.Rows) ([]FrontierItem, error) {
	defer rows.Close()
	var out []FrontierItem
	for rows.Next() {
		var (
			it                 FrontierItem
			published, lastmod sql.NullInt64
		)
		if err := rows.Scan(&it.URL, &it.OutletID, &it.SourceID, &it.Depth, &it.Title, &it.Description,
			&published, &lastmod, &it.Attempts); err != nil {
			return nil, err
		}
		it.Published = fromUnix(published)
		it.LastMod = fromUnix(lastmod)
		out = append(out, it)
	}
	return out, rows.Err()
}

// countByKey runs a query of (key, count) rows into a map.
func (s *Store) countByKey(ctx context.Context, q string, args ...any) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var (
			key string
			n   int
		)
		if err := rows.Scan(&key, &n); err != nil {
			return nil, err
		}
		out[key] = n
	}
	return out, rows.Err()
}

// Known reports whether a URL is already in the frontier.
func (s *Store) Known(ctx context.Context, u string) (bool, error) {
	var one int
	err := s.db.QueryRowContext(ctx, `SELECT 1 FROM frontier WHERE url = ?`, u).Scan(&one)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: frontier lookup: %w", err)
	}
	return true, nil
}
