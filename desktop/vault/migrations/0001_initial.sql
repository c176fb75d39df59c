-- Vault schema 1: the record tables, the outbox, the audit journal, vault facts.

CREATE TABLE audit (
    seq INTEGER NOT NULL,
    ts VARCHAR NOT NULL,
    user VARCHAR NOT NULL,
    host VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    entity VARCHAR NOT NULL,
    entity_id VARCHAR NOT NULL,
    fields VARCHAR NOT NULL,
    prev_hash VARCHAR NOT NULL,
    hash VARCHAR NOT NULL,
    PRIMARY KEY (seq)
);

CREATE TABLE meta (
    "key" VARCHAR NOT NULL,
    value VARCHAR NOT NULL,
    PRIMARY KEY ("key")
);

CREATE TABLE outbox (
    seq INTEGER NOT NULL,
    op_id VARCHAR NOT NULL,
    entity VARCHAR NOT NULL,
    entity_id VARCHAR NOT NULL,
    person_id VARCHAR NOT NULL,
    op VARCHAR NOT NULL,
    fields VARCHAR NOT NULL,
    base VARCHAR NOT NULL,
    base_version INTEGER NOT NULL,
    created_at VARCHAR NOT NULL,
    state VARCHAR NOT NULL,
    attempts INTEGER NOT NULL,
    result VARCHAR NOT NULL,
    PRIMARY KEY (seq),
    UNIQUE (op_id)
);
CREATE INDEX ix_outbox_state ON outbox (state);
CREATE INDEX ix_outbox_entity_id ON outbox (entity_id);

CREATE TABLE rec_accreditation (
    id VARCHAR NOT NULL,
    person_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    updated_at VARCHAR NOT NULL,
    kind VARCHAR,
    specialty_code VARCHAR,
    protocol_number VARCHAR,
    protocol_date VARCHAR,
    registry_number VARCHAR,
    valid_until VARCHAR,
    issuer VARCHAR,
    PRIMARY KEY (id)
);
CREATE INDEX ix_rec_accreditation_person_id ON rec_accreditation (person_id);

CREATE TABLE rec_application (
    id VARCHAR NOT NULL,
    person_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    updated_at VARCHAR NOT NULL,
    kind VARCHAR,
    specialty_code VARCHAR,
    submitted_at VARCHAR,
    confirmation_number VARCHAR,
    status VARCHAR,
    decision_comment VARCHAR,
    PRIMARY KEY (id)
);
CREATE INDEX ix_rec_application_person_id ON rec_application (person_id);

CREATE TABLE rec_category (
    id VARCHAR NOT NULL,
    person_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    updated_at VARCHAR NOT NULL,
    level VARCHAR,
    specialty_code VARCHAR,
    begin_date VARCHAR,
    end_date VARCHAR,
    order_number VARCHAR,
    PRIMARY KEY (id)
);
CREATE INDEX ix_rec_category_person_id ON rec_category (person_id);

CREATE TABLE rec_certificate (
    id VARCHAR NOT NULL,
    person_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    updated_at VARCHAR NOT NULL,
    specialty_code VARCHAR,
    cert_series VARCHAR,
    cert_number VARCHAR,
    exam_date VARCHAR,
    issue_date VARCHAR,
    valid_until VARCHAR,
    issuer VARCHAR,
    PRIMARY KEY (id)
);
CREATE INDEX ix_rec_certificate_person_id ON rec_certificate (person_id);

CREATE TABLE rec_document (
    id VARCHAR NOT NULL,
    person_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    updated_at VARCHAR NOT NULL,
    kind VARCHAR,
    title VARCHAR,
    created_at VARCHAR,
    sha256 VARCHAR,
    mime VARCHAR,
    size INTEGER,
    signed INTEGER,
    signature_info VARCHAR,
    blob_sha256 VARCHAR,
    PRIMARY KEY (id)
);
CREATE INDEX ix_rec_document_person_id ON rec_document (person_id);

CREATE TABLE rec_education (
    id VARCHAR NOT NULL,
    person_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    updated_at VARCHAR NOT NULL,
    kind VARCHAR,
    institution VARCHAR,
    specialty_code VARCHAR,
    qualification VARCHAR,
    study_form VARCHAR,
    begin_date VARCHAR,
    end_date VARCHAR,
    doc_series VARCHAR,
    doc_number VARCHAR,
    doc_date VARCHAR,
    hours INTEGER,
    PRIMARY KEY (id)
);
CREATE INDEX ix_rec_education_person_id ON rec_education (person_id);

CREATE TABLE rec_employment (
    id VARCHAR NOT NULL,
    person_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    updated_at VARCHAR NOT NULL,
    org_name VARCHAR,
    org_inn VARCHAR,
    org_ogrn VARCHAR,
    org_kpp VARCHAR,
    subdivision VARCHAR,
    position_code VARCHAR,
    position_type VARCHAR,
    contract_kind VARCHAR,
    rate VARCHAR,
    begin_date VARCHAR,
    end_date VARCHAR,
    end_reason VARCHAR,
    contract_number VARCHAR,
    contract_date VARCHAR,
    order_number VARCHAR,
    order_date VARCHAR,
    profile VARCHAR,
    status VARCHAR,
    PRIMARY KEY (id)
);
CREATE INDEX ix_rec_employment_person_id ON rec_employment (person_id);

CREATE TABLE rec_nmo (
    id VARCHAR NOT NULL,
    person_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    updated_at VARCHAR NOT NULL,
    event_date VARCHAR,
    kind VARCHAR,
    title VARCHAR,
    provider VARCHAR,
    credits VARCHAR,
    status VARCHAR,
    document_number VARCHAR,
    PRIMARY KEY (id)
);
CREATE INDEX ix_rec_nmo_person_id ON rec_nmo (person_id);

CREATE TABLE rec_person (
    id VARCHAR NOT NULL,
    person_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    updated_at VARCHAR NOT NULL,
    snils VARCHAR,
    last_name VARCHAR,
    first_name VARCHAR,
    patronymic VARCHAR,
    gender VARCHAR,
    birth_date VARCHAR,
    inn VARCHAR,
    citizenship VARCHAR,
    phone VARCHAR,
    email VARCHAR,
    id_doc_type VARCHAR,
    id_doc_series VARCHAR,
    id_doc_number VARCHAR,
    id_doc_issued VARCHAR,
    id_doc_issuer VARCHAR,
    address_registration VARCHAR,
    address_actual VARCHAR,
    PRIMARY KEY (id)
);
CREATE INDEX ix_rec_person_person_id ON rec_person (person_id);

CREATE TABLE rec_request (
    id VARCHAR NOT NULL,
    person_id VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    updated_at VARCHAR NOT NULL,
    org_name VARCHAR,
    org_inn VARCHAR,
    kind VARCHAR,
    received_at VARCHAR,
    status VARCHAR,
    text VARCHAR,
    PRIMARY KEY (id)
);
CREATE INDEX ix_rec_request_person_id ON rec_request (person_id);
