-- Coverage of counts (store.Coverage): the stretches in which an outlet's
-- collection failed, found in the crawler's poll history (source_checks).

-- Failed polls by time, an outlet's successful polls by time, every poll by
-- time (stretches when veille polled nothing at all).
CREATE INDEX source_checks_failed_at ON source_checks (at) WHERE ok = 0;
CREATE INDEX source_checks_outlet_ok ON source_checks (outlet_id, at) WHERE ok = 1;
CREATE INDEX source_checks_at ON source_checks (at);

-- Finished gaps, recorded when found, so that they outlive the poll history
-- (pruned after about 400 days). outlet_id '' is an outage of every outlet.
CREATE TABLE coverage_gaps (
    outlet_id  TEXT NOT NULL,
    from_at    INTEGER NOT NULL,
    to_at      INTEGER NOT NULL,
    failures   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (outlet_id, from_at)
) STRICT;
