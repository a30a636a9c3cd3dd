package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
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

// Breakdowns CountBy knows.
const (
	ByOutlet = "outlet"
	ByScope  = "scope"
	ByEntity = "entity"
	ByKind   = "kind"
	ByMonth  = "month"
	ByYear   = "year"
)

// How counts are computed. Monthly totals per outlet and scope, per entity
// and per entity kind (count_articles, count_entities, count_kinds: see
// migration 0002_index_counts.sql) are kept by triggers in the transaction
// of every write, for the calendar months of one time zone. A period is
// counted from the totals of the whole months it covers, plus the
// clippings themselves in its partial months at either end (none for a
// calendar year or month). Filters and breakdowns mean the same on both
// paths; countDirect is the reference, and tests check that both agree.
//
// Filters on an entity or a kind restrict the breakdowns by entity and by
// kind to that entity or kind: --kind member --by entity lists members only.

const countsZoneKey = "counts_zone"

// Years of the months of count_months; dates outside count as month 0.
const (
	countsFirstYear = 1900
	countsLastYear  = 2200
)

// EnsureCounts makes the monthly totals those of loc, rebuilding them from
// the articles when they were kept for another zone or never built (a few
// seconds for a million clippings, once).
func (s *Store) EnsureCounts(ctx context.Context, loc *time.Location) error {
	zone, ok, err := s.Meta(ctx, countsZoneKey)
	if err != nil {
		return err
	}
	if ok && zone == loc.String() {
		return nil
	}
	return s.RebuildCounts(ctx, loc)
}

// RebuildCounts recomputes the monthly totals from the articles, in loc.
func (s *Store) RebuildCounts(ctx context.Context, loc *time.Location) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for _, t := range []string{"count_months", "count_articles", "count_entities", "count_kinds"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+t); err != nil {
				return err
			}
		}
		ins, err := tx.PrepareContext(ctx, `INSERT INTO count_months(start_at, month) VALUES (?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for y := countsFirstYear; y <= countsLastYear; y++ {
			for m := time.January; m <= time.December; m++ {
				if _, err := ins.ExecContext(ctx, time.Date(y, m, 1, 0, 0, 0, 0, loc).Unix(), y*100+int(m)); err != nil {
					return err
				}
			}
		}
		// The month of each clipping once, then the totals.
		for _, q := range []string{
			`CREATE TEMP TABLE count_rebuild AS SELECT a.id, a.outlet_id, a.scope, ` + monthOfSQL("a.date_at") + ` AS month
				FROM articles a WHERE a.mention_count > 0 AND a.excluded = 0`,
			`INSERT INTO count_articles(month, outlet_id, scope, n)
				SELECT month, outlet_id, scope, COUNT(*) FROM count_rebuild GROUP BY 1, 2, 3`,
			`INSERT INTO count_entities(month, entity_id, entity_kind, outlet_id, scope, n)
				SELECT r.month, m.entity_id, m.entity_kind, r.outlet_id, r.scope, COUNT(*)
				FROM count_rebuild r JOIN mentions m ON m.article_id = r.id GROUP BY 1, 2, 3, 4, 5`,
			`INSERT INTO count_kinds(month, kind, outlet_id, scope, n)
				SELECT month, kind, outlet_id, scope, COUNT(*) FROM (SELECT DISTINCT r.id, r.month, m.entity_kind AS kind,
				r.outlet_id, r.scope FROM count_rebuild r JOIN mentions m ON m.article_id = r.id) GROUP BY 1, 2, 3, 4`,
			`DROP TABLE temp.count_rebuild`,
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES (?, ?)
			ON CONFLICT(key) DO UPDATE SET value = excluded.value`, countsZoneKey, loc.String())
		return err
	})
	if err != nil {
		return fmt.Errorf("store: rebuilding monthly totals: %w", err)
	}
	return nil
}

func monthOfSQL(col string) string {
	return `COALESCE((SELECT month FROM count_months WHERE start_at <= ` + col + ` ORDER BY start_at DESC LIMIT 1), 0)`
}

// countsZone returns the zone the monthly totals are kept in, or nil.
func (s *Store) countsZone(ctx context.Context) (*time.Location, error) {
	zone, ok, err := s.Meta(ctx, countsZoneKey)
	if err != nil || !ok {
		return nil, err
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return nil, nil // an unknown zone: count directly
	}
	return loc, nil
}

// Count returns the number of clippings matching f.
func (s *Store) Count(ctx context.Context, f CountFilter) (int, error) {
	loc, err := s.countsZone(ctx)
	if err != nil {
		return 0, err
	}
	var groups map[string]int
	if loc == nil {
		groups, err = s.countDirect(ctx, f, "", nil)
	} else {
		groups, err = s.countMonthly(ctx, f, "", loc)
	}
	if err != nil {
		return 0, err
	}
	return groups[""], nil
}

// CountBy breaks the clippings matching f down by outlet, scope, entity,
// kind, month or year (months and years in loc): largest first for
// outlets, scopes, entities and kinds, every month or year of the period in
// calendar order (zeros included). A clipping mentioning two entities
// counts once in each entity's group.
func (s *Store) CountBy(ctx context.Context, f CountFilter, by string, loc *time.Location) ([]Group, error) {
	if loc == nil {
		loc = time.UTC
	}
	switch by {
	case ByOutlet, ByScope, ByEntity, ByKind, ByYear:
	case ByMonth:
		if f.From.IsZero() || f.To.IsZero() {
			return nil, fmt.Errorf("store: count by month needs a period")
		}
	default:
		return nil, fmt.Errorf("store: count by %q: not one of outlet, scope, entity, kind, month, year", by)
	}
	if err := s.EnsureCounts(ctx, loc); err != nil {
		return nil, err
	}
	m, err := s.countMonthly(ctx, f, by, loc)
	if err != nil {
		return nil, err
	}
	return groupsOf(m, by, f, loc), nil
}

// CountDirect is CountBy computed from the clippings themselves, without
// the monthly totals: the reference for checks (veille check) and tests.
// by "" gives the total under the key "".
func (s *Store) CountDirect(ctx context.Context, f CountFilter, by string, loc *time.Location) ([]Group, error) {
	if loc == nil {
		loc = time.UTC
	}
	m, err := s.countDirect(ctx, f, by, loc)
	if err != nil {
		return nil, err
	}
	if by == "" {
		return []Group{{Key: "", Count: m[""]}}, nil
	}
	return groupsOf(m, by, f, loc), nil
}

// groupsOf orders a breakdown; months and years get every key of the period.
func groupsOf(m map[string]int, by string, f CountFilter, loc *time.Location) []Group {
	var out []Group
	switch by {
	case ByMonth:
		y, mo, _ := f.From.In(loc).Date()
		for start := time.Date(y, mo, 1, 0, 0, 0, 0, loc); start.Before(f.To); start = start.AddDate(0, 1, 0) {
			k := start.Format("2006-01")
			out = append(out, Group{Key: k, Count: m[k]})
		}
		return out
	case ByYear:
		lo, hi := 0, 0
		for k, n := range m {
			y, err := strconv.Atoi(k)
			if err != nil || n == 0 {
				continue
			}
			if lo == 0 || y < lo {
				lo = y
			}
			if y > hi {
				hi = y
			}
		}
		if !f.From.IsZero() {
			lo = f.From.In(loc).Year()
		}
		if !f.To.IsZero() {
			hi = f.To.Add(-time.Nanosecond).In(loc).Year()
		}
		if lo == 0 {
			return nil
		}
		for y := lo; y <= hi; y++ {
			k := strconv.Itoa(y)
			out = append(out, Group{Key: k, Count: m[k]})
		}
		return out
	}
	for k, n := range m {
		if n > 0 {
			out = append(out, Group{Key: k, Count: n})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// countMonthly counts from the monthly totals over the whole months of the
// period and from the clippings in its partial months.
func (s *Store) countMonthly(ctx context.Context, f CountFilter, by string, loc *time.Location) (map[string]int, error) {
	// [a, b) are the whole months; zero means unbounded.
	var a, b time.Time
	if !f.From.IsZero() {
		a = monthStart(f.From, loc)
		if a.Before(f.From) {
			a = a.AddDate(0, 1, 0)
		}
	}
	if !f.To.IsZero() {
		b = monthStart(f.To, loc)
	}
	if !a.IsZero() && !b.IsZero() && !a.Before(b) {
		return s.countDirect(ctx, f, by, loc)
	}
	out, err := s.countRollup(ctx, f, by, monthKey(a, loc, 0), monthKey(b, loc, countsLastYear*100+13))
	if err != nil {
		return nil, err
	}
	edges := []CountFilter{}
	if !a.IsZero() && f.From.Before(a) {
		e := f
		e.To = a
		edges = append(edges, e)
	}
	if !b.IsZero() && b.Before(f.To) {
		e := f
		e.From = b
		edges = append(edges, e)
	}
	for _, e := range edges {
		m, err := s.countDirect(ctx, e, by, loc)
		if err != nil {
			return nil, err
		}
		for k, n := range m {
			out[k] += n
		}
	}
	return out, nil
}

func monthStart(t time.Time, loc *time.Location) time.Time {
	y, m, _ := t.In(loc).Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, loc)
}

// monthKey is the YYYYMM of the month starting at t; zero t gives def.
func monthKey(t time.Time, loc *time.Location, def int) int {
	if t.IsZero() {
		return def
	}
	y, m, _ := t.In(loc).Date()
	if y < countsFirstYear {
		return 0
	}
	if y > countsLastYear {
		return countsLastYear*100 + 13
	}
	return y*100 + int(m)
}

// countRollup sums the monthly totals of months [lo, hi).
func (s *Store) countRollup(ctx context.Context, f CountFilter, by string, lo, hi int) (map[string]int, error) {
	var (
		table string
		conds = []string{"month >= ?", "month < ?", "n > 0"}
		args  = []any{lo, hi}
	)
	switch {
	case f.EntityID != "" || by == ByEntity:
		table = "count_entities"
		if f.EntityID != "" {
			conds = append(conds, "entity_id = ?")
			args = append(args, f.EntityID)
		}
		if f.Kind != "" {
			conds = append(conds, "entity_kind = ?")
			args = append(args, f.Kind)
		}
	case f.Kind != "" || by == ByKind:
		table = "count_kinds"
		if f.Kind != "" {
			conds = append(conds, "kind = ?")
			args = append(args, f.Kind)
		}
	default:
		table = "count_articles"
	}
	if f.Scope != "" {
		conds = append(conds, "scope = ?")
		args = append(args, f.Scope)
	}
	if f.OutletID != "" {
		conds = append(conds, "outlet_id = ?")
		args = append(args, f.OutletID)
	}
	var key string
	switch by {
	case "":
		key = "''"
	case ByOutlet:
		key = "outlet_id"
	case ByScope:
		key = "scope"
	case ByEntity:
		key = "entity_id"
	case ByKind:
		if table == "count_entities" {
			key = "entity_kind"
		} else {
			key = "kind"
		}
	case ByMonth:
		key = "printf('%04d-%02d', month / 100, month % 100)"
		conds = append(conds, "month > 0")
	case ByYear:
		key = "CAST(month / 100 AS TEXT)"
		conds = append(conds, "month > 0")
	}
	q := `SELECT ` + key + `, SUM(n) FROM ` + table + ` WHERE ` + strings.Join(conds, " AND ") + ` GROUP BY 1`
	return s.scanGroups(ctx, q, args)
}

func (s *Store) scanGroups(ctx context.Context, q string, args []any) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: count: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var (
			k sql.NullString
			n int
		)
		if err := rows.Scan(&k, &n); err != nil {
			return nil, fmt.Errorf("store: count: %w", err)
		}
		out[k.String] += n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: count: %w", err)
	}
	return out, nil
}

// where is the condition on articles a of f. Unless joined, the entity and
// kind filters are tested with EXISTS.
func (f CountFilter) where(joined bool) (string, []any) {
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
	var mc []string
	var margs []any
	if f.EntityID != "" {
		mc = append(mc, "m.entity_id = ?")
		margs = append(margs, f.EntityID)
	}
	if f.Kind != "" {
		mc = append(mc, "m.entity_kind = ?")
		margs = append(margs, f.Kind)
	}
	if len(mc) > 0 {
		if joined {
			conds = append(conds, mc...)
		} else {
			conds = append(conds, "EXISTS (SELECT 1 FROM mentions m WHERE m.article_id = a.id AND "+
				strings.Join(mc, " AND ")+")")
		}
		args = append(args, margs...)
	}
	return "WHERE " + strings.Join(conds, " AND "), args
}

// countDirect counts the clippings themselves.
func (s *Store) countDirect(ctx context.Context, f CountFilter, by string, loc *time.Location) (map[string]int, error) {
	var q string
	var args []any
	switch by {
	case "", ByMonth, ByYear:
		where, wargs := f.where(false)
		if by == "" {
			q, args = `SELECT '', COUNT(*) FROM articles a `+where, wargs
			break
		}
		// Per month or year in loc: the dates are read and grouped here.
		return s.countDirectByDate(ctx, where, wargs, by, loc)
	case ByOutlet:
		where, wargs := f.where(false)
		q, args = `SELECT a.outlet_id, COUNT(*) FROM articles a `+where+` GROUP BY 1`, wargs
	case ByScope:
		where, wargs := f.where(false)
		q, args = `SELECT a.scope, COUNT(*) FROM articles a `+where+` GROUP BY 1`, wargs
	case ByEntity:
		where, wargs := f.where(true)
		q, args = `SELECT m.entity_id, COUNT(*) FROM articles a JOIN mentions m ON m.article_id = a.id `+where+
			` GROUP BY 1`, wargs
	case ByKind:
		where, wargs := f.where(true)
		q, args = `SELECT m.entity_kind, COUNT(DISTINCT a.id) FROM articles a JOIN mentions m ON m.article_id = a.id `+
			where+` GROUP BY 1`, wargs
	default:
		return nil, fmt.Errorf("store: count by %q: not one of outlet, scope, entity, kind, month, year", by)
	}
	return s.scanGroups(ctx, q, args)
}

func (s *Store) countDirectByDate(ctx context.Context, where string, args []any, by string, loc *time.Location) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT a.date_at FROM articles a `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("store: count by %s: %w", by, err)
	}
	defer rows.Close()
	out := map[string]int{}
	layout := "2006-01"
	if by == ByYear {
		layout = "2006"
	}
	for rows.Next() {
		var at int64
		if err := rows.Scan(&at); err != nil {
			return nil, fmt.Errorf("store: count by %s: %w", by, err)
		}
		t := time.Unix(at, 0).In(loc)
		if t.Year() < countsFirstYear || t.Year() > countsLastYear {
			continue
		}
		out[t.Format(layout)]++
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: count by %s: %w", by, err)
	}
	return out, nil
}

// CountsCheck compares the monthly totals with the clippings themselves,
// month by month, outlet by outlet: the drifts found (none when the
// triggers did their job). It rebuilds nothing. The clippings are read in
// one pass, their months found here: a million take seconds, in little
// memory.
func (s *Store) CountsCheck(ctx context.Context, loc *time.Location) ([]string, error) {
	zone, err := s.countsZone(ctx)
	if err != nil {
		return nil, err
	}
	if zone == nil {
		return nil, nil
	}
	// Month starts, to place each clipping.
	var starts []int64
	var keys []int
	for y := countsFirstYear; y <= countsLastYear; y++ {
		for m := time.January; m <= time.December; m++ {
			starts = append(starts, time.Date(y, m, 1, 0, 0, 0, 0, zone).Unix())
			keys = append(keys, y*100+int(m))
		}
	}
	monthOf := func(at int64) int {
		i := sort.Search(len(starts), func(i int) bool { return starts[i] > at })
		if i == 0 {
			return 0
		}
		return keys[i-1]
	}
	direct := map[string]map[string]int{"clippings": {}, "entities": {}, "kinds": {}}
	rows, err := s.db.QueryContext(ctx, `SELECT a.date_at, a.outlet_id, a.scope FROM articles a
		WHERE a.mention_count > 0 AND a.excluded = 0`)
	if err != nil {
		return nil, fmt.Errorf("store: counts check: %w", err)
	}
	for rows.Next() {
		var (
			at            int64
			outlet, scope string
		)
		if err := rows.Scan(&at, &outlet, &scope); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: counts check: %w", err)
		}
		direct["clippings"][strconv.Itoa(monthOf(at))+" "+outlet+" "+scope]++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: counts check: %w", err)
	}
	rows, err = s.db.QueryContext(ctx, `SELECT m.article_id, a.date_at, a.outlet_id, a.scope, m.entity_id, m.entity_kind
		FROM mentions m JOIN articles a ON a.id = m.article_id WHERE a.mention_count > 0 AND a.excluded = 0
		ORDER BY m.article_id`)
	if err != nil {
		return nil, fmt.Errorf("store: counts check: %w", err)
	}
	var (
		last  int64 = -1
		kinds       = map[string]bool{}
	)
	for rows.Next() {
		var (
			id, at                      int64
			outlet, scope, entity, kind string
		)
		if err := rows.Scan(&id, &at, &outlet, &scope, &entity, &kind); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: counts check: %w", err)
		}
		if id != last {
			last = id
			clear(kinds)
		}
		month := strconv.Itoa(monthOf(at))
		direct["entities"][month+" "+entity+" "+kind+" "+outlet+" "+scope]++
		if !kinds[kind] {
			kinds[kind] = true
			direct["kinds"][month+" "+kind+" "+outlet+" "+scope]++
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: counts check: %w", err)
	}
	var drifts []string
	for _, q := range []struct{ name, rollup string }{
		{"clippings", `SELECT month || ' ' || outlet_id || ' ' || scope, n FROM count_articles WHERE n != 0`},
		{"entities", `SELECT month || ' ' || entity_id || ' ' || entity_kind || ' ' || outlet_id || ' ' || scope, n
			FROM count_entities WHERE n != 0`},
		{"kinds", `SELECT month || ' ' || kind || ' ' || outlet_id || ' ' || scope, n FROM count_kinds WHERE n != 0`},
	} {
		r, err := s.scanGroups(ctx, q.rollup, nil)
		if err != nil {
			return nil, err
		}
		d := direct[q.name]
		for k, n := range d {
			if r[k] != n {
				drifts = append(drifts, fmt.Sprintf("%s %s: %d in the monthly totals, %d clippings", q.name, k, r[k], n))
			}
		}
		for k, n := range r {
			if _, ok := d[k]; !ok {
				drifts = append(drifts, fmt.Sprintf("%s %s: %d in the monthly totals, 0 clippings", q.name, k, n))
			}
		}
	}
	sort.Strings(drifts)
	return drifts, nil
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
