package store

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestCheckLedger(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	s.SyncOutlets(ctx, testOutlets(), paris, time.Now())
	a := save(t, s, "https://echo.fr/1", "echo", "un", day(2021, 1, 10), "cner")
	now := time.Now()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := s.db.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO digest_runs(id, recipient, slot, message_id, state, period_from, created_at, sent_at) VALUES (1, 'a@b.fr', '2026-01-01', 'm1', 'sent', 0, 0, 1)`)
	exec(`INSERT INTO digest_items(run_id, recipient, article_id) VALUES (1, 'a@b.fr', ?)`, a.ID)
	r, err := s.CheckLedger(ctx, now, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Problems) != 0 || r.Sent != 1 || r.Pending != 0 {
		t.Fatalf("healthy ledger: %+v", r)
	}
	// A sender killed while holding the lease, and an item of a missing article.
	exec(`INSERT INTO digest_runs(id, recipient, slot, message_id, state, period_from, created_at, lease_until) VALUES (2, 'a@b.fr', '2026-01-02', 'm2', 'pending', 0, 0, ?)`, now.Add(-time.Minute).Unix())
	exec(`INSERT INTO digest_items(run_id, recipient, article_id) VALUES (2, 'a@b.fr', 999)`)
	r, err = s.CheckLedger(ctx, now, true)
	if err != nil {
		t.Fatal(err)
	}
	if r.Pending != 1 || r.StaleLeases != 1 || len(r.Problems) != 1 || !strings.Contains(r.Problems[0], "999") {
		t.Fatalf("damaged ledger: %+v", r)
	}
	if r, _ = s.CheckLedger(ctx, now, false); r.StaleLeases != 0 {
		t.Errorf("repair did not release the lease: %+v", r)
	}
}
