"""What the account pages share: the open vault, its repository and DB worker, and one way to
call the server off the GUI thread (a pool op around ``desktop.sync.account.AccountClient``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from PySide6.QtWidgets import QLabel, QWidget

from desktop.models.repository import RecordRepository
from desktop.sync.account import AccountClient
from desktop.vault.store import Vault
from desktop.views.runtime.errors import describe_error
from desktop.views.runtime.ops import Op, OpChanges
from desktop.views.runtime.workers import DbWorker

T = TypeVar("T")

_OK = "color: #1b5e20;"
_BAD = "color: #b00020;"


@dataclass(frozen=True)
class AccountPlace:
    vault: Vault
    repo: RecordRepository
    worker: DbWorker

    def server(self, parent: QWidget, fn: Callable[[AccountClient], T], ok: Callable[[T], None],
               failed: Callable[[BaseException], None], *, changes: OpChanges | None = None) -> Op:
        """``fn(client)`` in the pool (network, token refresh in the vault); callbacks on the GUI
        thread while ``parent`` lives."""
        vault = self.vault

        def run() -> T:
            with AccountClient(vault) as client:
                return fn(client)

        op = Op(parent, run, pool=True).success(ok).failure(failed)
        if changes is not None:
            op.changes(changes)
        return op.run()

    def local(self, parent: QWidget, fn: Callable[[], T], ok: Callable[[T], None],
              failed: Callable[[BaseException], None]) -> Op:
        """``fn()`` on the DB worker (reads and journal entries of the open vault)."""
        return Op(parent, fn, worker=self.worker).success(ok).failure(failed).run()


def status_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    return label


def say(label: QLabel, text: str, ok: bool = True) -> None:
    label.setStyleSheet(_OK if ok else _BAD)
    label.setText(text)


def say_error(label: QLabel, exc: BaseException) -> None:
    say(label, describe_error(exc), ok=False)


def ignore(_value: Any) -> None:
    return None
