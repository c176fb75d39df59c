"""The vault checked whole (issue 11, item 18): ``frmr audit verify`` finds damage on pages no
command reads — an index, the НСИ table, the secrets, the last page, the first pages — names
it, and exits 1; and the profile's files are private.

Real SQLCipher throughout. Pages are found from the schema's ``rootpage`` values read through
the real decrypted connection, so each case damages the named structure, not a random byte.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.models.repository import RecordRepository
from desktop.vault.integrity import check_file, check_vault
from desktop.vault.secrets import put_secret
from desktop.vault.store import Vault
from desktop.vault.unlock import unwrap_data_key

from .conftest import card_values, person_values
from .test_cli import PASS, frmr

PAGE_SIZE = 4096  # SQLCipher 4's default; the project does not change it
#: a byte inside the encrypted part of a page (page 1 starts with the 16-byte salt in clear)
OFFSET = 200


@pytest.fixture
def profile(tmp_path: Path) -> Iterator[Path]:
    """A vault with something in every table the cases damage: a person and a card (so the
    outbox and its indexes have rows), НСИ entries, a secret, journal entries."""
    folder = tmp_path / "prof"
    vault, _ = Vault.create(folder, PASS)
    try:
        repo = RecordRepository(vault, user="tester", host="ws-1")
        repo.add("person", person_values())
        repo.add("employment", card_values())
        repo.import_nsi("1.2.643.5.1.13.13.11.1102", [(str(i), f"Должность {i}") for i in range(1, 40)])
        put_secret(vault, "server_token", b"t" * 200)
    finally:
        vault.close()
    yield folder


def schema(folder: Path) -> tuple[dict[str, int], int, int]:
    """name -> root page, the page count and the page size, through the real decrypted vault."""
    with Vault.open(folder, PASS) as v, v.read() as conn:
        roots = {str(n): int(r) for n, r in conn.exec_driver_sql(
            "SELECT name, rootpage FROM sqlite_schema WHERE rootpage > 0")}
        pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar_one())
        size = int(conn.exec_driver_sql("PRAGMA cipher_page_size").scalar_one())
    return roots, pages, size


def damage(folder: Path, page: int, offset: int = OFFSET) -> None:
    db = folder / "vault.db"
    data = bytearray(db.read_bytes())
    data[(page - 1) * PAGE_SIZE + offset] ^= 0x5A
    db.write_bytes(bytes(data))


def verify(folder: Path) -> tuple[int, str, str, dict[str, object]]:
    r = frmr(folder, "audit", "verify")
    j = frmr(folder, "audit", "verify", "--json")
    assert j.returncode == r.returncode
    return r.returncode, r.stdout, r.stderr, json.loads(j.stdout)


def test_page_size_is_sqlciphers_default(profile: Path) -> None:
    _roots, pages, size = schema(profile)
    assert size == PAGE_SIZE
    assert (profile / "vault.db").stat().st_size == pages * PAGE_SIZE


def test_undamaged_vault_passes(profile: Path) -> None:
    code, out, err, doc = verify(profile)
    assert code == 0, err
    assert "Журнал цел" in out and "Файл хранилища цел" in out
    assert err == ""
    _roots, pages, _size = schema(profile)
    file = doc["file"]
    assert isinstance(file, dict)
    assert doc["ok"] is True and file["damaged_pages"] == [] and file["pages"] == pages
    assert file["structure_checked"] is True
    with Vault.open(profile, PASS) as v:
        entries = RecordRepository(v).verify_journal().entries
    assert entries > 0 and doc["journal"] == {"ok": True, "entries": entries, "problems": []}


# (structure to damage, how to find its page, words the message must name it by)
CASES = [
    pytest.param(lambda roots, n: roots["ix_outbox_state"], ("индекс ix_outbox_state", "outbox"), id="index"),
    pytest.param(lambda roots, n: roots["sqlite_autoindex_nsi_entry_1"], ("индекс", "справочники НСИ"),
                 id="nsi-index"),
    pytest.param(lambda roots, n: roots["nsi_entry"], ("таблица nsi_entry", "справочники НСИ"), id="nsi-table"),
    pytest.param(lambda roots, n: roots["secret"], ("таблица secret", "секреты"), id="secrets-table"),
    pytest.param(lambda roots, n: n, (), id="last-page"),
    pytest.param(lambda roots, n: 2, ("таблица audit", "журнал изменений"), id="first-page-after-header"),
    pytest.param(lambda roots, n: 1, ("заголовок базы",), id="header-page"),
]


@pytest.mark.parametrize(("which", "names"), CASES)
def test_damaged_page_is_found_and_named(profile: Path, which: object, names: tuple[str, ...]) -> None:
    roots, pages, _size = schema(profile)
    page = which(roots, pages)  # type: ignore[operator]
    # Before: a command that reads other pages is none the wiser; `show` works after the damage.
    damage(profile, page)
    code, out, err, doc = verify(profile)
    assert code == 1, (out, err)
    line = next((x for x in err.splitlines() if x.startswith(f"Повреждена страница {page} из {pages} ")), None)
    assert line is not None, err
    for word in names:
        assert word in line, line
    if page == pages:  # the last page is named by whatever it holds
        owner = next(n for n, r in roots.items() if r == page)
        assert owner in line, line
    assert "Что делать" in err and "резервной копии" in err and "ключом восстановления" in err
    assert "Traceback" not in err
    file = doc["file"]
    assert isinstance(file, dict)
    assert doc["ok"] is False and file["ok"] is False and file["damaged_pages"] == [page]
    assert any(str(p).startswith(f"Повреждена страница {page} ") for p in file["problems"])  # type: ignore[attr-defined]
    assert "journal" in doc and doc["hint"]


def test_pages_no_command_reads_passed_before(profile: Path) -> None:
    """The case of the issue: the record still opens and shows, the journal is intact — and
    yet the НСИ index is damaged. Only the page check tells."""
    roots, _pages, _size = schema(profile)
    damage(profile, roots["sqlite_autoindex_nsi_entry_1"])
    shown = frmr(profile, "show", "person", "--json")
    assert shown.returncode == 0 and json.loads(shown.stdout)
    code, out, _err, doc = verify(profile)
    assert "Журнал цел" in out  # the journal itself is fine …
    assert code == 1 and doc["journal"]["ok"] is True  # type: ignore[index]  # … the file is not


def test_a_page_deep_inside_a_table_is_named_by_its_table(tmp_path: Path) -> None:
    """A page that is no root: the check reads each table and index whole to find whose it is."""
    folder = tmp_path / "prof"
    vault, _ = Vault.create(folder, PASS)
    with vault:
        RecordRepository(vault).add("person", person_values())
    _roots, before, _size = schema(folder)
    with Vault.open(folder, PASS) as vault:
        RecordRepository(vault).import_nsi("1.2.643.5.1.13.13.11.1102",
                                           [(f"{i:05d}", f"Должность номер {i} " + "х" * 40) for i in range(3000)])
    roots, after, _size = schema(folder)
    assert after > before + 10
    # Pages past the old end were all added by the import: to the НСИ table or its index.
    page = next(p for p in range(before + 5, after) if p not in roots.values())
    damage(folder, page)
    code, _out, err, _doc = verify(folder)
    assert code == 1
    line = next(x for x in err.splitlines() if x.startswith(f"Повреждена страница {page} "))
    assert "nsi_entry" in line and "справочники НСИ" in line, line


def test_damaged_salt_fails_every_page(profile: Path) -> None:
    _roots, pages, _size = schema(profile)
    damage(profile, 1, offset=3)  # inside the 16-byte salt SQLCipher keeps in clear
    code, _out, err, doc = verify(profile)
    assert code == 1 and "ни одна из" in err and "соль шифрования" in err
    assert doc["file"]["damaged_pages"] == list(range(1, pages + 1))  # type: ignore[index]


def test_truncated_file_is_found(profile: Path) -> None:
    db = profile / "vault.db"
    db.write_bytes(db.read_bytes()[:-1000])
    code, _out, err, _doc = verify(profile)
    assert code == 1 and "неполная" in err and "обрезан" in err


@pytest.mark.parametrize(
    ("statement", "finding"),
    [
        # the index holds states, the schema now says it indexes entity ids: rows "missing from index"
        pytest.param("UPDATE sqlite_schema SET sql = replace(sql, '(state)', '(entity_id)') "
                     "WHERE name = 'ix_outbox_state'", "ix_outbox_state", id="index-of-another-column"),
        # two names for one b-tree: SQLite cannot make sense of the file at all
        pytest.param("UPDATE sqlite_schema SET rootpage = (SELECT rootpage FROM sqlite_schema "
                     "WHERE name = 'ix_outbox_entity_id') WHERE name = 'ix_outbox_state'", "", id="shared-root"),
    ],
)
def test_broken_structure_with_valid_pages_is_found(profile: Path, statement: str, finding: str) -> None:
    """Someone holding the key rewires the schema: every page is authentic, the b-trees are
    not what the schema says. SQLite's integrity_check finds that."""
    with Vault.open(profile, PASS) as v, v.begin() as conn:
        conn.exec_driver_sql("PRAGMA writable_schema = ON")
        conn.exec_driver_sql(statement)
    code, _out, err, doc = verify(profile)
    assert code == 1
    line = next((x for x in err.splitlines() if x.startswith("Нарушена структура базы (PRAGMA integrity_check)")),
                None)
    assert line is not None and finding in line, err
    assert doc["file"]["damaged_pages"] == []  # type: ignore[index]


def test_journal_tampering_still_fails(profile: Path) -> None:
    with Vault.open(profile, PASS) as v, v.begin() as conn:
        conn.exec_driver_sql("update audit set action = 'x' where seq = 1")
    code, _out, err, doc = verify(profile)
    assert code == 1 and "изменена" in err and "Журнал нарушен" in err
    assert doc["file"]["ok"] is True and doc["journal"]["ok"] is False  # type: ignore[index]


def test_wrong_passphrase_is_not_a_damage_finding(profile: Path) -> None:
    r = frmr(profile, "audit", "verify", env={"FRMR_PASSPHRASE": "не та фраза 000"})
    assert r.returncode == 2 and "Неверная парольная фраза" in r.stderr


def test_check_of_an_open_vault(profile: Path) -> None:
    """The API the GUI runs in its DB worker, with the vault open (WAL in use)."""
    with Vault.open(profile, PASS) as v:
        repo = RecordRepository(v)
        repo.add("nmo", {"event_date": "01.01.2020", "kind": "iom", "title": "Модуль", "credits": "1"})
        entries = repo.verify_journal().entries
        result = check_vault(v, repo)
        assert result.ok, result.problems
        assert result.journal_entries == entries and result.file.structure_checked
    roots, _pages, _size = schema(profile)
    damage(profile, roots["secret"])
    with Vault.open(profile, PASS) as v:
        result = check_vault(v)
    assert not result.ok and result.file.damaged_pages == [roots["secret"]]
    assert result.journal_entries == entries and not result.journal_problems


def test_check_file_leaves_the_file_alone(profile: Path) -> None:
    db = profile / "vault.db"
    roots, _pages, _size = schema(profile)
    damage(profile, roots["nsi_entry"])
    before = db.read_bytes()
    rep = check_file(db, unwrap_data_key(profile, PASS))
    assert rep.damaged_pages == [roots["nsi_entry"]]
    assert db.read_bytes() == before


# -- file modes -------------------------------------------------------------------------------
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@posix_only
def test_new_profile_is_private_even_with_an_open_umask(tmp_path: Path) -> None:
    folder = tmp_path / "prof"
    old = os.umask(0)  # the worst case: nothing is masked, modes are exactly what the code asks
    try:
        vault, _ = Vault.create(folder, PASS)
        try:
            RecordRepository(vault).add("person", person_values())
            assert (folder / "vault.db-wal").exists()  # the companions exist while the vault is open
            files = sorted(p.name for p in folder.iterdir())
            assert {"vault.db", "vault.db-wal", "vault.db-shm", "keys.json"} <= set(files)
            assert {name: _mode(folder / name) for name in files} == dict.fromkeys(files, 0o600)
        finally:
            vault.close()
    finally:
        os.umask(old)
    assert _mode(folder) == 0o700
    assert all(_mode(p) == 0o600 for p in folder.iterdir())


@posix_only
def test_existing_world_readable_profile_is_tightened_on_open(profile: Path) -> None:
    os.chmod(profile, 0o755)
    for name in ("vault.db", "keys.json"):
        os.chmod(profile / name, 0o644)
    (profile / "settings.json").write_text("{}")
    os.chmod(profile / "settings.json", 0o664)
    (profile / "vault.db-wal").write_bytes(b"")  # left behind by an older version
    os.chmod(profile / "vault.db-wal", 0o644)
    Vault.open(profile, PASS).close()
    assert _mode(profile) == 0o700
    for p in profile.iterdir():
        assert _mode(p) == 0o600, p.name


@posix_only
def test_tightening_does_not_follow_symlinks(profile: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("x")
    os.chmod(outside, 0o644)
    (profile / "link").symlink_to(outside)
    Vault.open(profile, PASS).close()
    assert _mode(outside) == 0o644


@posix_only
def test_cli_init_makes_a_private_profile(tmp_path: Path) -> None:
    folder = tmp_path / "new"
    assert frmr(folder, "init", "--consent").returncode == 0
    assert _mode(folder) == 0o700
    assert {p.name: _mode(p) for p in folder.iterdir()} == {p.name: 0o600 for p in folder.iterdir()}
