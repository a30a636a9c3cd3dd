-- Web UI sessions. The cookie holds a random token; only its SHA-256 is
-- stored, so a copy of the database does not let anyone in. Sessions survive
-- a restart; logging out deletes the row.
CREATE TABLE web_sessions (
    token_hash   TEXT PRIMARY KEY,          -- hex SHA-256 of the cookie's token
    user_name    TEXT NOT NULL,
    password_fp  TEXT NOT NULL,             -- fingerprint of the password hash at login: a new password ends the session
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,          -- absolute end; idle sessions end earlier (checked by the web layer)
    remote_addr  TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX web_sessions_expires ON web_sessions (expires_at);
CREATE INDEX web_sessions_user ON web_sessions (user_name);
