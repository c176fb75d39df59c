-- Vault schema 6: the subdivisions of an organization («Сотрудники»' filter and the card form's
-- completion, desktop/models/staff_list.py) read from an index instead of every card.
CREATE INDEX IF NOT EXISTS ix_staff_employment_subdivision ON rec_employment (subdivision, org_inn);
