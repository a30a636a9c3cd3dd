package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"
)

// Gap is a stretch of time in which an outlet's collection failed: polls of
// its sources failed and none succeeded for at least the minimum gap. The
// clippings of that stretch may be missing: a count over it is incomplete,
// not a silence of the press. OutletID is empty for an outage: no source of
// any outlet was polled at all (veille was stopped).
type Gap struct {
	OutletID  string    `json:"outlet,omitempty"`
	From      time.Time `json:"from"` // the last success before (or the first failure), clipped to the period
	To        time.Time `json:"to"`   // the first success after, clipped to the period
	Failures  int       `json:"failures"`
	LastError string    `json:"last_error,omitempty"`
	Ongoing   bool      `json:"ongoing,omitempty"` // not recovered at the end of the period
}

// Coverage says how completely a period was collected.
type Coverage struct {
	// Gaps are the outlets' failed stretches and the outages, by outlet
	// (outages first) then time.
	Gaps []Gap `json:"gaps"`
	// KnownFrom is when the poll history starts: before it (veille not yet
	// running, or history pruned and no gap recorded), coverage is unknown.
	// Zero when nothing was ever polled.
	KnownFrom time.Time `json:"known_from"`
}

// CoverageFilter selects the outlets whose coverage matters.
type CoverageFilter struct {
	From, To time.Time // the period [From, To); zero To means now
	Scope    string    // outlets that had this scope during the period
	OutletID string
	// MinGap is the shortest stretch without a successful poll that is a
	// gap (default 24h: feeds and sitemaps keep a day of articles), of
	// which a quarter at least must fall in the period.
	MinGap time.Duration
}

// Coverage lists the stretches of [f.From, f.To) in which collection failed,
// from the crawler's poll history (source_checks, kept about 400 days) and
// from the gaps recorded by earlier calls, which outlive that history.
// Finished gaps are recorded when found, and the history before the last
// scan is not scanned again: in steady state a call scans what was polled
// since the previous one.
func (s *Store) Coverage(ctx context.Context, f CoverageFilter, now time.Time) (Coverage, error) {
	if f.MinGap <= 0 {
		f.MinGap = 24 * time.Hour
	}
	end := now
	if !f.To.IsZero() && f.To.Before(now) {
		end = f.To
	}
	var cov Coverage
	var first sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT MIN(at) FROM source_checks`).Scan(&first); err != nil {
		return cov, fmt.Errorf("store: coverage: %w", err)
	}
	if !first.Valid {
		return cov, nil
	}
	known, err := s.metaInt(ctx, "coverage_known_from")
	if err != nil {
		return cov, err
	}
	if known == 0 || first.Int64 < known {
		known = first.Int64
		if err := s.SetMeta(ctx, "coverage_known_from", fmt.Sprint(known)); err != nil {
			return cov, err
		}
	}
	cov.KnownFrom = time.Unix(known, 0).UTC()
	// The history is complete after the oldest check of every source and
	// within the retention (the last check of a source is kept longer).
	horizon := first.Int64
	if h := now.Add(-checkRetention + 24*time.Hour).Unix(); h > horizon {
		horizon = h
	}
	scanned, err := s.metaInt(ctx, "coverage_scanned")
	if err != nil {
		return cov, err
	}
	scanFrom := max(f.From.Unix(), horizon, scanned)
	var gaps []Gap
	if scanFrom < end.Unix() {
		g, err := s.failedStretches(ctx, time.Unix(scanFrom, 0), end, now, f.MinGap)
		if err != nil {
			return cov, err
		}
		o, err := s.outages(ctx, time.Unix(scanFrom, 0), end, now, f.MinGap)
		if err != nil {
			return cov, err
		}
		gaps = append(g, o...)
		if err := s.recordGaps(ctx, gaps); err != nil {
			return cov, err
		}
		// What lies before end−MinGap and before any gap still open is
		// final: later calls need not scan it again, if this scan went on
		// from where the last one stopped.
		if scanFrom == scanned || (scanned == 0 && scanFrom == horizon) {
			next := end.Add(-f.MinGap).Unix()
			for _, g := range gaps {
				if g.Ongoing || !g.To.Before(end) {
					next = min(next, g.From.Unix())
				}
			}
			if next > scanned {
				if err := s.SetMeta(ctx, "coverage_scanned", fmt.Sprint(next)); err != nil {
					return cov, err
				}
			}
		}
	}
	// With the gaps recorded before, found again or not.
	old, err := s.recordedGaps(ctx, f.From, end)
	if err != nil {
		return cov, err
	}
	seen := map[string]bool{}
	for _, g := range gaps {
		seen[fmt.Sprint(g.OutletID, g.From.Unix())] = true
	}
	for _, g := range old {
		if !seen[fmt.Sprint(g.OutletID, g.From.Unix())] {
			gaps = append(gaps, g)
		}
	}
	keep, err := s.outletsOfScope(ctx, f)
	if err != nil {
		return cov, err
	}
	for _, g := range gaps {
		if g.OutletID != "" && keep != nil && !keep[g.OutletID] {
			continue
		}
		if f.OutletID != "" && g.OutletID != "" && g.OutletID != f.OutletID {
			continue
		}
		if g.From.Before(f.From) {
			g.From = f.From
		}
		if !f.To.IsZero() && g.To.After(f.To) {
			g.To = f.To
			g.Ongoing = false
		}
		// Too little of it in the period to matter.
		if g.To.Sub(g.From) < f.MinGap/4 {
			continue
		}
		cov.Gaps = append(cov.Gaps, g)
	}
	sort.SliceStable(cov.Gaps, func(i, j int) bool {
		if cov.Gaps[i].OutletID != cov.Gaps[j].OutletID {
			return cov.Gaps[i].OutletID < cov.Gaps[j].OutletID
		}
		return cov.Gaps[i].From.Before(cov.Gaps[j].From)
	})
	return cov, nil
}

func (s *Store) metaInt(ctx context.Context, key string) (int64, error) {
	v, ok, err := s.Meta(ctx, key)
	if err != nil || !ok {
		return 0, err
	}
	var n int64
	if _, err := fmt.Sscan(v, &n); err != nil {
		return 0, nil
	}
	return n, nil
}

// failedStretches finds, for each failed poll in [start, end), the stretch
// between the outlet's last success before and first success after.
func (s *Store) failedStretches(ctx context.Context, start, end, now time.Time, minGap time.Duration) ([]Gap, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT outlet_id, at, error FROM source_checks INDEXED BY source_checks_failed_at
		WHERE ok = 0 AND at >= ? AND at < ? ORDER BY outlet_id, at`, start.Unix(), end.Unix())
	if err != nil {
		return nil, fmt.Errorf("store: coverage: %w", err)
	}
	type failure struct {
		outlet string
		at     int64
		msg    string
	}
	var fails []failure
	for rows.Next() {
		var f failure
		if err := rows.Scan(&f.outlet, &f.at, &f.msg); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: coverage: %w", err)
		}
		fails = append(fails, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: coverage: %w", err)
	}
	var out []Gap
	for i := 0; i < len(fails); {
		f := fails[i]
		var prev, next sql.NullInt64
		if err := s.db.QueryRowContext(ctx, `SELECT MAX(at) FROM source_checks INDEXED BY source_checks_outlet_ok
			WHERE outlet_id = ? AND ok = 1 AND at < ?`, f.outlet, f.at).Scan(&prev); err != nil {
			return nil, fmt.Errorf("store: coverage: %w", err)
		}
		if err := s.db.QueryRowContext(ctx, `SELECT MIN(at) FROM source_checks INDEXED BY source_checks_outlet_ok
			WHERE outlet_id = ? AND ok = 1 AND at > ?`, f.outlet, f.at).Scan(&next); err != nil {
			return nil, fmt.Errorf("store: coverage: %w", err)
		}
		g := Gap{OutletID: f.outlet, From: time.Unix(f.at, 0).UTC(), To: now.UTC(), Ongoing: !next.Valid}
		if prev.Valid {
			g.From = time.Unix(prev.Int64, 0).UTC()
		}
		if next.Valid {
			g.To = time.Unix(next.Int64, 0).UTC()
		}
		j := i
		for j < len(fails) && fails[j].outlet == f.outlet && (!next.Valid || fails[j].at < next.Int64) {
			g.Failures++
			g.LastError = fails[j].msg
			j++
		}
		i = j
		if g.To.Sub(g.From) >= minGap {
			out = append(out, g)
		}
	}
	return out, nil
}

// outages finds stretches of at least minGap in which nothing was polled,
// probing the poll history every minGap/2 (a stretch that long contains a
// probe with nothing in the next minGap/2).
func (s *Store) outages(ctx context.Context, start, end, now time.Time, minGap time.Duration) ([]Gap, error) {
	var out []Gap
	half := minGap / 2
	for p := start; p.Before(end); {
		var next sql.NullInt64
		if err := s.db.QueryRowContext(ctx, `SELECT MIN(at) FROM source_checks INDEXED BY source_checks_at WHERE at >= ?`,
			p.Unix()).Scan(&next); err != nil {
			return nil, fmt.Errorf("store: coverage: %w", err)
		}
		n := now
		if next.Valid {
			n = time.Unix(next.Int64, 0)
		}
		if n.Sub(p) < half {
			p = p.Add(half)
			if n.After(p) {
				p = n
			}
			continue
		}
		var prev sql.NullInt64
		if err := s.db.QueryRowContext(ctx, `SELECT MAX(at) FROM source_checks INDEXED BY source_checks_at WHERE at < ?`,
			p.Unix()).Scan(&prev); err != nil {
			return nil, fmt.Errorf("store: coverage: %w", err)
		}
		from := p
		if prev.Valid {
			from = time.Unix(prev.Int64, 0)
		}
		if n.Sub(from) >= minGap {
			out = append(out, Gap{From: from.UTC(), To: n.UTC(), Ongoing: !next.Valid})
		}
		if !next.Valid {
			break
		}
		p = n.Add(time.Second)
	}
	return out, nil
}

// recordGaps keeps finished gaps beyond the poll history's retention.
func (s *Store) recordGaps(ctx context.Context, gaps []Gap) error {
	finished := 0
	for _, g := range gaps {
		if !g.Ongoing {
			finished++
		}
	}
	if finished == 0 {
		return nil
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		for _, g := range gaps {
			if g.Ongoing {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO coverage_gaps(outlet_id, from_at, to_at, failures, last_error)
				VALUES (?, ?, ?, ?, ?) ON CONFLICT(outlet_id, from_at) DO UPDATE SET to_at = excluded.to_at,
				failures = excluded.failures, last_error = excluded.last_error`,
				g.OutletID, g.From.Unix(), g.To.Unix(), g.Failures, g.LastError); err != nil {
				return fmt.Errorf("store: recording coverage gaps: %w", err)
			}
		}
		return nil
	})
}

func (s *Store) recordedGaps(ctx context.Context, from, to time.Time) ([]Gap, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT outlet_id, from_at, to_at, failures, last_error FROM coverage_gaps
		WHERE to_at > ? AND from_at < ?`, from.Unix(), to.Unix())
	if err != nil {
		return nil, fmt.Errorf("store: coverage: %w", err)
	}
	defer rows.Close()
	var out []Gap
	for rows.Next() {
		var g Gap
		var a, b int64
		if err := rows.Scan(&g.OutletID, &a, &b, &g.Failures, &g.LastError); err != nil {
			return nil, fmt.Errorf("store: coverage: %w", err)
		}
		g.From, g.To = time.Unix(a, 0).UTC(), time.Unix(b, 0).UTC()
		out = append(out, g)
	}
	return out, rows.Err()
}

// outletsOfScope returns the outlets that had f.Scope at some time of the
// period (nil: no scope filter).
func (s *Store) outletsOfScope(ctx context.Context, f CoverageFilter) (map[string]bool, error) {
	if f.Scope == "" {
		return nil, nil
	}
	to := f.To
	if to.IsZero() {
		to = time.Unix(1<<40, 0)
	}
	// A scope row applies from valid_from until the outlet's next row.
	rows, err := s.db.QueryContext(ctx, `SELECT o.outlet_id FROM outlet_scopes o WHERE o.scope = ? AND o.valid_from < ?
		AND COALESCE((SELECT MIN(n.valid_from) FROM outlet_scopes n WHERE n.outlet_id = o.outlet_id
		AND n.valid_from > o.valid_from), 1 << 40) > ?`, f.Scope, to.Unix(), f.From.Unix())
	if err != nil {
		return nil, fmt.Errorf("store: coverage: %w", err)
	}
	defer rows.Close()
	keep := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: coverage: %w", err)
		}
		keep[id] = true
	}
	return keep, rows.Err()
}
