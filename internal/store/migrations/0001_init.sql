-- veille's store: the source of truth. The bleve index is derived from it.
-- Times are Unix seconds (UTC). Append-only: never edit a landed migration.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Outlets as configured; scopes are versioned so that an outlet reclassified
-- later keeps its old scope for earlier clippings.
CREATE TABLE outlets (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    domains    TEXT NOT NULL DEFAULT '',  -- space-separated host names
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE outlet_scopes (
    outlet_id  TEXT NOT NULL REFERENCES outlets(id) ON DELETE CASCADE,
    scope      TEXT NOT NULL,
    valid_from INTEGER NOT NULL,          -- Unix time the scope took effect; 0 for the first
    PRIMARY KEY (outlet_id, valid_from)
) STRICT;

-- What is polled: feeds, sitemaps, crawl seeds. The schedule and each
-- source's health live here, so a restart loses nothing.
CREATE TABLE sources (
    id                   INTEGER PRIMARY KEY,
    outlet_id            TEXT NOT NULL,
    kind                 TEXT NOT NULL,   -- feed | sitemap | crawl | archive | manual
    url                  TEXT NOT NULL,
    active               INTEGER NOT NULL DEFAULT 1,
    etag                 TEXT NOT NULL DEFAULT '',
    last_modified        TEXT NOT NULL DEFAULT '',
    next_check_at        INTEGER NOT NULL DEFAULT 0,
    last_check_at        INTEGER,
    last_success_at      INTEGER,
    last_error           TEXT NOT NULL DEFAULT '',
    last_error_at        INTEGER,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    checks               INTEGER NOT NULL DEFAULT 0,
    not_modified         INTEGER NOT NULL DEFAULT 0,
    UNIQUE (kind, url)
) STRICT;

-- Every URL discovered, with its fate. Articles are fetched from here.
CREATE TABLE frontier (
    url              TEXT PRIMARY KEY,    -- normalised
    outlet_id        TEXT NOT NULL,
    source_id        INTEGER,
    state            TEXT NOT NULL DEFAULT 'pending', -- pending | fetched | failed | gone | skipped
    depth            INTEGER NOT NULL DEFAULT 0,
    discovered_at    INTEGER NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT NOT NULL DEFAULT '',
    hint_title       TEXT NOT NULL DEFAULT '',
    hint_description TEXT NOT NULL DEFAULT '',
    hint_published   INTEGER,
    lastmod          INTEGER,
    article_id       INTEGER,
    fetched_at       INTEGER
) STRICT;
CREATE INDEX frontier_due ON frontier (state, next_attempt_at);

-- Every fetched article, matched or not: a watch list that grows later is
-- applied to the past. A clipping is an article with mentions, not excluded.
CREATE TABLE articles (
    id              INTEGER PRIMARY KEY,
    url             TEXT NOT NULL UNIQUE, -- canonical
    outlet_id       TEXT NOT NULL,
    scope           TEXT NOT NULL,        -- the outlet's scope at the article's date
    title           TEXT NOT NULL DEFAULT '',
    lead            TEXT NOT NULL DEFAULT '',
    description     TEXT NOT NULL DEFAULT '',
    authors         TEXT NOT NULL DEFAULT '[]', -- JSON array
    lang            TEXT NOT NULL DEFAULT '',
    site_name       TEXT NOT NULL DEFAULT '',
    published_at    INTEGER,              -- NULL when the page gave no date
    date_source     TEXT NOT NULL DEFAULT '',
    first_seen_at   INTEGER NOT NULL,
    date_at         INTEGER NOT NULL,     -- published_at, else first_seen_at: the counting date
    fetched_at      INTEGER NOT NULL,
    paywalled       INTEGER NOT NULL DEFAULT 0,
    text_z          BLOB,                 -- main text, DEFLATE
    html_z          BLOB,                 -- fetched page, DEFLATE
    content_hash    TEXT NOT NULL DEFAULT '',
    simhash         INTEGER NOT NULL DEFAULT 0,
    mention_count   INTEGER NOT NULL DEFAULT 0,
    matched_at      INTEGER,
    excluded        INTEGER NOT NULL DEFAULT 0,
    excluded_at     INTEGER,
    excluded_reason TEXT NOT NULL DEFAULT '',
    rev             INTEGER NOT NULL DEFAULT 1, -- bumped when what the index holds changes
    indexed_rev     INTEGER NOT NULL DEFAULT 0  -- the rev the index holds
) STRICT;
CREATE INDEX articles_date ON articles (date_at) WHERE mention_count > 0 AND excluded = 0;
CREATE INDEX articles_outlet_date ON articles (outlet_id, date_at);
CREATE INDEX articles_unindexed ON articles (id) WHERE indexed_rev < rev;

-- Other URLs under which an article was found (feed links with tracking
-- parameters, AMP variants, pre-redirect addresses).
CREATE TABLE article_urls (
    url        TEXT PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE
) STRICT;
CREATE INDEX article_urls_article ON article_urls (article_id);

-- One row per entity mentioned in an article.
CREATE TABLE mentions (
    article_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    entity_id   TEXT NOT NULL,
    entity_kind TEXT NOT NULL,
    alias       TEXT NOT NULL,
    matched     TEXT NOT NULL,
    field       TEXT NOT NULL,
    start_pos   INTEGER NOT NULL,
    end_pos     INTEGER NOT NULL,
    snippet     TEXT NOT NULL,
    hl_start    INTEGER NOT NULL,
    hl_end      INTEGER NOT NULL,
    role        TEXT NOT NULL DEFAULT '',
    count       INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (article_id, entity_id)
) STRICT;
CREATE INDEX mentions_entity ON mentions (entity_id, article_id);
