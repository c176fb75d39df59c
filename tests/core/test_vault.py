"""The encrypted vault on real SQLCipher: keys, wrong passphrases, damage, migrations, canary."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
import sqlcipher3

from desktop.models.repository import RecordRepository
from desktop.vault.attempts import FREE_ATTEMPTS
from desktop.vault.errors import DamagedVault, TooManyAttempts, WrongPassphrase
from desktop.vault.keys import KeyFile
from desktop.vault.store import LATEST_SCHEMA, Vault, _raw_connect, migrate

from .conftest import PASS, card_values, person_values


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_roundtrip_and_pragmas(folder: Path) -> None:
    v, recovery = Vault.create(folder, PASS)
    RecordRepository(v).add("person", person_values())
    with v.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        cipher_version = conn.exec_driver_sql("PRAGMA cipher_version").scalar()
        assert isinstance(cipher_version, str) and cipher_version.startswith("4.")
    v.close()
    assert len(recovery.replace("-", "")) == 32
    with Vault.open(folder, PASS) as v2:
        assert RecordRepository(v2).list("person")[0]["last_name"] == "Иванова"


def test_plain_sqlite_cannot_read_the_file(vault: Vault, folder: Path) -> None:
    RecordRepository(vault).add("person", person_values())
    vault.close()
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(folder / "vault.db").execute("select * from sqlite_master").fetchall()


def test_wrong_passphrase_counts_and_delays(vault: Vault, folder: Path) -> None:
    vault.close()
    for i in range(1, FREE_ATTEMPTS + 1):
        with pytest.raises(WrongPassphrase, match=f"неудачных попыток: {i}"):
            Vault.open(folder, "не та фраза")
    # the counter lives on disk: a fresh call (as after a restart) still has to wait
    with pytest.raises(TooManyAttempts) as exc:
        Vault.open(folder, PASS)
    assert exc.value.wait_s > 0
    assert "Следующая попытка через" in str(exc.value)
    assert json.loads((folder / "attempts.json").read_text())["failures"] == FREE_ATTEMPTS


def test_recovery_key_sets_new_passphrase(folder: Path) -> None:
    v, recovery = Vault.create(folder, PASS)
    v.close()
    with pytest.raises(WrongPassphrase, match="ключ восстановления"):
        Vault.open_with_recovery(folder, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH", "новая фраза 2")
    Vault.open_with_recovery(folder, recovery.lower(), "новая фраза 2").close()
    Vault.open(folder, "новая фраза 2").close()
    with pytest.raises(WrongPassphrase):
        Vault.open(folder, PASS)


def test_change_passphrase_rewraps_without_reencrypting(vault: Vault, folder: Path) -> None:
    RecordRepository(vault).add("person", person_values())
    vault.close()
    db_before, keys_before = _sha(folder / "vault.db"), _sha(folder / "keys.json")
    # no writes: the database bytes must stay identical
    kf = KeyFile.load(folder / "keys.json")
    kf.rewrap(kf.unwrap(PASS), "другая фраза 3")
    assert _sha(folder / "vault.db") == db_before
    assert _sha(folder / "keys.json") != keys_before
    with pytest.raises(WrongPassphrase):
        Vault.open(folder, PASS)
    with Vault.open(folder, "другая фраза 3") as v:
        assert RecordRepository(v).count("person") == 1


@pytest.mark.parametrize("damage", ["garbage_db", "foreign_sqlite", "truncated_db", "keys_json", "missing_db"])
def test_damaged_or_foreign_files_give_a_clear_message(vault: Vault, folder: Path, damage: str) -> None:
    RecordRepository(vault).add("person", person_values())
    vault.close()
    db = folder / "vault.db"
    if damage == "garbage_db":
        db.write_bytes(b"\x00garbage" * 1000)
    elif damage == "foreign_sqlite":
        db.unlink()
        c = sqlite3.connect(db)
        c.execute("create table t(x)")
        c.commit()
        c.close()
    elif damage == "truncated_db":
        db.write_bytes(db.read_bytes()[:100])
    elif damage == "keys_json":
        (folder / "keys.json").write_text("{not json")
    elif damage == "missing_db":
        db.unlink()
    with pytest.raises(DamagedVault) as exc:
        Vault.open(folder, PASS)
    assert exc.value.hint and "резервной копии" in exc.value.hint


def test_migration_from_schema_1_keeps_data_and_queue(folder: Path) -> None:
    v, _ = Vault.create(folder, PASS)
    key = bytes(v._key or b"")
    v.close()
    # rebuild the file as an older release left it: schema 1 only
    for f in folder.glob("vault.db*"):
        f.unlink()
    conn = _raw_connect(folder / "vault.db", key)
    assert migrate(conn, target=1) == 1
    conn.execute(
        "insert into rec_person (id, person_id, version, updated_at, snils, last_name, first_name, gender, birth_date)"
        " values ('p1', 'p1', 0, '', '12845673900', 'Старая', 'Запись', 'female', '1980-01-01')"
    )
    conn.execute("insert into meta (key, value) values ('person_id', 'p1')")
    conn.execute(
        "insert into outbox (op_id, entity, entity_id, person_id, op, fields, base, base_version, created_at, state,"
        " attempts, result) values ('op-1', 'person', 'p1', 'p1', 'create', '{}', '{}', 0, '', 'pending', 0, '')"
    )
    conn.close()
    with Vault.open(folder, PASS) as v2:
        assert v2.schema_version == LATEST_SCHEMA
        repo = RecordRepository(v2)
        assert repo.list("person")[0]["last_name"] == "Старая"
        assert [o["op_id"] for o in repo.outbox("pending")] == ["op-1"]
        # schema 2 features work on the upgraded file
        repo.add_document("scan", "Скан", b"%PDF-1.4\n%%EOF\n")
        assert repo.count("document") == 1


def test_migrated_schema_matches_the_tables(vault: Vault) -> None:
    from sqlalchemy import create_engine, inspect

    from desktop.models.tables import vault_metadata

    ref = create_engine("sqlite://")
    vault_metadata.create_all(ref)
    want, got = inspect(ref), inspect(vault.engine)
    # the list search indexes (migration 0004) are FTS5 virtual tables and their shadow tables,
    # kept by triggers in SQL, not mapped tables
    assert sorted(want.get_table_names()) == sorted(
        t for t in got.get_table_names() if not t.startswith("search_"))
    for t in want.get_table_names():
        assert [c["name"] for c in want.get_columns(t)] == [c["name"] for c in got.get_columns(t)], t


def test_canary_no_clear_text_anywhere(folder: Path) -> None:
    name, snils_digits = "Чебурашкина-Гениальная", "17935486268"
    from desktop.models.checkdigits import make_snils

    snils = make_snils(snils_digits[:9])
    v, _ = Vault.create(folder, PASS)
    repo = RecordRepository(v)
    repo.add("person", person_values(last_name=name, snils=snils))
    repo.add("employment", card_values(org_name=f"Больница {name}"))
    repo.add_document("scan", f"Скан {name}", b"%PDF-1.4\n" + name.encode() + snils.encode() + b"\n%%EOF")

    def scan() -> None:
        needles = [s.encode(enc) for s in (name, snils, snils[:3] + "-" + snils[3:6])
                   for enc in ("utf-8", "utf-16-le", "utf-16-be")]
        files = [p for p in folder.rglob("*") if p.is_file()]
        assert files
        for p in files:
            data = p.read_bytes()
            for n in needles:
                assert n not in data, f"clear text in {p.name}"

    scan()  # while open: the -wal and -shm files exist too
    assert (folder / "vault.db-wal").exists()
    v.close()
    scan()


def test_a_failure_mid_transaction_leaves_the_vault_as_before(
    repo: RecordRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop.models import audit

    repo.add("employment", card_values())
    before = (repo.count("employment"), len(repo.outbox()), repo.verify_journal().entries)

    def boom(*a: object, **k: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(audit, "append", boom)
    with pytest.raises(OSError):
        repo.add("employment", card_values(begin_date="01.01.2020", position_type="combined", rate="0.5"))
    with pytest.raises(OSError):
        repo.edit("employment", repo.list("employment")[0]["id"], {"rate": "0.5"})
    monkeypatch.undo()
    assert (repo.count("employment"), len(repo.outbox()), repo.verify_journal().entries) == before
    assert repo.list("employment")[0]["rate"] == "1"
    assert repo.verify_journal().ok


def test_invalid_edit_saves_nothing(repo: RecordRepository) -> None:
    from desktop.models.validation import ValidationFailed

    pid = repo.person_id()
    assert pid
    before = len(repo.outbox())
    with pytest.raises(ValidationFailed) as exc:
        repo.edit("person", pid, {"snils": "112-233-445 96"})
    assert "«СНИЛС»" in exc.value.errors["snils"]
    assert len(repo.outbox()) == before
    assert repo.get("person", pid)["snils"] != "11223344596"  # type: ignore[index]


def test_outbox_records_changes_with_previous_values(repo: RecordRepository) -> None:
    cid = repo.add("employment", card_values()).id
    res = repo.edit("employment", cid, {"rate": "0,5", "profile": "терапия"})
    assert res.changed == ["rate"]
    repo.delete("employment", cid)
    ops = [o for o in repo.outbox() if o["entity_id"] == cid]
    assert [o["op"] for o in ops] == ["create", "update", "delete"]
    assert json.loads(ops[1]["fields"]) == {"rate": "0.5"}
    assert json.loads(ops[1]["base"]) == {"rate": "1"}
    assert json.loads(ops[2]["base"])["org_name"] == "ГКБ № 1"
    assert len({o["op_id"] for o in ops}) == 3


def test_decided_application_is_not_editable(repo: RecordRepository) -> None:
    from desktop.models.validation import ValidationFailed

    aid = "a-decided"  # decided by the operator, as a sync brings it (a doctor may not set «одобрено»)
    repo.load_synced({"application": [{"id": aid, "person_id": repo.person_id(), "kind": "periodic",
                                       "specialty_code": "36", "status": "approved"}]})
    with pytest.raises(ValidationFailed, match="рассмотрено"):
        repo.edit("application", aid, {"specialty_code": "15"})


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"", "пустой"),
        (b"MZ\x90\x00 this is an exe", "только PDF, JPG и PNG"),
        (b"%PDF-1.4" + b"0" * (5 * 1024 * 1024), "больше допустимых 5 МБ"),
    ],
)
def test_bad_attachments_are_refused(repo: RecordRepository, data: bytes, needle: str) -> None:
    from desktop.models.validation import ValidationFailed

    with pytest.raises(ValidationFailed, match=needle):
        repo.add_document("scan", "Скан.pdf", data)
    assert repo.count("document") == 0


def test_attachment_lives_in_the_database(repo: RecordRepository) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    did = repo.add_document("scan", "Фото", png)
    row = repo.get("document", did)
    assert row and row["mime"] == "image/png" and row["size"] == len(png)
    assert repo.get_blob(row["blob_sha256"]) == png


class TestAuditChain:
    def _tamper(self, vault: Vault, sql: str) -> None:
        with vault.begin() as conn:
            conn.exec_driver_sql(sql)

    @pytest.fixture
    def filled(self, repo: RecordRepository) -> RecordRepository:
        cid = repo.add("employment", card_values()).id
        repo.edit("employment", cid, {"rate": "0.5"})
        repo.edit("employment", cid, {"rate": "0.75"})
        assert repo.verify_journal().ok
        return repo

    @pytest.mark.parametrize(
        "sql",
        [
            "update audit set action = 'view' where seq = 2",
            "update audit set fields = '[]' where seq = 3",
            "delete from audit where seq = 2",
            "delete from audit where seq = (select max(seq) from audit)",
            "update audit set seq = 100 where seq = 2; ",
        ],
    )
    def test_tampering_is_detected(self, filled: RecordRepository, sql: str) -> None:
        self._tamper(filled.vault, sql)
        assert not filled.verify_journal().ok

    def test_reordering_is_detected(self, filled: RecordRepository) -> None:
        with filled.vault.begin() as conn:
            conn.exec_driver_sql("update audit set seq = -1 where seq = 2")
            conn.exec_driver_sql("update audit set seq = 2 where seq = 3")
            conn.exec_driver_sql("update audit set seq = 3 where seq = -1")
        rep = filled.verify_journal()
        assert not rep.ok and rep.problems

    def test_journal_holds_names_not_values(self, filled: RecordRepository) -> None:
        with filled.vault.read() as conn:
            rows = conn.exec_driver_sql("select user, host, action, entity, fields from audit").fetchall()
        assert ("tester", "ws-1", "edit", "employment", '["rate"]') in [tuple(r) for r in rows]
        assert all("0.75" not in r[4] for r in rows)


def test_sqlcipher_module_is_the_engine(vault: Vault) -> None:
    raw = vault.engine.raw_connection()
    try:
        assert isinstance(raw.dbapi_connection, sqlcipher3.dbapi2.Connection)  # type: ignore[attr-defined]
    finally:
        raw.close()
