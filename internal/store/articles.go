package store

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/cner/veille/internal/model"
)

// ArticleInput is one fetched and extracted article to save.
type ArticleInput struct {
	URL       string   // canonical URL: the article's identity
	AltURLs   []string // other addresses it was found under
	OutletID  string
	Article   *model.Article
	HTML      []byte // the fetched page, UTF-8
	FetchedAt time.Time
	Simhash   uint64
	Mentions  []model.Mention
}

// SaveResult says what SaveArticle did.
type SaveResult struct {
	ID      int64
	Created bool // a new article
	Changed bool // its indexed content changed (rev bumped)
	// Excluded is true when a user removed the article as a false positive:
	// it stays out of counts whatever the matcher finds.
	Excluded bool
}

// SaveArticle stores an article, or updates the one already stored under
// the same canonical URL or any of its addresses: an article found by feed,
// sitemap and crawl, or whose headline was edited, stays one article, with
// its first-seen time.
func (s *Store) SaveArticle(ctx context.Context, in ArticleInput) (SaveResult, error) {
	if in.URL == "" || in.Article == nil || in.OutletID == "" {
		return SaveResult{}, fmt.Errorf("store: save article: url, outlet and article are required")
	}
	a := in.Article
	authors, err := json.Marshal(nonNil(a.Authors))
	if err != nil {
		return SaveResult{}, fmt.Errorf("store: save article: %w", err)
	}
	textZ, err := s.z.compress([]byte(a.Text))
	if err != nil {
		return SaveResult{}, err
	}
	var htmlZ []byte
	if len(in.HTML) > 0 {
		if htmlZ, err = s.z.compress(in.HTML); err != nil {
			return SaveResult{}, err
		}
	}
	hash := contentHash(a, in.Mentions)
	var res SaveResult
	err = s.tx(ctx, func(tx *sql.Tx) error {
		id, found, err := s.findArticle(ctx, tx, append([]string{in.URL}, in.AltURLs...))
		if err != nil {
			return err
		}
		published := unix(a.Published)
		if !found {
			dateAt := in.FetchedAt.Unix()
			if !a.Published.IsZero() {
				dateAt = a.Published.Unix()
			}
			var scope string
			err := tx.QueryRowContext(ctx, `SELECT scope FROM outlet_scopes WHERE outlet_id = ? AND valid_from <= ?
				ORDER BY valid_from DESC LIMIT 1`, in.OutletID, dateAt).Scan(&scope)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("outlet %q is unknown: %w", in.OutletID, ErrNotFound)
			}
			if err != nil {
				return err
			}
			r, err := tx.ExecContext(ctx, `INSERT INTO articles(url, outlet_id, scope, title, lead, description, authors,
				lang, site_name, published_at, date_source, first_seen_at, date_at, fetched_at, paywalled, text_z, html_z,
				content_hash, simhash, mention_count, matched_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				in.URL, in.OutletID, scope, a.Title, a.Lead, a.Description, string(authors), a.Lang, a.SiteName,
				published, a.DateSource, in.FetchedAt.Unix(), dateAt, in.FetchedAt.Unix(), a.Paywalled, textZ, htmlZ,
				hash, int64(in.Simhash), len(in.Mentions), in.FetchedAt.Unix())
			if err != nil {
				return err
			}
			if id, err = r.LastInsertId(); err != nil {
				return err
			}
			res = SaveResult{ID: id, Created: true, Changed: true}
		} else {
			var (
				oldHash       string
				oldPublished  sql.NullInt64
				firstSeen     int64
				excluded      bool
				oldDateSource string
			)
			if err := tx.QueryRowContext(ctx, `SELECT content_hash, published_at, first_seen_at, excluded, date_source
				FROM articles WHERE id = ?`, id).Scan(&oldHash, &oldPublished, &firstSeen, &excluded, &oldDateSource); err != nil {
				return err
			}
			// A page that lost its date keeps the one found before.
			dateSource := a.DateSource
			if a.Published.IsZero() && oldPublished.Valid {
				published = oldPublished.Int64
				dateSource = oldDateSource
			}
			dateAt := firstSeen
			if p, ok := published.(int64); ok {
				dateAt = p
			}
			changed := oldHash != hash
			bump := 0
			if changed {
				bump = 1
			}
			_, err := tx.ExecContext(ctx, `UPDATE articles SET title = ?, lead = ?, description = ?, authors = ?, lang = ?,
				site_name = ?, published_at = ?, date_source = ?, date_at = ?, fetched_at = ?, paywalled = ?, text_z = ?,
				html_z = COALESCE(?, html_z), content_hash = ?, simhash = ?, mention_count = ?, matched_at = ?,
				scope = `+scopeAtSQL+`, rev = rev + ? WHERE id = ?`,
				a.Title, a.Lead, a.Description, string(authors), a.Lang, a.SiteName, published, dateSource, dateAt,
				in.FetchedAt.Unix(), a.Paywalled, textZ, htmlZ, hash, int64(in.Simhash), len(in.Mentions),
				in.FetchedAt.Unix(), bump, id)
			if err != nil {
				return err
			}
			res = SaveResult{ID: id, Changed: changed, Excluded: excluded}
		}
		if err := s.writeMentions(ctx, tx, id, in.Mentions); err != nil {
			return err
		}
		for _, u := range in.AltURLs {
			if u == "" || u == in.URL {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO article_urls(url, article_id) VALUES (?, ?)`, u, id); err != nil {
				return err
			}
		}
		if found {
			// The canonical URL of this version is an address of the article too.
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO article_urls(url, article_id)
				SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM articles WHERE url = ?)`, in.URL, id, in.URL); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return SaveResult{}, fmt.Errorf("store: save article %s: %w", in.URL, err)
	}
	return res, nil
}

func (s *Store) findArticle(ctx context.Context, tx *sql.Tx, urls []string) (int64, bool, error) {
	for _, u := range urls {
		if u == "" {
			continue
		}
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM articles WHERE url = ?
			UNION ALL SELECT article_id FROM article_urls WHERE url = ? LIMIT 1`, u, u).Scan(&id)
		if err == nil {
			return id, true, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return 0, false, err
		}
	}
	return 0, false, nil
}

func (s *Store) writeMentions(ctx context.Context, tx *sql.Tx, id int64, mentions []model.Mention) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM mentions WHERE article_id = ?`, id); err != nil {
		return err
	}
	for _, m := range mentions {
		if _, err := tx.ExecContext(ctx, `INSERT INTO mentions(article_id, entity_id, entity_kind, alias, matched, field,
			start_pos, end_pos, snippet, hl_start, hl_end, role, count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT(article_id, entity_id) DO UPDATE SET count = count + excluded.count`,
			id, m.EntityID, string(m.EntityKind), m.Alias, m.Matched, m.Field, m.Start, m.End, m.Snippet,
			m.HLStart, m.HLEnd, m.Role, max(m.Count, 1)); err != nil {
			return err
		}
	}
	return nil
}

// ReplaceMentions sets an article's mentions (after a rematch). It reports
// whether they changed; if so the article is queued for reindexing.
func (s *Store) ReplaceMentions(ctx context.Context, id int64, mentions []model.Mention, now time.Time) (bool, error) {
	var changed bool
	err := s.tx(ctx, func(tx *sql.Tx) error {
		old, err := readMentions(ctx, tx, id)
		if err != nil {
			return err
		}
		changed = mentionsSignature(old) != mentionsSignature(mentions)
		if !changed {
			_, err := tx.ExecContext(ctx, `UPDATE articles SET matched_at = ? WHERE id = ?`, now.Unix(), id)
			return err
		}
		if err := s.writeMentions(ctx, tx, id, mentions); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE articles SET mention_count = ?, matched_at = ?, rev = rev + 1 WHERE id = ?`,
			len(mentions), now.Unix(), id)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("store: replace mentions of %d: %w", id, err)
	}
	return changed, nil
}

// Exclude removes an article from counts as a false positive. It stays in
// the store, marked, so that no later crawl or rematch brings it back.
func (s *Store) Exclude(ctx context.Context, id int64, reason string, now time.Time) error {
	r, err := s.db.ExecContext(ctx, `UPDATE articles SET excluded = 1, excluded_at = ?, excluded_reason = ?, rev = rev + 1
		WHERE id = ? AND excluded = 0`, now.Unix(), reason, id)
	if err != nil {
		return fmt.Errorf("store: exclude %d: %w", id, err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		if _, err := s.articleExists(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// Restore undoes Exclude.
func (s *Store) Restore(ctx context.Context, id int64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE articles SET excluded = 0, excluded_at = NULL, excluded_reason = '',
		rev = rev + 1 WHERE id = ? AND excluded = 1`, id)
	if err != nil {
		return fmt.Errorf("store: restore %d: %w", id, err)
	}
	return nil
}

func (s *Store) articleExists(ctx context.Context, id int64) (bool, error) {
	var one int
	err := s.db.QueryRowContext(ctx, `SELECT 1 FROM articles WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("store: article %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return false, fmt.Errorf("store: article %d: %w", id, err)
	}
	return true, nil
}

// ArticleIDByURL finds an article by its canonical URL or any address.
func (s *Store) ArticleIDByURL(ctx context.Context, u string) (int64, bool, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM articles WHERE url = ?
		UNION ALL SELECT article_id FROM article_urls WHERE url = ? LIMIT 1`, u, u).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("store: article by url: %w", err)
	}
	return id, true, nil
}

const clippingColumns = `a.id, a.url, a.outlet_id, COALESCE(o.name, a.outlet_id), a.scope, a.title, a.description, a.authors,
	a.lang, a.published_at, a.first_seen_at, a.paywalled, a.excluded, a.simhash`

// scanClipping reads clippingColumns, then any extra columns into extra.
func scanClipping(row interface{ Scan(...any) error }, c *model.Clipping, extra ...any) error {
	var (
		authors   string
		published sql.NullInt64
		firstSeen int64
		simhash   int64
		scope     string
	)
	dest := append([]any{&c.ID, &c.URL, &c.OutletID, &c.OutletName, &scope, &c.Title, &c.Description, &authors,
		&c.Lang, &published, &firstSeen, &c.Paywalled, &c.Excluded, &simhash}, extra...)
	if err := row.Scan(dest...); err != nil {
		return err
	}
	c.Scope = model.Scope(scope)
	c.Published = fromUnix(published)
	c.FirstSeen = time.Unix(firstSeen, 0).UTC()
	c.Simhash = uint64(simhash)
	if err := json.Unmarshal([]byte(authors), &c.Authors); err != nil {
		return fmt.Errorf("authors: %w", err)
	}
	return nil
}

// Clipping returns a stored article with its mentions and text.
func (s *Store) Clipping(ctx context.Context, id int64) (*model.Clipping, error) {
	c := &model.Clipping{}
	var textZ []byte
	row := s.db.QueryRowContext(ctx, `SELECT `+clippingColumns+`, a.text_z FROM articles a
		LEFT JOIN outlets o ON o.id = a.outlet_id WHERE a.id = ?`, id)
	err := scanClipping(row, c, &textZ)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: article %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: article %d: %w", id, err)
	}
	text, err := decompress(textZ)
	if err != nil {
		return nil, fmt.Errorf("store: article %d text: %w", id, err)
	}
	c.Text = string(text)
	if c.Mentions, err = readMentions(ctx, s.db, id); err != nil {
		return nil, fmt.Errorf("store: article %d mentions: %w", id, err)
	}
	return c, nil
}

// ArticleHTML returns the stored copy of the fetched page.
func (s *Store) ArticleHTML(ctx context.Context, id int64) ([]byte, error) {
	var z []byte
	err := s.db.QueryRowContext(ctx, `SELECT html_z FROM articles WHERE id = ?`, id).Scan(&z)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: article %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: article %d html: %w", id, err)
	}
	return decompress(z)
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// queryIDs runs a query selecting one integer column and returns its values.
func queryIDs(ctx context.Context, q queryer, query string, args ...any) ([]int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func readMentions(ctx context.Context, q queryer, id int64) ([]model.Mention, error) {
	rows, err := q.QueryContext(ctx, `SELECT entity_id, entity_kind, alias, matched, field, start_pos, end_pos, snippet,
		hl_start, hl_end, role, count FROM mentions WHERE article_id = ? ORDER BY rowid`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.Mention
	for rows.Next() {
		var m model.Mention
		var kind string
		if err := rows.Scan(&m.EntityID, &kind, &m.Alias, &m.Matched, &m.Field, &m.Start, &m.End, &m.Snippet,
			&m.HLStart, &m.HLEnd, &m.Role, &m.Count); err != nil {
			return nil, err
		}
		m.EntityKind = model.EntityKind(kind)
		out = append(out, m)
	}
	return out, rows.Err()
}

// StoredText is what rematch needs of an article.
type StoredText struct {
	ID        int64
	Title     string
	Lead      string
	Text      string
	Published time.Time
	Excluded  bool
}

// EachArticle calls fn for every stored article dated from `from` on (all
// when from is zero), in id order. It reads in pages so that fn may write.
func (s *Store) EachArticle(ctx context.Context, from time.Time, fn func(StoredText) error) error {
	var last int64
	for {
		rows, err := s.db.QueryContext(ctx, `SELECT id, title, lead, text_z, published_at, excluded FROM articles
			WHERE id > ? AND date_at >= ? ORDER BY id LIMIT 500`, last, from.Unix())
		if err != nil {
			return fmt.Errorf("store: reading articles: %w", err)
		}
		var batch []StoredText
		for rows.Next() {
			var (
				t         StoredText
				z         []byte
				published sql.NullInt64
			)
			if err := rows.Scan(&t.ID, &t.Title, &t.Lead, &z, &published, &t.Excluded); err != nil {
				rows.Close()
				return fmt.Errorf("store: reading articles: %w", err)
			}
			text, err := decompress(z)
			if err != nil {
				rows.Close()
				return fmt.Errorf("store: article %d text: %w", t.ID, err)
			}
			t.Text = string(text)
			t.Published = fromUnix(published)
			batch = append(batch, t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: reading articles: %w", err)
		}
		if len(batch) == 0 {
			return nil
		}
		for _, t := range batch {
			if err := fn(t); err != nil {
				return err
			}
			last = t.ID
		}
	}
}

func contentHash(a *model.Article, mentions []model.Mention) string {
	h := sha256.New()
	for _, s := range []string{a.Title, a.Lead, a.Description, a.Text, strings.Join(a.Authors, "\x1f"), a.Lang,
		a.Published.UTC().Format(time.RFC3339), fmt.Sprint(a.Paywalled), mentionsSignature(mentions)} {
		io.WriteString(h, s)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func mentionsSignature(ms []model.Mention) string {
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "%s|%s|%s|%s|%d|%d|%s|%d\x1e", m.EntityID, m.EntityKind, m.Alias, m.Field, m.Start, m.End, m.Snippet, m.Count)
	}
	return b.String()
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// codec compresses stored text and pages. Writers are pooled: a DEFLATE
// writer allocates over a megabyte, too much to build twice per article.
type codec struct {
	writers sync.Pool
}

func (c *codec) compress(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(b)/3 + 64)
	w, _ := c.writers.Get().(*flate.Writer)
	if w == nil {
		var err error
		if w, err = flate.NewWriter(&buf, flate.BestSpeed); err != nil {
			return nil, fmt.Errorf("store: compress: %w", err)
		}
	} else {
		w.Reset(&buf)
	}
	if _, err := w.Write(b); err != nil {
		return nil, fmt.Errorf("store: compress: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("store: compress: %w", err)
	}
	c.writers.Put(w)
	return buf.Bytes(), nil
}

func decompress(z []byte) ([]byte, error) {
	if len(z) == 0 {
		return nil, nil
	}
	b, err := io.ReadAll(flate.NewReader(bytes.NewReader(z)))
	if err != nil {
		return nil, fmt.Errorf("store: decompress: %w", err)
	}
	return b, nil
}
