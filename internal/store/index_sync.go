package store

import (
	"context"
	"fmt"

	"github.com/cner/veille/internal/model"
)

// PendingIndex is Unindexed reading a batch in three queries (articles,
// their text, their mentions) instead of three per article: what the index
// sync uses.
func (s *Store) PendingIndex(ctx context.Context, limit int) ([]IndexItem, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+clippingColumns+`, a.text_z, a.rev, a.mention_count > 0 AND a.excluded = 0
		FROM articles a LEFT JOIN outlets o ON o.id = a.outlet_id
		WHERE a.indexed_rev < a.rev ORDER BY a.id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: pending index: %w", err)
	}
	var (
		items []IndexItem
		page  []*model.Clipping
	)
	for rows.Next() {
		var (
			c        model.Clipping
			textZ    []byte
			rev      int64
			clipping bool
		)
		if err := scanClipping(rows, &c, &textZ, &rev, &clipping); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: pending index: %w", err)
		}
		item := IndexItem{ID: c.ID, Rev: rev}
		if clipping {
			text, err := decompress(textZ)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: article %d text: %w", c.ID, err)
			}
			c.Text = string(text)
			item.Clipping = &c
			page = append(page, &c)
		}
		items = append(items, item)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: pending index: %w", err)
	}
	if len(page) > 0 {
		if err := s.attachMentions(ctx, page); err != nil {
			return nil, err
		}
	}
	return items, nil
}
