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

// WebSession is a logged-in session of the web UI. TokenHash is the hex
// SHA-256 of the cookie's token: the token itself is never stored.
type WebSession struct {
	TokenHash  string
	User       string
	PasswordFP string // fingerprint of the user's password hash when logging in
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	RemoteAddr string
	UserAgent  string
}

// CreateWebSession records a new session.
func (s *Store) CreateWebSession(ctx context.Context, ws WebSession) error {
	if ws.TokenHash == "" || ws.User == "" {
		return fmt.Errorf("store: web session: token and user are required")
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO web_sessions(token_hash, user_name, password_fp, created_at,
		last_seen_at, expires_at, remote_addr, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		ws.TokenHash, ws.User, ws.PasswordFP, ws.CreatedAt.Unix(), ws.LastSeenAt.Unix(), ws.ExpiresAt.Unix(),
		ws.RemoteAddr, ws.UserAgent)
	if err != nil {
		return fmt.Errorf("store: web session: %w", err)
	}
	return nil
}

// WebSessionByHash returns the session whose token hashes to tokenHash, or
// ErrNotFound.
func (s *Store) WebSessionByHash(ctx context.Context, tokenHash string) (WebSession, error) {
	var (
		ws                     WebSession
		created, seen, expires int64
	)
	err := s.db.QueryRowContext(ctx, `SELECT token_hash, user_name, password_fp, created_at, last_seen_at, expires_at,
		remote_addr, user_agent FROM web_sessions WHERE token_hash = ?`, tokenHash).
		Scan(&ws.TokenHash, &ws.User, &ws.PasswordFP, &created, &seen, &expires, &ws.RemoteAddr, &ws.UserAgent)
	if errors.Is(err, sql.ErrNoRows) {
		return WebSession{}, fmt.Errorf("store: web session: %w", ErrNotFound)
	}
	if err != nil {
		return WebSession{}, fmt.Errorf("store: web session: %w", err)
	}
	ws.CreatedAt = time.Unix(created, 0).UTC()
	ws.LastSeenAt = time.Unix(seen, 0).UTC()
	ws.ExpiresAt = time.Unix(expires, 0).UTC()
	return ws, nil
}

// TouchWebSession records that a session was used at now.
func (s *Store) TouchWebSession(ctx context.Context, tokenHash string, now time.Time) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE web_sessions SET last_seen_at = ? WHERE token_hash = ?`,
		now.Unix(), tokenHash); err != nil {
		return fmt.Errorf("store: touch web session: %w", err)
	}
	return nil
}

// DeleteWebSession ends a session (logout). Deleting an absent session is
// not an error.
func (s *Store) DeleteWebSession(ctx context.Context, tokenHash string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM web_sessions WHERE token_hash = ?`, tokenHash); err != nil {
		return fmt.Errorf("store: delete web session: %w", err)
	}
	return nil
}

// DeleteStaleWebSessions deletes the sessions that ended before now or were
// last used before idleSince. It returns how many it deleted.
func (s *Store) DeleteStaleWebSessions(ctx context.Context, now, idleSince time.Time) (int, error) {
	r, err := s.db.ExecContext(ctx, `DELETE FROM web_sessions WHERE expires_at <= ? OR last_seen_at < ?`,
		now.Unix(), idleSince.Unix())
	if err != nil {
		return 0, fmt.Errorf("store: delete stale web sessions: %w", err)
	}
	n, err := r.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: delete stale web sessions: %w", err)
	}
	return int(n), nil
}

// MentionsOf returns the mentions of each of the given articles, in the
// order Clipping gives them. Articles without mentions are absent.
func (s *Store) MentionsOf(ctx context.Context, ids []int64) (map[int64][]model.Mention, error) {
	out := make(map[int64][]model.Mention, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.db.QueryContext(ctx, `SELECT article_id, entity_id, entity_kind, alias, matched, field, start_pos,
		end_pos, snippet, hl_start, hl_end, role, count FROM mentions
		WHERE article_id IN (?`+strings.Repeat(",?", len(ids)-1)+`) ORDER BY article_id, rowid`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: mentions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id   int64
			m    model.Mention
			kind string
		)
		if err := rows.Scan(&id, &m.EntityID, &kind, &m.Alias, &m.Matched, &m.Field, &m.Start, &m.End, &m.Snippet,
			&m.HLStart, &m.HLEnd, &m.Role, &m.Count); err != nil {
			return nil, fmt.Errorf("store: mentions: %w", err)
		}
		m.EntityKind = model.EntityKind(kind)
		out[id] = append(out[id], m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: mentions: %w", err)
	}
	return out, nil
}

// ArticleDetails is what the clipping page shows beyond model.Clipping:
// the lead, where the date came from, when the page was fetched, whether a
// copy of it is stored, and whether and why a user removed it as a false
// positive.
type ArticleDetails struct {
	Lead           string
	DateSource     string
	FetchedAt      time.Time
	HasHTML        bool
	Excluded       bool
	ExcludedAt     time.Time
	ExcludedReason string
}

// ArticleDetailsOf returns the details of an article, or ErrNotFound.
func (s *Store) ArticleDetailsOf(ctx context.Context, id int64) (ArticleDetails, error) {
	var (
		d       ArticleDetails
		fetched int64
		exclAt  sql.NullInt64
	)
	err := s.db.QueryRowContext(ctx, `SELECT lead, date_source, fetched_at, html_z IS NOT NULL AND length(html_z) > 0,
		excluded, excluded_at, excluded_reason FROM articles WHERE id = ?`, id).
		Scan(&d.Lead, &d.DateSource, &fetched, &d.HasHTML, &d.Excluded, &exclAt, &d.ExcludedReason)
	if errors.Is(err, sql.ErrNoRows) {
		return ArticleDetails{}, fmt.Errorf("store: article %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return ArticleDetails{}, fmt.Errorf("store: article %d details: %w", id, err)
	}
	d.FetchedAt = time.Unix(fetched, 0).UTC()
	d.ExcludedAt = fromUnix(exclAt)
	return d, nil
}
