"""The doctor's workflows (issue 14), Qt-free: the rules the server shares (confirmation checks,
file kinds), the accreditation portfolio check, the programme catalogue kept in the vault and
the notifications derived from what sync brought. Queuing the actions is desktop/sync/doctor.py."""
