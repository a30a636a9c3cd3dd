package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// ImportArticles stores new articles in one transaction: the bulk path of
// SaveArticle for generated corpora (benchmarks, load tests) and imports.
// Each article is stored as SaveArticle stores a new one (scope at its
// date, compressed text, content hash, mentions) and is queued for
// indexing. An URL already stored is an error: nothing of the batch is
// kept. It returns the new ids, in order.
func (s *Store) ImportArticles(ctx context.Context, in []ArticleInput) ([]int64, error) {
	ids := make([]int64, 0, len(in))
	err := s.tx(ctx, func(tx *sql.Tx) error {
		ins, err := tx.PrepareContext(ctx, `INSERT INTO articles(url, outlet_id, scope, title, lead, description,
			authors, lang, site_name, published_at, date_source, first_seen_at, date_at, fetched_at, paywalled, text_z,
			html_z, content_hash, simhash, mention_count, matched_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		scopeAt, err := tx.PrepareContext(ctx, `SELECT scope FROM outlet_scopes WHERE outlet_id = ? AND valid_from <= ?
			ORDER BY valid_from DESC LIMIT 1`)
		if err != nil {
			return err
		}
		defer scopeAt.Close()
		for _, a := range in {
			if a.URL == "" || a.Article == nil || a.OutletID == "" {
				return errors.New("url, outlet and article are required")
			}
			art := a.Article
			authors, err := json.Marshal(nonNil(art.Authors))
			if err != nil {
				return err
			}
			textZ, err := s.z.compress([]byte(art.Text))
			if err != nil {
				return err
			}
			var htmlZ []byte
			if len(a.HTML) > 0 {
				if htmlZ, err = s.z.compress(a.HTML); err != nil {
					return err
				}
			}
			dateAt := a.FetchedAt.Unix()
			if !art.Published.IsZero() {
				dateAt = art.Published.Unix()
			}
			var scope string
			err = scopeAt.QueryRowContext(ctx, a.OutletID, dateAt).Scan(&scope)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("outlet %q is unknown: %w", a.OutletID, ErrNotFound)
			}
			if err != nil {
				return err
			}
			r, err := ins.ExecContext(ctx, a.URL, a.OutletID, scope, art.Title, art.Lead, art.Description,
				string(authors), art.Lang, art.SiteName, unix(art.Published), art.DateSource, a.FetchedAt.Unix(), dateAt,
				a.FetchedAt.Unix(), art.Paywalled, textZ, htmlZ, contentHash(art, a.Mentions), int64(a.Simhash),
				len(a.Mentions), a.FetchedAt.Unix())
			if err != nil {
				return fmt.Errorf("%s: %w", a.URL, err)
			}
			id, err := r.LastInsertId()
			if err != nil {
				return err
			}
			if err := s.writeMentions(ctx, tx, id, a.Mentions); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: import articles: %w", err)
	}
	return ids, nil
}
