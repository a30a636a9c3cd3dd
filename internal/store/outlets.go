package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/model"
)

// Source kinds.
const (
	SourceFeed    = "feed"
	SourceSitemap = "sitemap"
	SourceCrawl   = "crawl"
	SourceArchive = "archive"
)

// SyncOutlets records the configured outlets, their scope timeline and their
// sources. An outlet whose scope changed in the configuration keeps its old
// scope before now; explicit scope_history entries set the timeline. Sources
// no longer configured are deactivated, not deleted: their history stays.
// Articles whose scope changes as a result are queued for reindexing.
func (s *Store) SyncOutlets(ctx context.Context, outlets []config.Outlet, loc *time.Location, now time.Time) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for _, o := range outlets {
			if _, err := tx.ExecContext(ctx, `INSERT INTO outlets(id, name, domains, updated_at) VALUES (?, ?, ?, ?)
				ON CONFLICT(id) DO UPDATE SET name = excluded.name, domains = excluded.domains, updated_at = excluded.updated_at`,
				o.ID, o.Name, strings.Join(o.Domains, " "), now.Unix()); err != nil {
				return err
			}
			if err := syncScopes(ctx, tx, o, loc, now); err != nil {
				return err
			}
			if err := syncSources(ctx, tx, o); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE articles SET scope = `+scopeAtSQL+`, rev = rev + 1
				WHERE outlet_id = ? AND scope != `+scopeAtSQL, o.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: sync outlets: %w", err)
	}
	return nil
}

// scopeAtSQL is the scope of articles.outlet_id at articles.date_at.
const scopeAtSQL = `COALESCE((SELECT os.scope FROM outlet_scopes os WHERE os.outlet_id = articles.outlet_id
	AND os.valid_from <= articles.date_at ORDER BY os.valid_from DESC LIMIT 1), articles.scope)`

func syncScopes(ctx context.Context, tx *sql.Tx, o config.Outlet, loc *time.Location, now time.Time) error {
	if len(o.ScopeHistory) > 0 {
		hist := append([]config.ScopeChange(nil), o.ScopeHistory...)
		sort.Slice(hist, func(i, j int) bool { return hist[i].Until < hist[j].Until })
		if _, err := tx.ExecContext(ctx, `DELETE FROM outlet_scopes WHERE outlet_id = ?`, o.ID); err != nil {
			return err
		}
		from := int64(0)
		for _, h := range hist {
			until, err := time.ParseInLocation("2006-01-02", h.Until, loc)
			if err != nil {
				return fmt.Errorf("outlet %s: scope_history until %q: %w", o.ID, h.Until, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO outlet_scopes(outlet_id, scope, valid_from) VALUES (?, ?, ?)`,
				o.ID, h.Scope, from); err != nil {
				return err
			}
			from = until.Unix()
		}
		_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO outlet_scopes(outlet_id, scope, valid_from) VALUES (?, ?, ?)`,
			o.ID, o.Scope, from)
		return err
	}
	var current string
	err := tx.QueryRowContext(ctx, `SELECT scope FROM outlet_scopes WHERE outlet_id = ? ORDER BY valid_from DESC LIMIT 1`,
		o.ID).Scan(&current)
	switch {
	case err == sql.ErrNoRows:
		_, err = tx.ExecContext(ctx, `INSERT INTO outlet_scopes(outlet_id, scope, valid_from) VALUES (?, ?, 0)`, o.ID, o.Scope)
		return err
	case err != nil:
		return err
	case current != o.Scope:
		y, m, d := now.In(loc).Date()
		midnight := time.Date(y, m, d, 0, 0, 0, 0, loc)
		_, err = tx.ExecContext(ctx, `INSERT OR REPLACE INTO outlet_scopes(outlet_id, scope, valid_from) VALUES (?, ?, ?)`,
			o.ID, o.Scope, midnight.Unix())
		return err
	}
	return nil
}

func syncSources(ctx context.Context, tx *sql.Tx, o config.Outlet) error {
	want := map[[2]string]bool{}
	add := func(kind string, urls []string) {
		for _, u := range urls {
			want[[2]string{kind, u}] = true
		}
	}
	add(SourceFeed, o.Feeds)
	add(SourceSitemap, o.Sitemaps)
	add(SourceCrawl, o.Crawl.Seeds)
	add(SourceArchive, o.Archives)
	for k := range want {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sources(outlet_id, kind, url) VALUES (?, ?, ?)
			ON CONFLICT(kind, url) DO UPDATE SET outlet_id = excluded.outlet_id, active = 1`, o.ID, k[0], k[1]); err != nil {
			return err
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, kind, url FROM sources WHERE outlet_id = ? AND active = 1`, o.ID)
	if err != nil {
		return err
	}
	var stale []int64
	for rows.Next() {
		var (
			id        int64
			kind, url string
		)
		if err := rows.Scan(&id, &kind, &url); err != nil {
			rows.Close()
			return err
		}
		if !want[[2]string{kind, url}] {
			stale = append(stale, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range stale {
		if _, err := tx.ExecContext(ctx, `UPDATE sources SET active = 0 WHERE id = ?`, id); err != nil {
			return err
		}
	}
	return nil
}

// ScopeAt returns the scope an outlet had at time t.
func (s *Store) ScopeAt(ctx context.Context, outletID string, t time.Time) (model.Scope, error) {
	var scope string
	err := s.db.QueryRowContext(ctx, `SELECT scope FROM outlet_scopes WHERE outlet_id = ? AND valid_from <= ?
		ORDER BY valid_from DESC LIMIT 1`, outletID, t.Unix()).Scan(&scope)
	if err == sql.ErrNoRows {
		return "", fmt.Errorf("store: outlet %q: %w", outletID, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("store: scope of %s: %w", outletID, err)
	}
	return model.Scope(scope), nil
}

// OutletNames maps outlet ids to names.
func (s *Store) OutletNames(ctx context.Context) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name FROM outlets`)
	if err != nil {
		return nil, fmt.Errorf("store: outlets: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("store: outlets: %w", err)
		}
		out[id] = name
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: outlets: %w", err)
	}
	return out, nil
}
