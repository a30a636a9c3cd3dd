package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cner/veille/internal/model"
)

// The states of a digest run.
const (
	DigestPending = "pending" // written, not yet accepted by the SMTP server
	DigestSent    = "sent"    // accepted by the SMTP server
	DigestSkipped = "skipped" // nothing new and the recipient wants no empty digest
)

// DigestFilter selects the clippings meant for a recipient. Empty lists
// mean "all".
type DigestFilter struct {
	Recipient string   // e-mail address; compared lower-cased
	Entities  []string // entity ids
	Kinds     []string // entity kinds
	Scopes    []string // outlet scopes
}

func recipientKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// where returns the conditions on articles a (and their mentions) that make
// a clipping relevant to the filter, and owed: first seen since `since` and
// never put in a digest to this recipient.
func (f DigestFilter) where(since time.Time) (string, []any) {
	conds := []string{"a.mention_count > 0", "a.excluded = 0", "a.first_seen_at >= ?",
		"NOT EXISTS (SELECT 1 FROM digest_items d WHERE d.recipient = ? AND d.article_id = a.id)"}
	args := []any{since.Unix(), recipientKey(f.Recipient)}
	if len(f.Scopes) > 0 {
		conds = append(conds, "a.scope IN ("+placeholders(len(f.Scopes))+")")
		args = append(args, anySlice(f.Scopes)...)
	}
	if len(f.Entities) > 0 || len(f.Kinds) > 0 {
		sub := []string{"m.article_id = a.id"}
		if len(f.Entities) > 0 {
			sub = append(sub, "m.entity_id IN ("+placeholders(len(f.Entities))+")")
			args = append(args, anySlice(f.Entities)...)
		}
		if len(f.Kinds) > 0 {
			sub = append(sub, "m.entity_kind IN ("+placeholders(len(f.Kinds))+")")
			args = append(args, anySlice(f.Kinds)...)
		}
		conds = append(conds, "EXISTS (SELECT 1 FROM mentions m WHERE "+strings.Join(sub, " AND ")+")")
	}
	return strings.Join(conds, " AND "), args
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

func anySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// DigestRun is one digest email to one recipient, as the ledger holds it.
type DigestRun struct {
	ID            int64
	Recipient     string // lower-cased address
	Slot          string
	MessageID     string // without angle brackets
	State         string
	PeriodFrom    time.Time
	CreatedAt     time.Time
	Attempts      int
	LastAttemptAt time.Time
	LeaseUntil    time.Time
	NextAttemptAt time.Time
	LastError     string
	SentAt        time.Time
	Frozen        bool    // the message may have reached the server: retries resend it as is
	ArticleIDs    []int64 // the clippings it lists, newest first
}

const digestRunColumns = `id, recipient, slot, message_id, state, period_from, created_at, attempts, last_attempt_at,
	lease_until, next_attempt_at, last_error, sent_at, message_z IS NOT NULL`

func scanDigestRun(row interface{ Scan(...any) error }) (DigestRun, error) {
	var (
		r                                 DigestRun
		periodFrom, createdAt, lease, nxt int64
		lastAttempt, sent                 sql.NullInt64
	)
	if err := row.Scan(&r.ID, &r.Recipient, &r.Slot, &r.MessageID, &r.State, &periodFrom, &createdAt, &r.Attempts,
		&lastAttempt, &lease, &nxt, &r.LastError, &sent, &r.Frozen); err != nil {
		return DigestRun{}, err
	}
	r.PeriodFrom = time.Unix(periodFrom, 0).UTC()
	r.CreatedAt = time.Unix(createdAt, 0).UTC()
	r.LastAttemptAt = fromUnix(lastAttempt)
	r.LeaseUntil = time.Unix(lease, 0).UTC()
	r.NextAttemptAt = time.Unix(nxt, 0).UTC()
	r.SentAt = fromUnix(sent)
	return r, nil
}

// digestRunItems returns a run's clippings, newest first.
func digestRunItems(ctx context.Context, q queryer, runID int64) ([]int64, error) {
	return queryIDs(ctx, q, `SELECT d.article_id FROM digest_items d LEFT JOIN articles a ON a.id = d.article_id
		WHERE d.run_id = ? ORDER BY a.date_at DESC, d.article_id DESC`, runID)
}

// DigestBaseline returns the time from which clippings are owed to a
// recipient; ok is false for a recipient who never had a digest.
func (s *Store) DigestBaseline(ctx context.Context, email string) (since time.Time, ok bool, err error) {
	var v int64
	err = s.db.QueryRowContext(ctx, `SELECT since FROM digest_recipients WHERE email = ?`, recipientKey(email)).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store: digest baseline of %s: %w", email, err)
	}
	return time.Unix(v, 0).UTC(), true, nil
}

// OwedClippings lists the clippings owed to the filter's
// recipient: relevant to them, first seen since `since`, excluded by nobody,
// and in no digest run of theirs yet. It writes nothing (digest previews).
func (s *Store) OwedClippings(ctx context.Context, f DigestFilter, since time.Time) ([]int64, error) {
	ids, err := owed(ctx, s.db, f, since)
	if err != nil {
		return nil, fmt.Errorf("store: owed clippings of %s: %w", f.Recipient, err)
	}
	return ids, nil
}

func owed(ctx context.Context, q queryer, f DigestFilter, since time.Time) ([]int64, error) {
	where, args := f.where(since)
	// No ORDER BY: the partial index on first_seen_at then bounds the scan
	// to what veille found since `since`; callers sort.
	return queryIDs(ctx, q, `SELECT a.id FROM articles a WHERE `+where, args...)
}

// DigestPrepare asks for the run of one recipient and slot.
type DigestPrepare struct {
	Filter DigestFilter
	Slot   string
	// MessageID is used if the run is created (without angle brackets).
	MessageID string
	Now       time.Time
	// DefaultSince is the recipient's baseline if they never had a digest.
	DefaultSince time.Time
	// KeepEmpty creates a pending run even when nothing is owed (the
	// recipient wants an "aucune retombée" email); otherwise such a run is
	// recorded as skipped.
	KeepEmpty bool
}

// PrepareDigestRun returns the run of p.Filter.Recipient for p.Slot,
// creating it if needed: in one transaction, the clippings owed to the
// recipient are claimed by the new run. created is false when the run
// already existed (a restart, or a second process): it is returned as is.
func (s *Store) PrepareDigestRun(ctx context.Context, p DigestPrepare) (run DigestRun, created bool, err error) {
	rcpt := recipientKey(p.Filter.Recipient)
	if rcpt == "" || p.Slot == "" || p.MessageID == "" {
		return DigestRun{}, false, fmt.Errorf("store: prepare digest: recipient, slot and message id are required")
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		r, found, err := digestRunBySlot(ctx, tx, rcpt, p.Slot)
		if err != nil || found {
			run = r
			return err
		}
		var since int64
		err = tx.QueryRowContext(ctx, `SELECT since FROM digest_recipients WHERE email = ?`, rcpt).Scan(&since)
		if errors.Is(err, sql.ErrNoRows) {
			since = p.DefaultSince.Unix()
			_, err = tx.ExecContext(ctx, `INSERT INTO digest_recipients(email, since, created_at) VALUES (?, ?, ?)`,
				rcpt, since, p.Now.Unix())
		}
		if err != nil {
			return err
		}
		periodFrom := since
		var last sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT MAX(created_at) FROM digest_runs WHERE recipient = ?`, rcpt).Scan(&last); err != nil {
			return err
		}
		if last.Valid && last.Int64 > periodFrom {
			periodFrom = last.Int64
		}
		ids, err := owed(ctx, tx, p.Filter, time.Unix(since, 0))
		if err != nil {
			return err
		}
		state := DigestPending
		if len(ids) == 0 && !p.KeepEmpty {
			state = DigestSkipped
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO digest_runs(recipient, slot, message_id, state, period_from, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, rcpt, p.Slot, p.MessageID, state, periodFrom, p.Now.Unix())
		if err != nil {
			return err
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		for _, a := range ids {
			if _, err := tx.ExecContext(ctx, `INSERT INTO digest_items(run_id, recipient, article_id) VALUES (?, ?, ?)`,
				id, rcpt, a); err != nil {
				return err
			}
		}
		r, _, err = digestRunBySlot(ctx, tx, rcpt, p.Slot)
		run, created = r, true
		return err
	})
	if err != nil {
		return DigestRun{}, false, fmt.Errorf("store: prepare digest %s for %s: %w", p.Slot, rcpt, err)
	}
	return run, created, nil
}

func digestRunBySlot(ctx context.Context, tx *sql.Tx, rcpt, slot string) (DigestRun, bool, error) {
	r, err := scanDigestRun(tx.QueryRowContext(ctx, `SELECT `+digestRunColumns+` FROM digest_runs
		WHERE recipient = ? AND slot = ?`, rcpt, slot))
	if errors.Is(err, sql.ErrNoRows) {
		return DigestRun{}, false, nil
	}
	if err != nil {
		return DigestRun{}, false, err
	}
	if r.ArticleIDs, err = digestRunItems(ctx, tx, r.ID); err != nil {
		return DigestRun{}, false, err
	}
	return r, true, nil
}

// DigestRunBySlot returns the run of a recipient for a slot, if any.
func (s *Store) DigestRunBySlot(ctx context.Context, email, slot string) (DigestRun, bool, error) {
	var (
		r     DigestRun
		found bool
	)
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		r, found, err = digestRunBySlot(ctx, tx, recipientKey(email), slot)
		return err
	})
	if err != nil {
		return DigestRun{}, false, fmt.Errorf("store: digest %s for %s: %w", slot, email, err)
	}
	return r, found, nil
}

// readTx runs fn in a read-only transaction (a consistent snapshot).
func (s *Store) readTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(tx)
}

// DigestRuns lists runs, oldest first: those of one recipient when email is
// not empty, only the pending ones when pendingOnly is set, else the last
// `limit` ones (all when limit <= 0).
func (s *Store) DigestRuns(ctx context.Context, email string, pendingOnly bool, limit int) ([]DigestRun, error) {
	var (
		conds []string
		args  []any
	)
	if email != "" {
		conds = append(conds, "recipient = ?")
		args = append(args, recipientKey(email))
	}
	if pendingOnly {
		conds = append(conds, "state = 'pending'")
	}
	q := `SELECT ` + digestRunColumns + ` FROM digest_runs`
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	q += " ORDER BY id DESC"
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit)
	}
	var runs []DigestRun
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			r, err := scanDigestRun(rows)
			if err != nil {
				rows.Close()
				return err
			}
			runs = append(runs, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for i := range runs {
			if runs[i].ArticleIDs, err = digestRunItems(ctx, tx, runs[i].ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: digest runs: %w", err)
	}
	for i, j := 0, len(runs)-1; i < j; i, j = i+1, j-1 {
		runs[i], runs[j] = runs[j], runs[i]
	}
	return runs, nil
}

// NextDigestAttempt returns the earliest time a pending run of one of the
// given recipients may be attempted again (after its backoff and lease).
func (s *Store) NextDigestAttempt(ctx context.Context, emails []string) (time.Time, bool, error) {
	if len(emails) == 0 {
		return time.Time{}, false, nil
	}
	keys := make([]string, len(emails))
	for i, e := range emails {
		keys[i] = recipientKey(e)
	}
	var next sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT MIN(MAX(next_attempt_at, lease_until)) FROM digest_runs
		WHERE state = 'pending' AND recipient IN (`+placeholders(len(keys))+`)`, anySlice(keys)...).Scan(&next)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store: next digest attempt: %w", err)
	}
	if !next.Valid {
		return time.Time{}, false, nil
	}
	return time.Unix(next.Int64, 0).UTC(), true, nil
}

// DropDigestItems removes clippings from a pending run whose message is not
// frozen (they were excluded or lost their mention since it was written):
// they are owed again if they come back. A run whose message may have
// reached the recipient keeps its message and items. It reports whether
// the items were removed.
func (s *Store) DropDigestItems(ctx context.Context, runID int64, articleIDs []int64) (bool, error) {
	if len(articleIDs) == 0 {
		return true, nil
	}
	dropped := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM digest_runs WHERE id = ? AND state = 'pending'
			AND message_z IS NULL`, runID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		for _, a := range articleIDs {
			if _, err := tx.ExecContext(ctx, `DELETE FROM digest_items WHERE run_id = ? AND article_id = ?`, runID, a); err != nil {
				return err
			}
		}
		dropped = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: digest %d: dropping items: %w", runID, err)
	}
	return dropped, nil
}

// ClaimDigestRun starts an attempt at sending a pending run: it freezes the
// message (the first attempt stores msg; later ones get the stored one
// back, so that every attempt sends the same bytes), counts the attempt and
// leases the run until leaseUntil so that no other process sends it at the
// same time. wasFrozen tells whether an earlier attempt had frozen it
// already (and may have delivered it). ok is false when the run is not
// pending or is leased.
func (s *Store) ClaimDigestRun(ctx context.Context, runID int64, msg []byte, now, leaseUntil time.Time) (frozen []byte, wasFrozen, ok bool, err error) {
	z, err := s.z.compress(msg)
	if err != nil {
		return nil, false, false, err
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT message_z IS NOT NULL FROM digest_runs WHERE id = ? AND state = 'pending'
			AND lease_until <= ?`, runID, now.Unix()).Scan(&wasFrozen)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE digest_runs SET message_z = COALESCE(message_z, ?), attempts = attempts + 1,
			last_attempt_at = ?, lease_until = ? WHERE id = ?`, z, now.Unix(), leaseUntil.Unix(), runID); err != nil {
			return err
		}
		var stored []byte
		if err := tx.QueryRowContext(ctx, `SELECT message_z FROM digest_runs WHERE id = ?`, runID).Scan(&stored); err != nil {
			return err
		}
		if frozen, err = decompress(stored); err != nil {
			return err
		}
		ok = true
		return nil
	})
	if err != nil {
		return nil, false, false, fmt.Errorf("store: claiming digest %d: %w", runID, err)
	}
	return frozen, wasFrozen, ok, nil
}

// DigestRunSent records that the SMTP server accepted the run's message.
func (s *Store) DigestRunSent(ctx context.Context, runID int64, now time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE digest_runs SET state = 'sent', sent_at = ?, message_z = NULL, lease_until = 0,
		next_attempt_at = 0, last_error = '' WHERE id = ? AND state = 'pending'`, now.Unix(), runID)
	if err != nil {
		return fmt.Errorf("store: digest %d sent: %w", runID, err)
	}
	return nil
}

// DigestRunFailed records a failed attempt and when to try again. When the
// server certainly did not get the message (a failure before DATA), unfreeze
// drops the frozen message: the next attempt builds it again, withdrawing
// what was excluded meanwhile.
func (s *Store) DigestRunFailed(ctx context.Context, runID int64, msg string, next time.Time, unfreeze bool) error {
	_, err := s.db.ExecContext(ctx, `UPDATE digest_runs SET last_error = ?, next_attempt_at = ?, lease_until = 0,
		message_z = CASE WHEN ? THEN NULL ELSE message_z END
		WHERE id = ? AND state = 'pending'`, msg, next.Unix(), unfreeze, runID)
	if err != nil {
		return fmt.Errorf("store: digest %d failed: %w", runID, err)
	}
	return nil
}

// SkipDigestRun marks a pending run whose message is not frozen as skipped
// (its clippings were all withdrawn and the recipient wants no empty digest).
func (s *Store) SkipDigestRun(ctx context.Context, runID int64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE digest_runs SET state = 'skipped' WHERE id = ? AND state = 'pending'
		AND message_z IS NULL`, runID)
	if err != nil {
		return fmt.Errorf("store: digest %d skipped: %w", runID, err)
	}
	return nil
}

// DigestClippings returns the clippings with the given ids (without their
// text), in the same order; ids that are no longer articles are left out.
func (s *Store) DigestClippings(ctx context.Context, ids []int64) ([]*model.Clipping, error) {
	out := make([]*model.Clipping, 0, len(ids))
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		byID := make(map[int64]*model.Clipping, len(ids))
		for start := 0; start < len(ids); start += 500 {
			chunk := ids[start:min(start+500, len(ids))]
			args := make([]any, len(chunk))
			for i, id := range chunk {
				args[i] = id
			}
			rows, err := tx.QueryContext(ctx, `SELECT `+clippingColumns+`, a.mention_count FROM articles a
				LEFT JOIN outlets o ON o.id = a.outlet_id WHERE a.id IN (`+placeholders(len(chunk))+`)`, args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				c := &model.Clipping{}
				var n int
				if err := scanClipping(rows, c, &n); err != nil {
					rows.Close()
					return err
				}
				byID[c.ID] = c
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		for _, id := range ids {
			c, ok := byID[id]
			if !ok {
				continue
			}
			ms, err := readMentions(ctx, tx, id)
			if err != nil {
				return err
			}
			c.Mentions = ms
			out = append(out, c)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: digest clippings: %w", err)
	}
	return out, nil
}
