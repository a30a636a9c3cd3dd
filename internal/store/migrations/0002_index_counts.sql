-- Monthly totals of clippings, kept by triggers in the same transaction as
-- every change to articles and mentions, so that yearly totals read a few
-- thousand rows instead of every clipping, and always agree with them.
--
-- Months are calendar months in the time zone of counts (the configured
-- timezone): count_months lists when each starts. It is filled, and the
-- totals rebuilt from the articles, by the store's code the first time
-- counts are asked for in a zone (store.EnsureCounts); until then the
-- triggers do nothing. A month key is YYYYMM; 0 holds dates outside
-- 1900–2200. Rows whose n fell to 0 are left in place.

CREATE TABLE count_months (
    start_at INTEGER PRIMARY KEY,   -- Unix time the month starts
    month    INTEGER NOT NULL       -- YYYYMM
) STRICT;

-- Clippings per month, outlet and scope.
CREATE TABLE count_articles (
    month     INTEGER NOT NULL,
    outlet_id TEXT NOT NULL,
    scope     TEXT NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (month, outlet_id, scope)
) STRICT, WITHOUT ROWID;

-- Clippings per month, entity, outlet and scope.
CREATE TABLE count_entities (
    month       INTEGER NOT NULL,
    entity_id   TEXT NOT NULL,
    entity_kind TEXT NOT NULL,
    outlet_id   TEXT NOT NULL,
    scope       TEXT NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (month, entity_id, entity_kind, outlet_id, scope)
) STRICT, WITHOUT ROWID;

-- Clippings per month, entity kind, outlet and scope (a clipping naming two
-- members counts once for "member").
CREATE TABLE count_kinds (
    month     INTEGER NOT NULL,
    kind      TEXT NOT NULL,
    outlet_id TEXT NOT NULL,
    scope     TEXT NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (month, kind, outlet_id, scope)
) STRICT, WITHOUT ROWID;

-- A new article: its entities come with its mentions, inserted after it.
CREATE TRIGGER count_article_insert AFTER INSERT ON articles
WHEN NEW.mention_count > 0 AND NEW.excluded = 0 AND EXISTS (SELECT 1 FROM count_months)
BEGIN
    INSERT INTO count_articles (month, outlet_id, scope, n)
    VALUES (COALESCE((SELECT month FROM count_months WHERE start_at <= NEW.date_at ORDER BY start_at DESC LIMIT 1), 0),
            NEW.outlet_id, NEW.scope, 1)
    ON CONFLICT (month, outlet_id, scope) DO UPDATE SET n = n + 1;
END;

-- A change of what counts: out with the old state (with the article's
-- current mentions), in with the new.
CREATE TRIGGER count_article_update AFTER UPDATE OF mention_count, excluded, date_at, scope, outlet_id ON articles
WHEN EXISTS (SELECT 1 FROM count_months)
 AND ((OLD.mention_count > 0 AND OLD.excluded = 0) IS NOT (NEW.mention_count > 0 AND NEW.excluded = 0)
      OR ((NEW.mention_count > 0 AND NEW.excluded = 0)
          AND (OLD.date_at IS NOT NEW.date_at OR OLD.scope IS NOT NEW.scope OR OLD.outlet_id IS NOT NEW.outlet_id)))
BEGIN
    UPDATE count_articles SET n = n - 1
    WHERE OLD.mention_count > 0 AND OLD.excluded = 0
      AND month = COALESCE((SELECT month FROM count_months WHERE start_at <= OLD.date_at ORDER BY start_at DESC LIMIT 1), 0)
      AND outlet_id = OLD.outlet_id AND scope = OLD.scope;
    UPDATE count_entities SET n = n - 1
    WHERE OLD.mention_count > 0 AND OLD.excluded = 0
      AND month = COALESCE((SELECT month FROM count_months WHERE start_at <= OLD.date_at ORDER BY start_at DESC LIMIT 1), 0)
      AND outlet_id = OLD.outlet_id AND scope = OLD.scope
      AND (entity_id, entity_kind) IN (SELECT entity_id, entity_kind FROM mentions WHERE article_id = OLD.id);
    UPDATE count_kinds SET n = n - 1
    WHERE OLD.mention_count > 0 AND OLD.excluded = 0
      AND month = COALESCE((SELECT month FROM count_months WHERE start_at <= OLD.date_at ORDER BY start_at DESC LIMIT 1), 0)
      AND outlet_id = OLD.outlet_id AND scope = OLD.scope
      AND kind IN (SELECT entity_kind FROM mentions WHERE article_id = OLD.id);

    INSERT INTO count_articles (month, outlet_id, scope, n)
    SELECT COALESCE((SELECT month FROM count_months WHERE start_at <= NEW.date_at ORDER BY start_at DESC LIMIT 1), 0),
           NEW.outlet_id, NEW.scope, 1
    WHERE NEW.mention_count > 0 AND NEW.excluded = 0
    ON CONFLICT (month, outlet_id, scope) DO UPDATE SET n = n + 1;
    INSERT INTO count_entities (month, entity_id, entity_kind, outlet_id, scope, n)
    SELECT COALESCE((SELECT month FROM count_months WHERE start_at <= NEW.date_at ORDER BY start_at DESC LIMIT 1), 0),
           entity_id, entity_kind, NEW.outlet_id, NEW.scope, 1
    FROM mentions WHERE article_id = NEW.id AND NEW.mention_count > 0 AND NEW.excluded = 0
    ON CONFLICT (month, entity_id, entity_kind, outlet_id, scope) DO UPDATE SET n = n + 1;
    INSERT INTO count_kinds (month, kind, outlet_id, scope, n)
    SELECT DISTINCT COALESCE((SELECT month FROM count_months WHERE start_at <= NEW.date_at ORDER BY start_at DESC LIMIT 1), 0),
           entity_kind, NEW.outlet_id, NEW.scope, 1
    FROM mentions WHERE article_id = NEW.id AND NEW.mention_count > 0 AND NEW.excluded = 0
    ON CONFLICT (month, kind, outlet_id, scope) DO UPDATE SET n = n + 1;
END;

-- Deleting an article: its mentions go first, while it is still there to
-- say what they counted for.
CREATE TRIGGER count_article_delete BEFORE DELETE ON articles
WHEN EXISTS (SELECT 1 FROM count_months)
BEGIN
    DELETE FROM mentions WHERE article_id = OLD.id;
    UPDATE count_articles SET n = n - 1
    WHERE OLD.mention_count > 0 AND OLD.excluded = 0
      AND month = COALESCE((SELECT month FROM count_months WHERE start_at <= OLD.date_at ORDER BY start_at DESC LIMIT 1), 0)
      AND outlet_id = OLD.outlet_id AND scope = OLD.scope;
END;

CREATE TRIGGER count_mention_insert AFTER INSERT ON mentions
WHEN EXISTS (SELECT 1 FROM count_months)
BEGIN
    INSERT INTO count_entities (month, entity_id, entity_kind, outlet_id, scope, n)
    SELECT COALESCE((SELECT month FROM count_months WHERE start_at <= a.date_at ORDER BY start_at DESC LIMIT 1), 0),
           NEW.entity_id, NEW.entity_kind, a.outlet_id, a.scope, 1
    FROM articles a WHERE a.id = NEW.article_id AND a.mention_count > 0 AND a.excluded = 0
    ON CONFLICT (month, entity_id, entity_kind, outlet_id, scope) DO UPDATE SET n = n + 1;
    INSERT INTO count_kinds (month, kind, outlet_id, scope, n)
    SELECT COALESCE((SELECT month FROM count_months WHERE start_at <= a.date_at ORDER BY start_at DESC LIMIT 1), 0),
           NEW.entity_kind, a.outlet_id, a.scope, 1
    FROM articles a WHERE a.id = NEW.article_id AND a.mention_count > 0 AND a.excluded = 0
      AND NOT EXISTS (SELECT 1 FROM mentions m WHERE m.article_id = NEW.article_id
                      AND m.entity_kind = NEW.entity_kind AND m.entity_id != NEW.entity_id)
    ON CONFLICT (month, kind, outlet_id, scope) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER count_mention_delete AFTER DELETE ON mentions
WHEN EXISTS (SELECT 1 FROM count_months)
BEGIN
    UPDATE count_entities SET n = n - 1
    WHERE (month, entity_id, entity_kind, outlet_id, scope) =
          (SELECT COALESCE((SELECT month FROM count_months WHERE start_at <= a.date_at ORDER BY start_at DESC LIMIT 1), 0),
                  OLD.entity_id, OLD.entity_kind, a.outlet_id, a.scope
           FROM articles a WHERE a.id = OLD.article_id AND a.mention_count > 0 AND a.excluded = 0);
    UPDATE count_kinds SET n = n - 1
    WHERE (month, kind, outlet_id, scope) =
          (SELECT COALESCE((SELECT month FROM count_months WHERE start_at <= a.date_at ORDER BY start_at DESC LIMIT 1), 0),
                  OLD.entity_kind, a.outlet_id, a.scope
           FROM articles a WHERE a.id = OLD.article_id AND a.mention_count > 0 AND a.excluded = 0)
      AND NOT EXISTS (SELECT 1 FROM mentions m WHERE m.article_id = OLD.article_id AND m.entity_kind = OLD.entity_kind);
END;

CREATE INDEX count_entities_entity ON count_entities (entity_id, month);
