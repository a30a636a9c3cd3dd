package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/cner/veille/internal/model"
)

// IndexItem is an article whose index entry is behind the store.
type IndexItem struct {
	ID  int64
	Rev int64
	// Clipping is the document to index, or nil when the article must not
	// be in the index (no mention, or excluded).
	Clipping *model.Clipping
}

// Unindexed returns up to limit articles whose index entry is behind the
// store (indexed_rev < rev), in id order.
func (s *Store) Unindexed(ctx context.Context, limit int) ([]IndexItem, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, rev, mention_count > 0 AND excluded = 0 FROM articles
		WHERE indexed_rev < rev ORDER BY id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: unindexed: %w", err)
	}
	type pending struct {
		id, rev  int64
		clipping bool
	}
	var list []pending
	for rows.Next() {
		var p pending
		if err := rows.Scan(&p.id, &p.rev, &p.clipping); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: unindexed: %w", err)
		}
		list = append(list, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unindexed: %w", err)
	}
	items := make([]IndexItem, 0, len(list))
	for _, p := range list {
		item := IndexItem{ID: p.id, Rev: p.rev}
		if p.clipping {
			c, err := s.Clipping(ctx, p.id)
			if err != nil {
				return nil, err
			}
			item.Clipping = c
		}
		items = append(items, item)
	}
	return items, nil
}

// MarkIndexed records that the index holds each item at its Rev. An article
// changed since it was read keeps a lower indexed_rev and is indexed again.
func (s *Store) MarkIndexed(ctx context.Context, items []IndexItem) error {
	if len(items) == 0 {
		return nil
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		for _, it := range items {
			if _, err := tx.ExecContext(ctx, `UPDATE articles SET indexed_rev = ? WHERE id = ? AND indexed_rev < ?`,
				it.Rev, it.ID, it.Rev); err != nil {
				return fmt.Errorf("store: mark indexed: %w", err)
			}
		}
		return nil
	})
}

// ResetIndexed marks every article as absent from the index, for a rebuild.
func (s *Store) ResetIndexed(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE articles SET indexed_rev = 0`); err != nil {
		return fmt.Errorf("store: reset indexed: %w", err)
	}
	return nil
}

// IndexBacklog counts the articles whose index entry is behind the store.
func (s *Store) IndexBacklog(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM articles WHERE indexed_rev < rev`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: index backlog: %w", err)
	}
	return n, nil
}

// ClippingIDs returns the ids of every clipping (mentions, not excluded).
func (s *Store) ClippingIDs(ctx context.Context) ([]int64, error) {
	ids, err := queryIDs(ctx, s.db, `SELECT id FROM articles WHERE mention_count > 0 AND excluded = 0 ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: clipping ids: %w", err)
	}
	return ids, nil
}
