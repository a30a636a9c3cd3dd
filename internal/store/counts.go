package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// CountFilter selects clippings to count. Zero fields select everything.
type CountFilter struct {
	From, To time.Time // [From, To) on the clipping's date
	Scope    string
	OutletID string
	EntityID string
	Kind     string // entity kind
}

// Group is one row of a breakdown.
type Group struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
}

func (f CountFilter) where() (string, []any) {
	conds := []string{"a.mention_count > 0", "a.excluded = 0"}
	var args []any
	if !f.From.IsZero() {
		conds = append(conds, "a.date_at >= ?")
		args = append(args, f.From.Unix())
	}
	if !f.To.IsZero() {
		conds = append(conds, "a.date_at < ?")
		args = append(args, f.To.Unix())
	}
	if f.Scope != "" {
		conds = append(conds, "a.scope = ?")
		args = append(args, f.Scope)
	}
	if f.OutletID != "" {
		conds = append(conds, "a.outlet_id = ?")
		args = append(args, f.OutletID)
	}
	if f.EntityID != "" {
		conds = append(conds, "EXISTS (SELECT 1 FROM mentions m WHERE m.article_id = a.id AND m.entity_id = ?)")
		args = append(args, f.EntityID)
	}
	if f.Kind != "" {
		conds = append(conds, "EXISTS (SELECT 1 FROM mentions m WHERE m.article_id = a.id AND m.entity_kind = ?)")
		args = append(args, f.Kind)
	}
	return "WHERE " + strings.Join(conds, " AND "), args
}

// Count returns the number of clippings matching f.
func (s *Store) Count(ctx context.Context, f CountFilter) (int, error) {
	where, args := f.where()
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM articles a `+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count: %w", err)
	}
	return n, nil
}

// CountBy breaks the clippings matching f down by outlet, scope, entity,
// kind or month (months in loc), largest first (months in calendar order).
// A clipping mentioning two entities counts once in each entity's group.
func (s *Store) CountBy(ctx context.Context, f CountFilter, by string, loc *time.Location) ([]Group, error) {
	where, args := f.where()
	var q string
	switch by {
	case "outlet":
		q = `SELECT a.outlet_id, COUNT(*) FROM articles a ` + where + ` GROUP BY a.outlet_id`
	case "scope":
		q = `SELECT a.scope, COUNT(*) FROM articles a ` + where + ` GROUP BY a.scope`
	case "entity":
		q = `SELECT m.entity_id, COUNT(DISTINCT a.id) FROM articles a JOIN mentions m ON m.article_id = a.id ` +
			where + ` GROUP BY m.entity_id`
	case "kind":
		q = `SELECT m.entity_kind, COUNT(DISTINCT a.id) FROM articles a JOIN mentions m ON m.article_id = a.id ` +
			where + ` GROUP BY m.entity_kind`
	case "month":
		return s.countByMonth(ctx, f, loc)
	case "year":
		return s.countByYear(ctx, f, loc)
	default:
		return nil, fmt.Errorf("store: count by %q: not one of outlet, scope, entity, kind, month, year", by)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: count by %s: %w", by, err)
	}
	defer rows.Close()
	var out []Group
	for rows.Next() {
		var g Group
		if err := rows.Scan(&g.Key, &g.Count); err != nil {
			return nil, fmt.Errorf("store: count by %s: %w", by, err)
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: count by %s: %w", by, err)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Key < out[j].Key
	})
	return out, nil
}

// countByMonth counts each calendar month of [f.From, f.To) in loc.
func (s *Store) countByMonth(ctx context.Context, f CountFilter, loc *time.Location) ([]Group, error) {
	if f.From.IsZero() || f.To.IsZero() {
		return nil, fmt.Errorf("store: count by month needs a period")
	}
	var out []Group
	y, m, _ := f.From.In(loc).Date()
	for start := time.Date(y, m, 1, 0, 0, 0, 0, loc); start.Before(f.To); start = start.AddDate(0, 1, 0) {
		sub := f
		sub.From, sub.To = maxTime(start, f.From), minTime(start.AddDate(0, 1, 0), f.To)
		n, err := s.Count(ctx, sub)
		if err != nil {
			return nil, err
		}
		out = append(out, Group{Key: start.Format("2006-01"), Count: n})
	}
	return out, nil
}

// countByYear counts each calendar year in loc that holds clippings.
func (s *Store) countByYear(ctx context.Context, f CountFilter, loc *time.Location) ([]Group, error) {
	where, args := f.where()
	var lo, hi *int64
	if err := s.db.QueryRowContext(ctx, `SELECT MIN(a.date_at), MAX(a.date_at) FROM articles a `+where, args...).
		Scan(&lo, &hi); err != nil {
		return nil, fmt.Errorf("store: count by year: %w", err)
	}
	if lo == nil || hi == nil {
		return nil, nil
	}
	var out []Group
	for y := time.Unix(*lo, 0).In(loc).Year(); y <= time.Unix(*hi, 0).In(loc).Year(); y++ {
		sub := f
		sub.From = maxTime(time.Date(y, 1, 1, 0, 0, 0, 0, loc), f.From)
		sub.To = time.Date(y+1, 1, 1, 0, 0, 0, 0, loc)
		if !f.To.IsZero() {
			sub.To = minTime(sub.To, f.To)
		}
		n, err := s.Count(ctx, sub)
		if err != nil {
			return nil, err
		}
		out = append(out, Group{Key: fmt.Sprint(y), Count: n})
	}
	return out, nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if b.IsZero() || a.Before(b) {
		return a
	}
	return b
}

// Stats summarises the store.
type Stats struct {
	Articles  int `json:"articles"`
	Clippings int `json:"clippings"`
	Excluded  int `json:"excluded"`
	Sources   int `json:"sources"`
}

// Stats counts articles, clippings and sources.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*),
		COALESCE(SUM(mention_count > 0 AND excluded = 0), 0), COALESCE(SUM(excluded), 0),
		(SELECT COUNT(*) FROM sources WHERE active = 1) FROM articles`).
		Scan(&st.Articles, &st.Clippings, &st.Excluded, &st.Sources)
	if err != nil {
		return Stats{}, fmt.Errorf("store: stats: %w", err)
	}
	return st, nil
}
