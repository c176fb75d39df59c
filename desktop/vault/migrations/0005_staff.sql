-- Vault schema 5: «Сотрудники», the HR clerk's list of the organization's staff
-- (desktop/models/staff_list.py). Its queries ask the cards by organization and by person with
-- the few columns the list folds in, so these indexes answer them without reading the rows.
CREATE INDEX IF NOT EXISTS ix_staff_person_fio ON rec_person (last_name, first_name, patronymic);
CREATE INDEX IF NOT EXISTS ix_staff_employment_org ON rec_employment (org_inn, person_id, end_date);
CREATE INDEX IF NOT EXISTS ix_staff_employment_person ON rec_employment (person_id, end_date, org_inn);
CREATE INDEX IF NOT EXISTS ix_staff_employment_position ON rec_employment (position_code, person_id);
