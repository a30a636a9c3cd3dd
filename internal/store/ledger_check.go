package store

import (
	"context"
	"fmt"
	"time"
)

// LedgerReport is what CheckLedger finds in the digest ledger.
type LedgerReport struct {
	Runs, Sent, Pending int
	// Problems are inconsistencies: items of missing articles, a clipping
	// listed twice to one recipient, a sent digest without its time.
	Problems []string
	// StaleLeases are pending digests whose sending process died (lease
	// passed); they are retried by the next send. Released when repairing.
	StaleLeases int
	// Excluded counts clippings still listed in a pending digest although
	// a user excluded them since (the send withdraws them).
	Excluded int
}

// CheckLedger verifies the digest ledger. With repair, the leases of dead
// senders are released so that the next attempt does not wait for them.
func (s *Store) CheckLedger(ctx context.Context, now time.Time, repair bool) (LedgerReport, error) {
	var r LedgerReport
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(state = 'sent'), 0), COALESCE(SUM(state = 'pending'), 0)
		FROM digest_runs`).Scan(&r.Runs, &r.Sent, &r.Pending)
	if err != nil {
		return r, fmt.Errorf("store: ledger check: %w", err)
	}
	queries := []struct {
		q   string
		msg string
	}{
		{`SELECT i.run_id || ' / ' || i.article_id FROM digest_items i LEFT JOIN articles a ON a.id = i.article_id
			WHERE a.id IS NULL`, "synthèse / article inconnu : %s"},
		{`SELECT recipient || ' : article ' || article_id FROM digest_items GROUP BY recipient, article_id
			HAVING COUNT(*) > 1`, "retombée listée deux fois à %s"},
		{`SELECT recipient || ' ' || slot FROM digest_runs WHERE state = 'sent' AND sent_at IS NULL`,
			"synthèse marquée envoyée sans date d'envoi : %s"},
		{`SELECT r.recipient || ' ' || r.slot FROM digest_runs r LEFT JOIN digest_items i ON i.run_id = r.id
			WHERE r.state = 'sent' GROUP BY r.id HAVING COUNT(i.article_id) = 0`, "synthèse envoyée sans aucune retombée : %s"},
	}
	for _, q := range queries {
		rows, err := s.db.QueryContext(ctx, q.q)
		if err != nil {
			return r, fmt.Errorf("store: ledger check: %w", err)
		}
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return r, fmt.Errorf("store: ledger check: %w", err)
			}
			r.Problems = append(r.Problems, fmt.Sprintf(q.msg, v))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return r, fmt.Errorf("store: ledger check: %w", err)
		}
	}
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM digest_runs WHERE state = 'pending'
		AND lease_until > 0 AND lease_until < ?`, now.Unix()).Scan(&r.StaleLeases); err != nil {
		return r, fmt.Errorf("store: ledger check: %w", err)
	}
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM digest_items i JOIN digest_runs r ON r.id = i.run_id
		JOIN articles a ON a.id = i.article_id WHERE r.state = 'pending' AND a.excluded = 1`).Scan(&r.Excluded); err != nil {
		return r, fmt.Errorf("store: ledger check: %w", err)
	}
	if repair && r.StaleLeases > 0 {
		if _, err := s.db.ExecContext(ctx, `UPDATE digest_runs SET lease_until = 0 WHERE state = 'pending'
			AND lease_until > 0 AND lease_until < ?`, now.Unix()); err != nil {
			return r, fmt.Errorf("store: ledger repair: %w", err)
		}
	}
	return r, nil
}
