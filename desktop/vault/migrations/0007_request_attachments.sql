-- Vault schema 7: a request from the organization carries files (issue 13): the SHA-256s of
-- the blobs, comma-separated (desktop/models/staff_request_files.py).
ALTER TABLE rec_request ADD COLUMN attachments VARCHAR;
