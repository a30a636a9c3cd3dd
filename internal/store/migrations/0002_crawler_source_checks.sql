-- One row per poll of a source: the crawler's history, read by `veille
-- sources` (articles seen in 7 days, share of 304s) and by the counts'
-- coverage (outlets whose collection failed during a period).
CREATE TABLE source_checks (id INTEGER PRIMARY KEY, source_id INTEGER NOT NULL, outlet_id TEXT NOT NULL, at INTEGER NOT NULL, ok INTEGER NOT NULL, not_modified INTEGER NOT NULL DEFAULT 0, discovered INTEGER NOT NULL DEFAULT 0, error TEXT NOT NULL DEFAULT '') STRICT;
CREATE INDEX source_checks_outlet_at ON source_checks (outlet_id, at);
CREATE INDEX source_checks_source_at ON source_checks (source_id, at);
