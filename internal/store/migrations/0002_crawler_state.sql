-- The crawler's own state, beside the frontier and the sources.

-- The children of sitemap indexes: validators for conditional GETs, the
-- lastmod the index gave when the child was last read, and when its
-- content last changed, so that an unchanged child is not read again.
CREATE TABLE crawler_sitemaps (
    url           TEXT PRIMARY KEY,
    source_id     INTEGER NOT NULL,
    etag          TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    lastmod       INTEGER,                 -- the index's lastmod when last read in full
    hash          TEXT NOT NULL DEFAULT '', -- of the content last read
    checked_at    INTEGER NOT NULL,
    ok_at         INTEGER,                 -- last successful read (200 or 304)
    changed_at    INTEGER,                 -- last time the content differed
    error         TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX crawler_sitemaps_source ON crawler_sitemaps (source_id);

-- Feed discovery on the home page of outlets configured without feeds
-- (<link rel="alternate">). The feeds found become sources.
CREATE TABLE crawler_discovery (
    outlet_id  TEXT PRIMARY KEY,
    checked_at INTEGER NOT NULL,
    page_url   TEXT NOT NULL DEFAULT '',
    feeds      TEXT NOT NULL DEFAULT '',   -- one URL a line
    error      TEXT NOT NULL DEFAULT ''
) STRICT;

-- Backfill: the sitemaps and dated archive pages to walk for a period, so
-- that an interrupted backfill resumes where it stopped.
CREATE TABLE crawler_backfill (
    period     TEXT NOT NULL,              -- "2021-01-01..2021-12-31"
    url        TEXT NOT NULL,
    outlet_id  TEXT NOT NULL,
    source_id  INTEGER NOT NULL DEFAULT 0,
    kind       TEXT NOT NULL,              -- sitemap | archive
    depth      INTEGER NOT NULL DEFAULT 0,
    state      TEXT NOT NULL DEFAULT 'pending', -- pending | done | failed
    discovered INTEGER NOT NULL DEFAULT 0,
    attempts   INTEGER NOT NULL DEFAULT 0,
    error      TEXT NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (period, url)
) STRICT;
CREATE INDEX crawler_backfill_pending ON crawler_backfill (period, state);
