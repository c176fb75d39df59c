-- Vault schema 2: attachments inside the encrypted database, named secrets, imported НСИ.

CREATE TABLE blob (
    sha256 VARCHAR NOT NULL,
    mime VARCHAR NOT NULL,
    size INTEGER NOT NULL,
    created_at VARCHAR NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (sha256)
);

CREATE TABLE nsi_entry (
    dict_key VARCHAR NOT NULL,
    code VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    PRIMARY KEY (dict_key, code)
);

CREATE TABLE secret (
    name VARCHAR NOT NULL,
    data BLOB NOT NULL,
    created_at VARCHAR NOT NULL,
    PRIMARY KEY (name)
);
