"""The vault checked whole: every page of the encrypted file, its b-trees, and the journal.

A command reads only the pages it needs, so damage anywhere else (an index, the НСИ table,
the secrets, the last page) went unnoticed until the day something read that page — and the
journal check alone passed with such damage. SQLCipher's ``PRAGMA cipher_integrity_check``
reads every page of ``vault.db`` and checks its HMAC; SQLite's ``PRAGMA integrity_check``
then checks the b-trees (only once every page is authentic: it stops with "malformed" at the
first one that is not, which tells nothing new). Each damaged page is named by the table or
index it belongs to, so the report says what is lost, not only where.

Qt-free: ``frmr audit verify`` and the GUI's «Проверить хранилище» run the same code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlcipher3

from desktop.i18n import tr
from desktop.vault.errors import DamagedVault, VaultError

if TYPE_CHECKING:  # both import this module (through ``store``) at load time
    from desktop.models.audit import VerifyReport
    from desktop.models.repository import RecordRepository
    from desktop.vault.store import Vault

#: What to do about a damaged file, for the CLI (the GUI says the same through ``tr``).
WHAT_TO_DO = (
    "Что делать: заблокируйте профиль и восстановите его из резервной копии — «Файл → Восстановить…» в "
    "окне или «frmr restore ФАЙЛ» (если парольная фраза с тех пор менялась, откройте копию ключом "
    "восстановления; --recovery-key). Если копии нет, создайте профиль "
    "заново и загрузите записи с сервера ФРМР при синхронизации. Не вносите изменений, пока хранилище "
    "повреждено."
)

#: At most this many pages are listed one per line; the rest are summed up in one.
MAX_LISTED_PAGES = 20
MAX_STRUCTURE_LINES = 10

_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26

_HMAC_FAILED = re.compile(r"HMAC verification failed for page (\d+)")
_BAD_SIZE = re.compile(r"page (\d+) has an invalid size of (\d+) bytes \(expected (\d+) bytes\)")

#: The vault's own tables, by what a person keeps in them.
_TABLE_TITLES = {
    "audit": "журнал изменений",
    "meta": "служебные сведения хранилища",
    "outbox": "изменения, ещё не отправленные на сервер",
    "blob": "вложенные файлы документов",
    "nsi_entry": "справочники НСИ",
    "secret": "секреты: токены входа на сервер, контейнер электронной подписи",
    "sync_row": "сведения о синхронизации записей",
    "sync_conflict": "конфликты синхронизации",
}


@dataclass
class FileReport:
    """The file check. ``problems`` are Russian sentences, one per finding."""

    page_size: int = 0
    pages: int = 0
    damaged_pages: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    #: ``PRAGMA integrity_check`` ran to the end (it cannot while a page fails its HMAC)
    structure_checked: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class VaultCheck:
    """File and journal together: what ``frmr audit verify`` and «Проверить хранилище» report."""

    file: FileReport
    #: entries of an intact journal; None when the journal could not be read at all
    journal_entries: int | None = None
    journal_problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.file.ok and not self.journal_problems

    @property
    def problems(self) -> list[str]:
        return [*self.file.problems, *self.journal_problems]

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "journal": {"ok": not self.journal_problems, "entries": self.journal_entries,
                        "problems": list(self.journal_problems)},
            "file": {"ok": self.file.ok, "page_size": self.file.page_size, "pages": self.file.pages,
                     "damaged_pages": list(self.file.damaged_pages), "structure_checked": self.file.structure_checked,
                     "problems": list(self.file.problems)},
        }


# -- naming what a page belongs to -------------------------------------------------------------
@dataclass(frozen=True)
class _Object:
    kind: str  # "table" or "index"
    name: str
    table: str
    rootpage: int

    def describe(self) -> str:
        title = _table_title(self.table)
        if self.kind == "index":
            return f"индекс {self.name} таблицы {self.table} ({title})"
        return f"таблица {self.name} ({title})"


def _table_title(table: str) -> str:
    if table in _TABLE_TITLES:
        return _TABLE_TITLES[table]
    if table.startswith("rec_"):
        from desktop.models.schema import ENTITIES  # only when there is damage to name

        spec = ENTITIES.get(table[4:])
        if spec is not None:
            return f"записи раздела «{spec.plural}»"
    if table.startswith("sqlite_"):
        return "служебная таблица SQLite"
    return "таблица хранилища"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _is_damage(exc: sqlcipher3.DatabaseError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return int(code) & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    text = str(exc)
    return "malformed" in text or "not a database" in text


def _objects(conn: sqlcipher3.Connection) -> list[_Object] | None:
    """Tables and indexes with their root pages; None when the schema itself is unreadable."""
    try:
        rows = conn.execute(
            "SELECT type, name, tbl_name, rootpage FROM sqlite_schema "
            "WHERE type IN ('table', 'index') AND rootpage > 0"
        ).fetchall()
    except sqlcipher3.DatabaseError:
        return None
    return [_Object(str(t), str(n), str(tb), int(r)) for t, n, tb, r in rows]


def _unreadable(connect: Callable[[], sqlcipher3.Connection], objects: Iterable[_Object]) -> list[_Object]:
    """The objects whose every page cannot be read. There is no page-to-object map without
    the ``dbstat`` table (SQLCipher's build leaves it out), so each table is read whole
    (its rows with their overflow pages) and each index is counted through (every leaf):
    a read that reaches a damaged page fails. After a failed page SQLCipher keeps failing
    every read on that connection, so each failure costs a fresh one."""
    bad = []
    conn = connect()
    try:
        for obj in objects:
            if obj.kind == "table":
                sql = f"SELECT * FROM {_quote(obj.name)}"
            else:
                sql = f"SELECT count(*) FROM {_quote(obj.table)} INDEXED BY {_quote(obj.name)}"
            try:
                cur = conn.execute(sql)
                while cur.fetchmany(256):
                    pass
            except sqlcipher3.DatabaseError as exc:
                # "no query solution" (a partial index) and the like say nothing about damage.
                if _is_damage(exc):
                    bad.append(obj)
                    conn.close()
                    conn = connect()
    finally:
        conn.close()
    return bad


def _ranges(pages: list[int]) -> str:
    out: list[str] = []
    start = prev = pages[0]
    for p in [*pages[1:], None]:
        if p is not None and p == prev + 1:
            prev = p
            continue
        out.append(str(start) if start == prev else f"{start}–{prev}")
        if p is not None:
            start = prev = p
    return ", ".join(out)


def _name_damage(connect: Callable[[], sqlcipher3.Connection], bad_pages: list[int], total: int) -> list[str]:
    """One sentence per damaged page, saying what it belongs to where that can be told."""
    if total > 1 and len(bad_pages) == total:
        return [f"Не проходит проверку подлинности (HMAC) ни одна из {total} страниц vault.db: повреждено "
                "начало файла (соль шифрования) или файл заменён файлом другого хранилища"]
    owners: dict[int, str] = {}
    if 1 in bad_pages:
        owners[1] = "заголовок базы и перечень её таблиц — без этой страницы хранилище не открывается"
    objects = None
    if 1 not in bad_pages:
        conn = connect()
        try:
            objects = _objects(conn)
        finally:
            conn.close()
    leftovers: list[_Object] = []
    if objects is not None:
        by_root = {o.rootpage: o for o in objects}
        for p in bad_pages:
            if p in by_root:
                owners[p] = by_root[p].describe()
        # The rest lie deeper in some table or index: the ones that no longer read whole.
        unreadable = [o for o in _unreadable(connect, objects) if o.rootpage not in bad_pages]
        unnamed = [p for p in bad_pages if p not in owners]
        if len(unreadable) == 1:
            for p in unnamed:
                owners[p] = unreadable[0].describe()
        else:
            leftovers = unreadable
    out = []
    for p in bad_pages[:MAX_LISTED_PAGES]:
        what = owners.get(p, "чья это страница, установить не удалось (свободная страница или "
                             "продолжение повреждённой таблицы)")
        out.append(f"Повреждена страница {p} из {total} (не сходится код подлинности HMAC): {what}")
    if len(bad_pages) > MAX_LISTED_PAGES:
        rest = bad_pages[MAX_LISTED_PAGES:]
        out.append(f"Повреждены ещё {len(rest)} страниц: {_ranges(rest)}")
    out.extend(f"Не читается целиком: {o.describe()}" for o in leftovers)
    return out


# -- the checks --------------------------------------------------------------------------------
def _connect(db_path: Path, key: bytes) -> sqlcipher3.Connection:
    conn = sqlcipher3.connect(str(db_path), check_same_thread=False, isolation_level=None, timeout=10)
    # Each page that fails would otherwise be logged to stderr, in the middle of the report.
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    return conn


def check_file(db_path: Path, key: bytes) -> FileReport:
    """Every page of ``db_path`` against its HMAC, then the b-trees. Reads only; never raises
    for what it finds (a file that cannot be opened at all is a ``DamagedVault``)."""
    rep = FileReport()
    try:
        size = db_path.stat().st_size
    except FileNotFoundError:
        raise DamagedVault(tr("Файл хранилища vault.db не найден в папке профиля")) from None
    if size == 0:
        rep.problems.append("Файл хранилища vault.db пуст (0 байт): данные в нём утрачены")
        return rep
    try:
        conn = _connect(db_path, key)
    except sqlcipher3.DatabaseError as exc:
        raise DamagedVault(tr("Файл хранилища vault.db не открывается: {exc}").format(exc=exc)) from exc
    try:
        rep.page_size = int(conn.execute("PRAGMA cipher_page_size").fetchone()[0])
        rep.pages = -(-size // rep.page_size)
        try:
            findings = [str(r[0]) for r in conn.execute("PRAGMA cipher_integrity_check").fetchall()]
        except sqlcipher3.DatabaseError as exc:
            rep.problems.append(f"Проверка страниц шифрования не выполнена: {_db_error(exc)}")
            return rep
        other = []
        for text in findings:
            if m := _HMAC_FAILED.fullmatch(text):
                rep.damaged_pages.append(int(m.group(1)))
            elif m := _BAD_SIZE.fullmatch(text):
                rep.problems.append(
                    f"Последняя страница {m.group(1)} неполная: {m.group(2)} байт вместо {m.group(3)} — "
                    "файл vault.db обрезан или к нему что-то дописано")
            else:
                other.append(f"Проверка страниц шифрования (SQLCipher): {text}")
        rep.damaged_pages.sort()
        if rep.damaged_pages:
            rep.problems[:0] = _name_damage(lambda: _connect(db_path, key), rep.damaged_pages, rep.pages)
        rep.problems.extend(other)
        if not rep.damaged_pages:
            _check_structure(conn, rep)
    finally:
        conn.close()
    return rep


def _check_structure(conn: sqlcipher3.Connection, rep: FileReport) -> None:
    try:
        lines = [str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall()]
    except sqlcipher3.DatabaseError as exc:
        if _is_damage(exc):
            # Every page is authentic, yet SQLite cannot walk the b-trees: written so by someone
            # holding the key, or by a broken program — the structure itself is wrong.
            rep.problems.append("Нарушена структура базы (PRAGMA integrity_check): страницы подлинны, но "
                                f"SQLite не может пройти по её таблицам ({exc})")
        else:
            rep.problems.append(f"Проверка структуры базы не выполнена: {_db_error(exc)}")
        return
    rep.structure_checked = True
    if lines == ["ok"]:
        return
    # SQLite's own wording (English) names the page and the b-tree; it is kept as the detail.
    for line in lines[:MAX_STRUCTURE_LINES]:
        rep.problems.append(f"Нарушена структура базы (PRAGMA integrity_check): {line}")
    if len(lines) > MAX_STRUCTURE_LINES:
        rep.problems.append(f"… и ещё нарушений структуры: {len(lines) - MAX_STRUCTURE_LINES}")


def _db_error(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    if "locked" in text or "busy" in text:
        return "хранилище занято другой программой (закройте окно ФРМР или другую команду frmr и повторите)"
    if "malformed" in text or "not a database" in text:
        return "файл повреждён"
    return text


def _journal(verify: Callable[[], VerifyReport]) -> tuple[int | None, list[str]]:
    import sqlalchemy.exc

    try:
        rep = verify()
    except (sqlcipher3.DatabaseError, sqlalchemy.exc.DBAPIError, VaultError) as exc:
        reason = str(exc) if isinstance(exc, VaultError) else _db_error(exc)
        return None, [f"Журнал изменений не проверен: его не удаётся прочитать ({reason})"]
    return rep.entries, list(rep.problems)


def check_vault(vault: Vault, repo: RecordRepository | None = None) -> VaultCheck:
    """The whole check of an open vault (the GUI's, in the DB worker)."""
    file = vault.check_file()
    if repo is None:
        from desktop.models.repository import RecordRepository

        repo = RecordRepository(vault)
    return VaultCheck(file, *_journal(repo.verify_journal))


def check_profile(folder: Path, key: bytes) -> VaultCheck:
    """The whole check of a locked profile with its data key (``frmr audit verify``).

    The file is checked before the vault is opened: opening reads page 1 and fails if it is
    damaged, and then the other pages would go unreported."""
    from desktop.models.repository import RecordRepository
    from desktop.vault.layout import DB_NAME
    from desktop.vault.store import Vault

    file = check_file(folder / DB_NAME, key)
    try:
        vault = Vault(folder, key)
    except DamagedVault as exc:
        return VaultCheck(file, None, [f"Журнал изменений не проверен: хранилище не открывается ({exc})"])
    except sqlcipher3.DatabaseError as exc:
        return VaultCheck(file, None, [f"Журнал изменений не проверен: хранилище не открывается ({_db_error(exc)})"])
    with vault:
        # A page failing under the journal surfaces as a read error here, not as a crash.
        journal = _journal(lambda: RecordRepository(vault).verify_journal())
    return VaultCheck(file, *journal)
