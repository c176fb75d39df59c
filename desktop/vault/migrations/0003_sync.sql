-- Vault schema 3: what the sync engine remembers about the server.
-- The outbox itself is unchanged, so operations queued by an older version still go out.

-- The server's version of a row, noted aside when it arrived while the row carried local work
-- (a pending, rejected or undecided edit keeps the local version as its base). For every other
-- row the local version is the server's, and the convergence checksum combines both.
CREATE TABLE sync_row (
    id VARCHAR NOT NULL,
    entity VARCHAR NOT NULL,
    person_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    deleted INTEGER NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX ix_sync_row_entity ON sync_row (entity);

-- A row-level conflict a person decides: fields is JSON
-- {field: {"base": .., "mine": .., "theirs": .., "theirs_version": n, "choice": null|"mine"|"theirs"}}.
CREATE TABLE sync_conflict (
    id INTEGER NOT NULL,
    op_id VARCHAR NOT NULL,
    entity VARCHAR NOT NULL,
    entity_id VARCHAR NOT NULL,
    person_id VARCHAR NOT NULL,
    op VARCHAR NOT NULL,
    base_version INTEGER NOT NULL,
    fields VARCHAR NOT NULL,
    state VARCHAR NOT NULL,
    created_at VARCHAR NOT NULL,
    resolved_at VARCHAR NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX ix_sync_conflict_entity_id ON sync_conflict (entity_id);
CREATE INDEX ix_sync_conflict_state ON sync_conflict (state);
