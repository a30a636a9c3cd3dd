-- The digest ledger: what each recipient of the daily digest was sent.
--
-- A run is one digest email to one recipient; its items are the clippings it
-- lists. A run and its items are written before the email is sent (state
-- 'pending'); the email is marked 'sent' once the SMTP server accepted it. A
-- crash in between leaves the run pending: the next attempt sends the same
-- message (same Message-ID, same clippings) again. A clipping is in at most
-- one run per recipient (UNIQUE (recipient, article_id)), so it is never
-- listed in two different digests to the same person.
-- Times are Unix seconds (UTC). Append-only: never edit a landed migration.

-- Recipients seen by the digest. A clipping is owed to a recipient when veille
-- first saw it at or after `since` (set once, when the recipient first gets a
-- digest): adding a recipient does not send them the whole archive.
CREATE TABLE digest_recipients (
    email      TEXT PRIMARY KEY,          -- lower-cased address
    since      INTEGER NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE digest_runs (
    id              INTEGER PRIMARY KEY,
    recipient       TEXT NOT NULL,        -- lower-cased address
    slot            TEXT NOT NULL,        -- YYYY-MM-DD (daily digest) or manual-… (veille digest --send)
    message_id      TEXT NOT NULL UNIQUE, -- without angle brackets; stable across retries
    state           TEXT NOT NULL DEFAULT 'pending', -- pending | sent | skipped
    period_from     INTEGER NOT NULL,     -- clippings found since (for the email's wording)
    created_at      INTEGER NOT NULL,
    message_z       BLOB,                 -- the RFC 5322 message, DEFLATE; frozen at the first attempt, cleared once sent
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_attempt_at INTEGER,
    lease_until     INTEGER NOT NULL DEFAULT 0, -- a process is sending it until then
    next_attempt_at INTEGER NOT NULL DEFAULT 0, -- backoff after a failure
    last_error      TEXT NOT NULL DEFAULT '',
    sent_at         INTEGER,
    UNIQUE (recipient, slot)
) STRICT;
CREATE INDEX digest_runs_pending ON digest_runs (recipient, id) WHERE state = 'pending';

CREATE TABLE digest_items (
    run_id     INTEGER NOT NULL REFERENCES digest_runs(id) ON DELETE CASCADE,
    recipient  TEXT NOT NULL,
    article_id INTEGER NOT NULL,
    PRIMARY KEY (run_id, article_id),
    UNIQUE (recipient, article_id)
) STRICT;

-- The digest looks for clippings by first-seen time.
CREATE INDEX articles_first_seen ON articles (first_seen_at) WHERE mention_count > 0 AND excluded = 0;
