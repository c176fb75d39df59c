"""The open record as the GUI sees it: an in-memory copy of the vault's own person, kept
fresh by the DB worker. Table models read from here (never from the database), and every
write goes through here to the worker, which writes and then re-reads the changed entity in
the same job so the GUI gets consistent rows back in one hop.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop.models import listing
from desktop.models.nsi import NsiRegistry, shipped
from desktop.models.repository import DEFAULT_ROLE, RecordRepository, SaveResult
from desktop.models.schema import ENTITIES
from desktop.views.runtime.ops import Op, OpChanges
from desktop.views.runtime.workers import DbWorker


@dataclass
class Loaded:
    rows: dict[str, list[dict[str, Any]]]
    pending: int
    nsi: NsiRegistry
    consent: str | None
    role: str = DEFAULT_ROLE


@dataclass
class Written:
    entity: str
    result: SaveResult | None
    rows: list[dict[str, Any]]
    person: list[dict[str, Any]] = field(default_factory=list)
    pending: int = 0
    #: the row written, when the write knows it (a delete)
    row_id: str | None = None
    #: an edit's row as it is now, by rowid (lists update that one row at once)
    fresh: dict[int, dict[str, Any]] = field(default_factory=dict)
    #: the fields an edit changed; None for an add or a delete (a list's rows may come or go)
    fields: frozenset[str] | None = None


@dataclass(frozen=True)
class WrittenRows:
    """One edit as lists need it: the row by rowid and the fields it changed."""

    entity: str
    rows: dict[int, dict[str, Any]]
    fields: frozenset[str]


class RecordStore(QObject):
    #: an entity's rows were replaced (after load, a write, or a lock)
    changed = Signal(str)
    pending_changed = Signal(int)
    #: the first snapshot has arrived
    loaded = Signal()
    #: a re-read after someone else wrote to the vault (a sync) finished: the entities whose
    #: rows differed (``changed`` was emitted for each of them, and only for them)
    reloaded = Signal(list)
    #: an edit committed (a ``WrittenRows``); emitted just before its ``changed``, so a list can
    #: repaint the row at once and skip re-reading itself when the edit cannot move rows
    rows_written = Signal(object)

    def __init__(self, worker: DbWorker, repo: RecordRepository, folder: Path,
                 settings: dict[str, Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self._repo: RecordRepository | None = repo
        self.folder = folder
        self.settings = settings
        self._rows: dict[str, list[dict[str, Any]]] = {name: [] for name in ENTITIES}
        self.nsi: NsiRegistry = shipped()
        self.pending = 0
        self.consent: str | None = None
        #: the vault's role (stored at login): forms offer only what its workflow rules allow
        self.role = DEFAULT_ROLE
        self.is_loaded = False

    # -- reading (memory only) -------------------------------------------------------------
    def rows(self, entity: str) -> list[dict[str, Any]]:
        return self._rows.get(entity, [])

    def person(self) -> dict[str, Any] | None:
        rows = self._rows.get("person") or []
        return rows[0] if rows else None

    @property
    def repo(self) -> RecordRepository:
        if self._repo is None:
            raise RuntimeError("record store is cleared (vault locked)")
        return self._repo

    # -- loading ---------------------------------------------------------------------------
    def load(self, on_error: Callable[[BaseException], None]) -> Op:
        repo = self.repo

        def work() -> Loaded:
            return Loaded(repo.snapshot(), repo.pending_count(), repo.nsi(), repo.consent_given(), repo.role())

        return Op(self, work, worker=self.worker).success(self._on_loaded).failure(on_error, owner=None).run()

    def _on_loaded(self, data: Loaded) -> None:
        if self._repo is None:  # locked while the snapshot was on its way
            return
        self._rows = {name: list(data.rows.get(name, [])) for name in ENTITIES}
        self.nsi = data.nsi
        self.consent = data.consent
        self.role = data.role
        self.pending = data.pending
        self.is_loaded = True
        for name in ENTITIES:
            self.changed.emit(name)
        self.pending_changed.emit(self.pending)
        self.loaded.emit()

    def reload(self, on_error: Callable[[BaseException], None] | None = None) -> Op:
        """Re-read the record after the vault was written behind the store's back (a sync pull,
        a conflict decided in another view) — in the DB worker, queued after any pending save,
        so the rows come back consistent with every write the GUI made.

        Unlike ``load`` it does not emit ``loaded`` (which rebuilds the record page) and it
        emits ``changed`` only for entities whose rows really differ: a table whose rows a sync
        left alone keeps its selection, scroll position and open details instead of being
        reset for nothing. The op's ``done`` carries the list of changed entities, and it
        announces them (``OpChanges``).
        """
        repo = self.repo

        def work() -> tuple[dict[str, list[dict[str, Any]]], int, str]:
            return repo.snapshot(), repo.pending_count(), repo.role()

        def done(data: tuple[dict[str, list[dict[str, Any]]], int, str]) -> list[str]:
            rows, pending, role = data
            if self._repo is not repo:
                return []
            self.role = role  # a login since the last read may have changed it
            return self.apply_snapshot(rows, pending)

        op = Op(self, work, worker=self.worker).commit(done, owner=self).changes(lambda names: OpChanges.of(names))
        return op.failure(on_error or (lambda _exc: None)).run()

    def apply_snapshot(self, rows: Mapping[str, list[dict[str, Any]]], pending: int) -> list[str]:
        """Take fresh rows read from the vault (GUI thread): replace what differs, announce it.

        Entities missing from ``rows`` are taken as empty, like ``load`` does. Returns the
        entities that changed; ``pending_changed`` fires only when the count moved.
        """
        changed = []
        for name in ENTITIES:
            fresh = list(rows.get(name, []))
            if fresh != self._rows.get(name, []):
                self._rows[name] = fresh
                changed.append(name)
        for name in changed:
            self.changed.emit(name)
        if pending != self.pending:
            self.pending = pending
            self.pending_changed.emit(pending)
        self.reloaded.emit(changed)
        return changed

    # -- writing ---------------------------------------------------------------------------
    def save(self, entity: str, row_id: str | None, values: Mapping[str, Any], parent: QObject | None = None) -> Op:
        """Add (``row_id`` None) or edit: a running op whose success value is the ``SaveResult``.
        Callbacks attached to it (``.success``/``.failure``) belong to ``parent``."""
        repo = self.repo
        values = dict(values)

        def work() -> Written:
            if row_id is None:
                return self._reread(repo, entity, repo.add(entity, values))
            res = repo.edit(entity, row_id, values)
            written = self._reread(repo, entity, res)
            written.fields = frozenset(res.changed)
            written.fresh = self._fresh(repo, entity, res.id)
            return written

        return self._write(work, parent)

    def delete(self, entity: str, row_id: str, parent: QObject | None = None) -> Op:
        repo = self.repo

        def work() -> Written:
            repo.delete(entity, row_id)
            written = self._reread(repo, entity, None)
            written.row_id = row_id
            return written

        return self._write(work, parent)

    def write_with(self, entity: str, fn: Callable[[RecordRepository], Any], parent: QObject | None = None) -> Op:
        """Any other repository write (a stored document): ``fn(repo)`` runs in the DB worker and
        ``entity`` is re-read in the same op; its success value is ``fn``'s result."""
        repo = self.repo

        def work() -> Written:
            value = fn(repo)
            written = self._reread(repo, entity, None)
            written.result = value
            return written

        return self._write(work, parent)

    def record_consent(self) -> Op:
        repo = self.repo

        def work() -> str:
            return repo.record_consent()

        return Op(self, work, worker=self.worker).success(self._on_consent).run()

    def _on_consent(self, ts: str) -> None:
        self.consent = ts

    @staticmethod
    def _fresh(repo: RecordRepository, entity: str, row_id: str) -> dict[int, dict[str, Any]]:
        with repo.vault.read() as conn:
            raw: Any = conn.connection.dbapi_connection
            return listing.fetch_rows(raw, entity, listing.rowids_of(raw, entity, [row_id]).values())

    @staticmethod
    def _reread(repo: RecordRepository, entity: str, res: SaveResult | None) -> Written:
        pid = repo.person_id()
        # Only the vault's own person: a large (HR) vault must never be pulled whole into the GUI.
        rows = repo.list(entity, pid) if entity != "person" and pid else []
        person: list[dict[str, Any]] = []
        if entity == "person" and pid is not None:
            got = repo.get("person", pid)
            person = [got] if got else []
        return Written(entity, res, rows, person, repo.pending_count())

    def _write(self, work: Callable[[], Written], parent: QObject | None) -> Op:
        changes = OpChanges()

        def take(w: Written) -> Any:
            # The store takes the rows whoever asked (a dialog closed meanwhile still saved).
            nonlocal changes
            if self._repo is not None:
                self._rows[w.entity] = w.person if w.entity == "person" else w.rows
                self.pending = w.pending
                if w.fields is not None:
                    self.rows_written.emit(WrittenRows(w.entity, w.fresh, w.fields))
                self.changed.emit(w.entity)
                self.pending_changed.emit(w.pending)
            row_id = w.row_id or getattr(w.result, "row_id", None) or getattr(w.result, "id", None)
            changes = OpChanges.of(w.entity, [row_id] if isinstance(row_id, str) else [], outbox=True)
            return w.result

        return Op(parent or self, work, worker=self.worker).commit(take, owner=self).changes(
            lambda _r: changes).run()

    # -- locking ---------------------------------------------------------------------------
    def clear(self) -> None:
        """Forget every row and the repository (auto-lock): models empty themselves."""
        self._repo = None
        self.is_loaded = False
        self._rows = {name: [] for name in ENTITIES}
        self.consent = None
        self.pending = 0
        for name in ENTITIES:
            self.changed.emit(name)
        self.pending_changed.emit(0)
