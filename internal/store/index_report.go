package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/cner/veille/internal/model"
)

// Stub is what counting distinct stories needs of a clipping.
type Stub struct {
	ID       int64
	Date     time.Time
	OutletID string
	Scope    string
	Simhash  uint64
	Entities []EntityRef // distinct, in mention order
}

// EntityRef is an entity mentioned and its kind.
type EntityRef struct {
	ID   string
	Kind string
}

// ClippingStubs returns the clippings matching f, by date then id, with
// their entities when asked (all of them: the entity and kind filters
// select clippings, they do not trim their entities).
func (s *Store) ClippingStubs(ctx context.Context, f CountFilter, entities bool) ([]Stub, error) {
	where, args := f.where(false)
	rows, err := s.db.QueryContext(ctx, `SELECT a.id, a.date_at, a.outlet_id, a.scope, a.simhash FROM articles a `+
		where+` ORDER BY a.date_at, a.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: clipping stubs: %w", err)
	}
	var out []Stub
	pos := map[int64]int{}
	for rows.Next() {
		var (
			st Stub
			at int64
			h  int64
		)
		if err := rows.Scan(&st.ID, &at, &st.OutletID, &st.Scope, &h); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: clipping stubs: %w", err)
		}
		st.Date, st.Simhash = time.Unix(at, 0).UTC(), uint64(h)
		pos[st.ID] = len(out)
		out = append(out, st)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: clipping stubs: %w", err)
	}
	if !entities {
		return out, nil
	}
	mrows, err := s.db.QueryContext(ctx, `SELECT m.article_id, m.entity_id, m.entity_kind FROM mentions m
		WHERE m.article_id IN (SELECT a.id FROM articles a `+where+`) ORDER BY m.article_id, m.rowid`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: clipping stubs: %w", err)
	}
	defer mrows.Close()
	for mrows.Next() {
		var (
			id int64
			e  EntityRef
		)
		if err := mrows.Scan(&id, &e.ID, &e.Kind); err != nil {
			return nil, fmt.Errorf("store: clipping stubs: %w", err)
		}
		if i, ok := pos[id]; ok {
			out[i].Entities = append(out[i].Entities, e)
		}
	}
	return out, mrows.Err()
}

// EachClipping calls fn with every clipping matching f, by date then id,
// with its mentions but without its text (the press book's entries).
func (s *Store) EachClipping(ctx context.Context, f CountFilter, fn func(*model.Clipping) error) error {
	where, args := f.where(false)
	// Pages by (date, id), so that fn may take its time.
	lastAt, lastID := int64(-1<<62), int64(0)
	for {
		pargs := append(append([]any{}, args...), lastAt, lastAt, lastID)
		rows, err := s.db.QueryContext(ctx, `SELECT `+clippingColumns+` FROM articles a
			LEFT JOIN outlets o ON o.id = a.outlet_id `+where+` AND (a.date_at > ? OR (a.date_at = ? AND a.id > ?))
			ORDER BY a.date_at, a.id LIMIT 500`, pargs...)
		if err != nil {
			return fmt.Errorf("store: clippings: %w", err)
		}
		var page []*model.Clipping
		for rows.Next() {
			c := &model.Clipping{}
			if err := scanClipping(rows, c); err != nil {
				rows.Close()
				return fmt.Errorf("store: clippings: %w", err)
			}
			page = append(page, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: clippings: %w", err)
		}
		if len(page) == 0 {
			return nil
		}
		if err := s.attachMentions(ctx, page); err != nil {
			return err
		}
		for _, c := range page {
			if err := fn(c); err != nil {
				return err
			}
		}
		last := page[len(page)-1]
		lastAt, lastID = last.Date().Unix(), last.ID
	}
}

// attachMentions reads the mentions of a page of clippings in one query.
func (s *Store) attachMentions(ctx context.Context, page []*model.Clipping) error {
	ids := make([]int64, len(page))
	for i, c := range page {
		ids[i] = c.ID
	}
	byID, err := s.MentionsOf(ctx, ids)
	if err != nil {
		return err
	}
	for _, c := range page {
		c.Mentions = append(c.Mentions, byID[c.ID]...)
	}
	return nil
}

// IndexedClipping is an article as the store says the index should hold it.
type IndexedClipping struct {
	ID       int64
	Clipping bool // a clipping (in the index) or not (absent from it)
	Pending  bool // the index is behind (indexed_rev < rev): the next sync writes it
}

// IndexState lists every article with its revision and whether it belongs
// in the index, by id: what veille check compares with the index.
func (s *Store) IndexState(ctx context.Context, fn func(IndexedClipping) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT id, rev, indexed_rev, mention_count > 0 AND excluded = 0 FROM articles ORDER BY id`)
	if err != nil {
		return fmt.Errorf("store: index state: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			c            IndexedClipping
			rev, indexed int64
		)
		if err := rows.Scan(&c.ID, &rev, &indexed, &c.Clipping); err != nil {
			return fmt.Errorf("store: index state: %w", err)
		}
		c.Pending = indexed < rev
		if err := fn(c); err != nil {
			return err
		}
	}
	return rows.Err()
}

// RequeueIndex marks articles as behind the index (indexed_rev 0), so that
// the next index sync writes or removes them.
func (s *Store) RequeueIndex(ctx context.Context, ids []int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `UPDATE articles SET indexed_rev = 0 WHERE id = ?`, id); err != nil {
				return fmt.Errorf("store: requeue %d for indexing: %w", id, err)
			}
		}
		return nil
	})
}
