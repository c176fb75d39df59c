"""The encrypted vault: one SQLCipher 4 database per profile, opened with a raw 256-bit key.

Files in a profile folder: ``vault.db`` (+ ``-wal``/``-shm`` while open, encrypted by
SQLCipher), ``keys.json`` (the data key, wrapped), ``attempts.json`` (failed unlocks),
``profile.json`` and ``settings.json`` (no personal data). All of them 0600 in a 0700
folder (``private``).
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlcipher3
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import QueuePool

from desktop.i18n import tr
from desktop.vault.errors import DamagedVault, VaultLocked
from desktop.vault.integrity import FileReport, check_file
from desktop.vault.keys import KdfParams, KeyFile, calibrate
from desktop.vault.layout import ATTEMPTS_NAME, DB_NAME, KEYS_NAME
from desktop.vault.private import create_private_file, private_dir, tighten_profile
from desktop.vault.unlock import load_keyfile, recover_data_key, unwrap_data_key

__all__ = ["ATTEMPTS_NAME", "DB_NAME", "KEYS_NAME", "LATEST_SCHEMA", "Vault", "migrate"]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def migrations() -> list[tuple[int, Path]]:
    out = []
    for p in sorted(MIGRATIONS_DIR.glob("*.sql")):
        m = re.match(r"(\d{4})_", p.name)
        if m:
            out.append((int(m.group(1)), p))
    return out


LATEST_SCHEMA = max(v for v, _ in migrations())


def _raw_connect(path: Path, key: bytes | bytearray) -> sqlcipher3.Connection:
    conn = sqlcipher3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=10)
    try:
        # SQLCipher logs each page it cannot decrypt to stderr; the DamagedVault below says it
        # once, in Russian, and the lines otherwise land in the middle of the CLI's output.
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{bytes(key).hex()}'\"")
        # Fail here, not on first use, if the key or the file is wrong.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA temp_store = MEMORY")  # no temporary files on disk at all
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlcipher3.DatabaseError as exc:
        conn.close()
        raise DamagedVault(
            tr("Файл хранилища повреждён или создан другой программой: его не удаётся расшифровать")
        ) from exc
    return conn


def _statements(sql: str) -> list[str]:
    """Split a migration at the ";" that end statements: a trigger's body holds ";" of its own,
    so pieces are joined until SQLite calls the text a complete statement."""
    out: list[str] = []
    buf = ""
    for piece in sql.split(";"):
        buf += piece + ";"
        if sqlcipher3.complete_statement(buf):
            if buf.strip(" \n\t;"):
                out.append(buf.strip())
            buf = ""
    if buf.strip(" \n\t;"):
        out.append(buf.strip())
    return out


_ADD_COLUMN = re.compile(r"^\s*ALTER\s+TABLE\s+(\w+)\s+ADD\s+COLUMN\s+(\w+)", re.IGNORECASE)


def _column_exists(conn: sqlcipher3.Connection, stmt: str) -> bool:
    """Whether ``stmt`` adds a column the table already has. SQLite has no ``ADD COLUMN IF NOT
    EXISTS``; without this a migration rerun over a vault whose version number is older than its
    tables (a restored or hand-repaired file) would stop at «duplicate column name»."""
    m = _ADD_COLUMN.match(stmt)
    if m is None:
        return False
    return any(row[1] == m.group(2) for row in conn.execute(f"PRAGMA table_info({m.group(1)})"))


def migrate(conn: sqlcipher3.Connection, target: int | None = None) -> int:
    """Apply pending schema migrations, each in its own transaction. Returns the new version."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    for version, path in migrations():
        if version <= current or (target is not None and version > target):
            continue
        # Comments go first: a ";" inside a comment must not split a statement.
        sql = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                        if not line.lstrip().startswith("--"))
        statements = _statements(sql)
        conn.execute("BEGIN IMMEDIATE")
        try:
            for stmt in statements:
                if not _column_exists(conn, stmt):
                    conn.execute(stmt)
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        current = version
    return current


class Vault:
    """An unlocked vault. ``close()`` (auto-lock) drops the engine and the key."""

    def __init__(self, folder: Path, data_key: bytes) -> None:
        self.folder = Path(folder)
        self.db_path = self.folder / DB_NAME
        self._key: bytearray | None = bytearray(data_key)
        self._lock = threading.Lock()
        # A profile made before files were created private (vault.db was 0644): tighten it
        # before SQLite opens the file and creates its -wal/-shm with the same mode.
        tighten_profile(self.folder)
        first = _raw_connect(self.db_path, self._key)
        try:
            self.schema_version = migrate(first)
        finally:
            first.close()
        self._engine: Engine | None = create_engine(
            # LIFO: the DB worker (one thread) gets back the connection it used last, whose page
            # cache already holds the decrypted pages of the list it reads again and again.
            "sqlite://", creator=self._connect, poolclass=QueuePool, pool_size=4, max_overflow=4, pool_use_lifo=True
        )
        event.listen(self._engine, "begin", _begin)

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def create(
        cls, folder: Path, passphrase: str, params: KdfParams | None = None
    ) -> tuple[Vault, str]:
        """New vault in an empty profile folder -> (vault, recovery key to show once)."""
        folder = Path(folder)
        private_dir(folder)
        if (folder / DB_NAME).exists() or (folder / KEYS_NAME).exists():
            raise DamagedVault(tr("В этой папке профиля уже есть хранилище"))
        _, data_key, recovery = KeyFile.create(folder / KEYS_NAME, passphrase, params or calibrate())
        # SQLite would create the file with 0644 (less the umask); made here first, empty and
        # 0600, SQLCipher starts a new database in it and -wal/-shm inherit the mode.
        create_private_file(folder / DB_NAME)
        return cls(folder, data_key), recovery

    @classmethod
    def open(cls, folder: Path, passphrase: str) -> Vault:
        return cls(Path(folder), unwrap_data_key(Path(folder), passphrase))

    @classmethod
    def open_with_recovery(cls, folder: Path, recovery_key: str, new_passphrase: str) -> Vault:
        """Unlock with the recovery key and set a new passphrase at once."""
        folder = Path(folder)
        key, kf, counter = recover_data_key(folder, recovery_key)
        vault = cls(folder, key)
        kf.rewrap(key, new_passphrase)
        counter.reset()
        return vault

    def change_passphrase(self, old: str, new: str) -> None:
        """Re-wrap the data key; the database is not re-encrypted."""
        kf = load_keyfile(self.folder / KEYS_NAME)
        key = kf.unwrap(old)
        kf.rewrap(key, new)

    # -- use -------------------------------------------------------------------------------
    def _connect(self) -> sqlcipher3.Connection:
        with self._lock:
            if self._key is None:
                raise VaultLocked(tr("Хранилище заблокировано"))
            return _raw_connect(self.db_path, self._key)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise VaultLocked(tr("Хранилище заблокировано"))
        return self._engine

    @property
    def is_open(self) -> bool:
        return self._engine is not None

    @contextlib.contextmanager
    def begin(self) -> Iterator[Connection]:
        """One transaction: everything inside commits together or not at all."""
        with self.engine.begin() as conn:
            yield conn

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    def close(self) -> None:
        """Lock: checkpoint the WAL into the file, drop every connection, forget the key."""
        engine = self._engine
        if engine is not None:
            with contextlib.suppress(Exception), engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        with self._lock:
            self._engine = None
            key, self._key = self._key, None
        if engine is not None:
            engine.dispose()
        if key is not None:
            for i in range(len(key)):
                key[i] = 0

    def check_file(self) -> FileReport:
        """SQLCipher's check of every page of ``vault.db`` and SQLite's of its structure, on a
        connection of its own (the pooled ones keep their state). Run it where DB work runs."""
        with self._lock:
            if self._key is None:
                raise VaultLocked(tr("Хранилище заблокировано"))
            key = bytes(self._key)
        return check_file(self.db_path, key)

    def snapshot_to(self, target: Path) -> None:
        """A consistent encrypted copy of the database in ``target`` (an empty private file),
        through SQLite's online backup: the window may go on writing meanwhile (WAL)."""
        with self._lock:
            if self._key is None:
                raise VaultLocked(tr("Хранилище заблокировано"))
            key = bytes(self._key)
        src = _raw_connect(self.db_path, key)
        try:
            dst = sqlcipher3.connect(str(target), check_same_thread=False, isolation_level=None)
            try:
                dst.execute("PRAGMA cipher_log_level = NONE")
                dst.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
                src.backup(dst)
                # The copy is one file: no -wal beside it to lose on the way into the archive.
                dst.execute("PRAGMA journal_mode = DELETE")
            finally:
                dst.close()
        finally:
            src.close()

    def subkey(self, purpose: bytes) -> bytes:
        """A key for one purpose (the audit MAC), derived from the data key while unlocked."""
        with self._lock:
            if self._key is None:
                raise VaultLocked(tr("Хранилище заблокировано"))
            return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(bytes(self._key))

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _begin(conn: Connection) -> None:
    # pysqlite-style drivers defer BEGIN until the first write; emit it ourselves so reads
    # made inside a transaction see the same snapshot as its writes.
    conn.exec_driver_sql("BEGIN")
