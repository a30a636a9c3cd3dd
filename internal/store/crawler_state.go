package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// SitemapChild is what the crawler remembers of a child of a sitemap index.
type SitemapChild struct {
	URL          string
	SourceID     int64
	ETag         string
	LastModified string
	LastMod      time.Time // the index's lastmod when the child was last read in full
	Hash         string    // of the content last read
	CheckedAt    time.Time
	OKAt         time.Time // last successful read (200 or 304)
	ChangedAt    time.Time // last time its content differed from the time before
	Error        string
}

// SitemapChildren returns the known children of a source's sitemap index,
// by URL.
func (s *Store) SitemapChildren(ctx context.Context, sourceID int64) (map[string]SitemapChild, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT url, source_id, etag, last_modified, lastmod, hash, checked_at, ok_at,
		changed_at, error FROM crawler_sitemaps WHERE source_id = ?`, sourceID)
	if err != nil {
		return nil, fmt.Errorf("store: sitemap children: %w", err)
	}
	defer rows.Close()
	out := map[string]SitemapChild{}
	for rows.Next() {
		var (
			c                    SitemapChild
			lastmod, okAt, chgAt sql.NullInt64
			checked              int64
		)
		if err := rows.Scan(&c.URL, &c.SourceID, &c.ETag, &c.LastModified, &lastmod, &c.Hash, &checked, &okAt, &chgAt,
			&c.Error); err != nil {
			return nil, fmt.Errorf("store: sitemap children: %w", err)
		}
		c.LastMod, c.OKAt, c.ChangedAt = fromUnix(lastmod), fromUnix(okAt), fromUnix(chgAt)
		c.CheckedAt = time.Unix(checked, 0).UTC()
		out[c.URL] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: sitemap children: %w", err)
	}
	return out, nil
}

// SaveSitemapChild records what a read of a child sitemap found.
func (s *Store) SaveSitemapChild(ctx context.Context, c SitemapChild) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO crawler_sitemaps(url, source_id, etag, last_modified, lastmod, hash,
		checked_at, ok_at, changed_at, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(url) DO UPDATE SET source_id = excluded.source_id, etag = excluded.etag,
		last_modified = excluded.last_modified, lastmod = excluded.lastmod, hash = excluded.hash,
		checked_at = excluded.checked_at, ok_at = excluded.ok_at, changed_at = excluded.changed_at,
		error = excluded.error`,
		c.URL, c.SourceID, c.ETag, c.LastModified, unix(c.LastMod), c.Hash, c.CheckedAt.Unix(), unix(c.OKAt),
		unix(c.ChangedAt), c.Error)
	if err != nil {
		return fmt.Errorf("store: sitemap child %s: %w", c.URL, err)
	}
	return nil
}

// FeedDiscovery is the outcome of looking for feeds on an outlet's home
// page.
type FeedDiscovery struct {
	OutletID  string
	CheckedAt time.Time
	PageURL   string
	Feeds     []string
	Error     string
}

// FeedDiscoveries returns every outlet's last feed discovery, by outlet.
func (s *Store) FeedDiscoveries(ctx context.Context) (map[string]FeedDiscovery, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT outlet_id, checked_at, page_url, feeds, error FROM crawler_discovery`)
	if err != nil {
		return nil, fmt.Errorf("store: feed discoveries: %w", err)
	}
	defer rows.Close()
	out := map[string]FeedDiscovery{}
	for rows.Next() {
		var (
			d       FeedDiscovery
			checked int64
			feeds   string
		)
		if err := rows.Scan(&d.OutletID, &checked, &d.PageURL, &feeds, &d.Error); err != nil {
			return nil, fmt.Errorf("store: feed discoveries: %w", err)
		}
		d.CheckedAt = time.Unix(checked, 0).UTC()
		d.Feeds = strings.Fields(feeds)
		out[d.OutletID] = d
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: feed discoveries: %w", err)
	}
	return out, nil
}

// SaveFeedDiscovery records a feed discovery. A failed look keeps the
// feeds found before.
func (s *Store) SaveFeedDiscovery(ctx context.Context, d FeedDiscovery) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO crawler_discovery(outlet_id, checked_at, page_url, feeds, error)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT(outlet_id) DO UPDATE SET checked_at = excluded.checked_at,
		page_url = excluded.page_url, error = excluded.error,
		feeds = CASE WHEN excluded.error != '' THEN feeds ELSE excluded.feeds END`,
		d.OutletID, d.CheckedAt.Unix(), d.PageURL, strings.Join(d.Feeds, "\n"), d.Error)
	if err != nil {
		return fmt.Errorf("store: feed discovery of %s: %w", d.OutletID, err)
	}
	return nil
}

// Backfill page states.
const (
	BackfillPending = "pending"
	BackfillDone    = "done"
	BackfillFailed  = "failed"
)

// BackfillPage is a sitemap or archive page to walk for a backfill period.
type BackfillPage struct {
	Period     string
	URL        string
	OutletID   string
	SourceID   int64
	Kind       string // sitemap | archive
	Depth      int
	State      string
	Discovered int
	Attempts   int
	Error      string
}

// AddBackfillPages queues pages for a period; pages already queued keep
// their state. It returns how many were new.
func (s *Store) AddBackfillPages(ctx context.Context, pages []BackfillPage, now time.Time) (int, error) {
	added := 0
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for _, p := range pages {
			r, err := tx.ExecContext(ctx, `INSERT INTO crawler_backfill(period, url, outlet_id, source_id, kind, depth, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(period, url) DO NOTHING`,
				p.Period, p.URL, p.OutletID, p.SourceID, p.Kind, p.Depth, now.Unix())
			if err != nil {
				return err
			}
			if n, _ := r.RowsAffected(); n > 0 {
				added++
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: backfill pages: %w", err)
	}
	return added, nil
}

// PendingBackfillPages returns up to limit pages of a period still to walk
// (of one outlet, or all when outletID is empty), shallowest first.
func (s *Store) PendingBackfillPages(ctx context.Context, period, outletID string, limit int) ([]BackfillPage, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT period, url, outlet_id, source_id, kind, depth, state, discovered,
		attempts, error FROM crawler_backfill WHERE period = ? AND state = 'pending' AND (? = '' OR outlet_id = ?)
		ORDER BY depth, url LIMIT ?`, period, outletID, outletID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: backfill pages: %w", err)
	}
	out, err := scanBackfillPages(rows)
	if err != nil {
		return nil, fmt.Errorf("store: backfill pages: %w", err)
	}
	return out, nil
}

// BackfillPageDone records the walk of a page: done, or failed (retried
// at the next run until maxAttempts unless permanent).
func (s *Store) BackfillPageDone(ctx context.Context, period, u string, discovered int, walkErr error, permanent bool,
	maxAttempts int, now time.Time) error {
	var err error
	if walkErr == nil {
		_, err = s.db.ExecContext(ctx, `UPDATE crawler_backfill SET state = 'done', discovered = discovered + ?,
			attempts = attempts + 1, error = '', updated_at = ? WHERE period = ? AND url = ?`, discovered, now.Unix(), period, u)
	} else {
		_, err = s.db.ExecContext(ctx, `UPDATE crawler_backfill SET attempts = attempts + 1, error = ?, updated_at = ?,
			state = CASE WHEN ? OR attempts + 1 >= ? THEN 'failed' ELSE 'pending' END WHERE period = ? AND url = ?`,
			walkErr.Error(), now.Unix(), permanent, maxAttempts, period, u)
	}
	if err != nil {
		return fmt.Errorf("store: backfill page %s: %w", u, err)
	}
	return nil
}

// BackfillCounts counts a period's pages by state (of one outlet, or all
// when outletID is empty).
func (s *Store) BackfillCounts(ctx context.Context, period, outletID string) (map[string]int, error) {
	out, err := s.countByKey(ctx, `SELECT state, COUNT(*) FROM crawler_backfill WHERE period = ?
		AND (? = '' OR outlet_id = ?) GROUP BY state`, period, outletID, outletID)
	if err != nil {
		return nil, fmt.Errorf("store: backfill counts: %w", err)
	}
	return out, nil
}

// BackfillFailures lists a period's pages given up, with their errors.
func (s *Store) BackfillFailures(ctx context.Context, period, outletID string) ([]BackfillPage, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT period, url, outlet_id, source_id, kind, depth, state, discovered,
		attempts, error FROM crawler_backfill WHERE period = ? AND state = 'failed' AND (? = '' OR outlet_id = ?)
		ORDER BY outlet_id, url`, period, outletID, outletID)
	if err != nil {
		return nil, fmt.Errorf("store: backfill failures: %w", err)
	}
	out, err := scanBackfillPages(rows)
	if err != nil {
		return nil, fmt.Errorf("store: backfill failures: %w", err)
	}
	return out, nil
}

// RetryBackfill makes a period's failed pages pending again.
func (s *Store) RetryBackfill(ctx context.Context, period, outletID string) (int64, error) {
	r, err := s.db.ExecContext(ctx, `UPDATE crawler_backfill SET state = 'pending', attempts = 0 WHERE period = ?
		AND state = 'failed' AND (? = '' OR outlet_id = ?)`, period, outletID, outletID)
	if err != nil {
		return 0, fmt.Errorf("store: retry backfill: %w", err)
	}
	n, err := r.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: retry backfill: %w", err)
	}
	return n, nil
}

// SimilarArticle finds an article of the same outlet, dated within
// `within` of t, whose simhash is within maxDist bits of h: the candidates
// for "the same article under a new address" (a headline edited after
// publication changes the slug). The caller confirms on the text.
func (s *Store) SimilarArticle(ctx context.Context, outletID string, t time.Time, within time.Duration, h uint64,
	maxDist int) ([]SimilarCandidate, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, url, simhash FROM articles WHERE outlet_id = ?
		AND date_at BETWEEN ? AND ?`, outletID, t.Add(-within).Unix(), t.Add(within).Unix())
	if err != nil {
		return nil, fmt.Errorf("store: similar article: %w", err)
	}
	var out []SimilarCandidate
	for rows.Next() {
		var (
			c  SimilarCandidate
			sh int64
		)
		if err := rows.Scan(&c.ID, &c.URL, &sh); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: similar article: %w", err)
		}
		if hamming(uint64(sh), h) <= maxDist {
			out = append(out, c)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: similar article: %w", err)
	}
	for i := range out {
		var z []byte
		if err := s.db.QueryRowContext(ctx, `SELECT text_z FROM articles WHERE id = ?`, out[i].ID).Scan(&z); err != nil {
			return nil, fmt.Errorf("store: similar article %d: %w", out[i].ID, err)
		}
		text, err := decompress(z)
		if err != nil {
			return nil, fmt.Errorf("store: similar article %d: %w", out[i].ID, err)
		}
		out[i].Text = string(text)
	}
	return out, nil
}

// SimilarCandidate is an article SimilarArticle found.
type SimilarCandidate struct {
	ID   int64
	URL  string
	Text string
}

func hamming(a, b uint64) int {
	x := a ^ b
	n := 0
	for x != 0 {
		x &= x - 1
		n++
	}
	return n
}

// KnownArticleURL reports whether any of urls is an article's canonical
// URL or one of its other addresses.
func (s *Store) KnownArticleURL(ctx context.Context, urls []string) (bool, error) {
	if len(urls) == 0 {
		return false, nil
	}
	args := make([]any, 0, 2*len(urls))
	marks := strings.TrimSuffix(strings.Repeat("?,", len(urls)), ",")
	for _, u := range urls {
		args = append(args, u)
	}
	args = append(args, args...)
	var one int
	err := s.db.QueryRowContext(ctx, `SELECT 1 FROM articles WHERE url IN (`+marks+`)
		UNION ALL SELECT 1 FROM article_urls WHERE url IN (`+marks+`) LIMIT 1`, args...).Scan(&one)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: known article url: %w", err)
	}
	return true, nil
}

// scanBackfillPages reads rows of crawler_backfill's columns, in the order
// period, url, outlet_id, source_id, kind, depth, state, discovered,
// attempts, error.
func scanBackfillPages(rows *sql.Rows) ([]BackfillPage, error) {
	defer rows.Close()
	var out []BackfillPage
	for rows.Next() {
		var p BackfillPage
		if err := rows.Scan(&p.Period, &p.URL, &p.OutletID, &p.SourceID, &p.Kind, &p.Depth, &p.State, &p.Discovered,
			&p.Attempts, &p.Error); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
