package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/cner/veille/config"
)

// TestCoverage polls three outlets' sources every four hours through 2021,
// as the crawler records them: one outlet fails for six days in March, one
// fails for four hours (too short to matter), and in June veille is
// stopped for four days. The coverage of 2021 lists exactly those.
func TestCoverage(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	outlets := []config.Outlet{
		{ID: "echo", Name: "L'Écho", Scope: "national", Domains: []string{"echo.fr"}, Feeds: []string{"https://echo.fr/rss"}},
		{ID: "est", Name: "L'Est", Scope: "regional", Domains: []string{"est.fr"},
			Feeds: []string{"https://est.fr/rss"}, Sitemaps: []string{"https://est.fr/sitemap.xml"}},
		{ID: "pro", Name: "La Lettre", Scope: "trade", Domains: []string{"pro.fr"}, Feeds: []string{"https://pro.fr/rss"}},
	}
	if err := s.SyncOutlets(ctx, outlets, paris, time.Date(2020, 12, 1, 0, 0, 0, 0, paris)); err != nil {
		t.Fatal(err)
	}
	srcs, err := s.Sources(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	// Before any poll, coverage is unknown.
	cov, err := s.Coverage(ctx, CoverageFilter{From: day(2021, 1, 1)}, day(2021, 1, 1))
	if err != nil || !cov.KnownFrom.IsZero() || len(cov.Gaps) != 0 {
		t.Fatalf("no history: %+v %v", cov, err)
	}
	estDown := [2]time.Time{time.Date(2021, 3, 3, 8, 0, 0, 0, paris), time.Date(2021, 3, 9, 14, 0, 0, 0, paris)}
	echoBlip := [2]time.Time{time.Date(2021, 5, 5, 9, 0, 0, 0, paris), time.Date(2021, 5, 5, 13, 0, 0, 0, paris)}
	stopped := [2]time.Time{time.Date(2021, 6, 10, 0, 0, 0, 0, paris), time.Date(2021, 6, 14, 0, 0, 0, 0, paris)}
	in := func(t time.Time, r [2]time.Time) bool { return !t.Before(r[0]) && t.Before(r[1]) }
	start := time.Date(2021, 1, 1, 1, 0, 0, 0, paris)
	const step = 4 * time.Hour
	var polls []time.Time
	for at := start; at.Before(time.Date(2022, 1, 1, 0, 0, 0, 0, paris)); at = at.Add(step) {
		if in(at, stopped) {
			continue
		}
		polls = append(polls, at)
		for _, src := range srcs {
			c := Check{At: at, NextCheckAt: at.Add(step)}
			if (src.OutletID == "est" && in(at, estDown)) || (src.OutletID == "echo" && in(at, echoBlip)) {
				c.Err = errors.New("HTTP 503")
			}
			if err := s.SourceChecked(ctx, src.ID, c); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The polls around a time, and how many fell in a stretch.
	before := func(t time.Time) (p time.Time) {
		for _, at := range polls {
			if at.Before(t) {
				p = at
			}
		}
		return p
	}
	after := func(t time.Time) time.Time {
		for _, at := range polls {
			if !at.Before(t) {
				return at
			}
		}
		return time.Time{}
	}
	within := func(r [2]time.Time) (n int) {
		for _, at := range polls {
			if in(at, r) {
				n++
			}
		}
		return n
	}
	// veille keeps running into 2022 (the last poll is not an outage).
	now := time.Date(2022, 1, 1, 3, 0, 0, 0, paris)
	year := CoverageFilter{From: time.Date(2021, 1, 1, 0, 0, 0, 0, paris), To: time.Date(2022, 1, 1, 0, 0, 0, 0, paris)}
	cov, err = s.Coverage(ctx, year, now)
	if err != nil {
		t.Fatal(err)
	}
	if !cov.KnownFrom.Equal(start) {
		t.Errorf("known from %v, want %v", cov.KnownFrom, start)
	}
	if len(cov.Gaps) != 2 {
		t.Fatalf("gaps: %+v", cov.Gaps)
	}
	out, est := cov.Gaps[0], cov.Gaps[1]
	// The outage runs from the last poll before to the first after.
	if out.OutletID != "" || !out.From.Equal(before(stopped[0])) || !out.To.Equal(after(stopped[1])) || out.Ongoing {
		t.Errorf("outage: %+v", out)
	}
	// The failed stretch runs from the last success before to the first after.
	if est.OutletID != "est" || !est.From.Equal(before(estDown[0])) || !est.To.Equal(after(estDown[1])) ||
		est.Failures != 2*within(estDown) || est.LastError != "HTTP 503" {
		t.Errorf("est: %+v", est)
	}
	// A scope keeps its outlets' gaps (and the outages); a period clips them.
	cov, _ = s.Coverage(ctx, CoverageFilter{From: year.From, To: year.To, Scope: "national"}, now)
	if len(cov.Gaps) != 1 || cov.Gaps[0].OutletID != "" {
		t.Errorf("national: %+v", cov.Gaps)
	}
	march := CoverageFilter{From: time.Date(2021, 3, 5, 0, 0, 0, 0, paris), To: time.Date(2021, 3, 6, 0, 0, 0, 0, paris)}
	cov, _ = s.Coverage(ctx, march, now)
	if len(cov.Gaps) != 1 || !cov.Gaps[0].From.Equal(march.From) || !cov.Gaps[0].To.Equal(march.To) {
		t.Errorf("clipped: %+v", cov.Gaps)
	}
	// An outlet failing now is an ongoing gap.
	now = time.Date(2022, 1, 10, 0, 0, 0, 0, paris)
	for at := now.Add(-72 * time.Hour); at.Before(now); at = at.Add(2 * time.Hour) {
		for _, src := range srcs {
			c := Check{At: at, NextCheckAt: at.Add(2 * time.Hour)}
			if src.OutletID == "pro" {
				c.Err = errors.New("dial tcp: connection refused")
			}
			if err := s.SourceChecked(ctx, src.ID, c); err != nil {
				t.Fatal(err)
			}
		}
	}
	cov, _ = s.Coverage(ctx, CoverageFilter{From: time.Date(2022, 1, 1, 0, 0, 0, 0, paris)}, now)
	// ... and veille was stopped from January 1st until three days ago.
	if len(cov.Gaps) != 2 || cov.Gaps[0].OutletID != "" || cov.Gaps[0].To != now.Add(-72*time.Hour).UTC() {
		t.Errorf("2022: %+v", cov.Gaps)
	}
	var pro *Gap
	for i := range cov.Gaps {
		if cov.Gaps[i].OutletID == "pro" {
			pro = &cov.Gaps[i]
		}
	}
	if pro == nil || !pro.Ongoing || pro.Failures != 36 {
		t.Errorf("ongoing: %+v", cov.Gaps)
	}
	// Gaps outlive the poll history: once pruned, the recorded ones remain.
	if _, err := s.db.ExecContext(ctx, `DELETE FROM source_checks WHERE at < ?`, now.Add(-5*24*time.Hour).Unix()); err != nil {
		t.Fatal(err)
	}
	later := now.AddDate(1, 2, 0)
	cov, err = s.Coverage(ctx, year, later)
	if err != nil {
		t.Fatal(err)
	}
	if len(cov.Gaps) != 2 || cov.Gaps[1].OutletID != "est" || !cov.KnownFrom.Equal(start) {
		t.Errorf("after pruning: %+v", cov)
	}
}

// BenchmarkCoverageYear: the coverage of a year under a count, with a
// year of poll history (120 sources polled hourly, about a million rows,
// one outlet failing for a week, veille stopped for three days). The first
// call scans the whole history; later ones scan what was polled since.
//
//	go test -run XXX -bench CoverageYear ./internal/store/
func BenchmarkCoverageYear(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "veille.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	start := time.Date(2021, 1, 1, 0, 0, 0, 0, paris)
	err = s.tx(ctx, func(tx *sql.Tx) error {
		ins, err := tx.PrepareContext(ctx, `INSERT INTO source_checks(source_id, outlet_id, at, ok, error) VALUES (?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for h := 0; h < 365*24; h++ {
			at := start.Add(time.Duration(h) * time.Hour)
			if h >= 24*200 && h < 24*203 {
				continue // stopped
			}
			for src := 0; src < 120; src++ {
				ok, msg := 1, ""
				if src/2 == 7 && h >= 24*40 && h < 24*47 {
					ok, msg = 0, "HTTP 503"
				}
				if _, err := ins.ExecContext(ctx, src, fmt.Sprintf("titre-%02d", src/2), at.Add(time.Duration(src)*time.Second).Unix(), ok, msg); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	f := CoverageFilter{From: start, To: start.AddDate(1, 0, 0)}
	now := start.AddDate(1, 0, 10)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cov, err := s.Coverage(ctx, f, now)
		if err != nil || len(cov.Gaps) != 2 {
			b.Fatalf("%+v %v", cov.Gaps, err)
		}
	}
}
