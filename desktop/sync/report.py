"""What a sync did and how it ended: the report, the outcomes and ``frmr sync`` exit codes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from desktop.i18n import N_, tr, trn

LAST_OK_KEY = "sync_last_ok"
STATE_KEY = "sync_state"
DETAIL_KEY = "sync_detail"

# Exit codes of ``frmr sync`` (issue 4), also what the GUI maps to its status text.
EXIT_CONVERGED = 0
EXIT_DIVERGED = 1
EXIT_WAITING = 3
EXIT_UNREACHABLE = 4
EXIT_LOGIN = 5
EXIT_TOO_OLD = 6

OUTCOME_EXIT = {
    "converged": EXIT_CONVERGED, "waiting": EXIT_WAITING, "unreachable": EXIT_UNREACHABLE,
    "login_needed": EXIT_LOGIN, "client_too_old": EXIT_TOO_OLD, "diverged": EXIT_DIVERGED,
    "cancelled": EXIT_UNREACHABLE, "busy": EXIT_UNREACHABLE, "error": EXIT_DIVERGED,
}

OUTCOME_TEXT = {
    "converged": N_("Синхронизировано"),
    "waiting": N_("Синхронизировано; есть конфликты или отклонённые записи — нужно ваше решение"),
    "unreachable": N_("Сервер недоступен — изменения сохранены и будут отправлены позже"),
    "login_needed": N_("Требуется вход на сервер — изменения сохранены и ждут отправки"),
    "client_too_old": N_("Версия приложения устарела — обновите ФРМР Desktop"),
    "diverged": N_("Данные не совпали с сервером даже после повторной загрузки"),
    "cancelled": N_("Синхронизация прервана"),
    "busy": N_("Синхронизация уже идёт"),
    "error": N_("Ошибка синхронизации"),
}


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass
class SyncReport:
    outcome: str = "converged"
    message: str = ""
    pushed: int = 0
    applied: int = 0
    conflicts_new: int = 0
    rejected_new: int = 0
    pulled: int = 0
    #: pulled changes the vault already held (the echo of our own pushed edits): not written
    echoes: int = 0
    #: entity -> rows the pulls wrote (upserted, deleted, rebased); an entity not here was left alone
    changed: dict[str, int] = field(default_factory=dict)
    repulled: list[str] = field(default_factory=list)
    #: persons the server said left this account's scope (their rows without local work dropped)
    scope_exits: int = 0
    blobs_uploaded: int = 0
    retries: int = 0
    #: why the convergence check ran ("" = it did not: nothing suggested a divergence)
    checked: str = ""
    #: bytes on the wire (sent, received) and plain bytes received, and HTTP requests made
    bytes_sent: int = 0
    bytes_received: int = 0
    bytes_plain: int = 0
    requests: int = 0
    pending: int = 0
    conflicts: int = 0
    rejected: int = 0
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return OUTCOME_EXIT.get(self.outcome, EXIT_DIVERGED)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "exit_code": self.exit_code}


#: progress(phase, done, total-or-None): "push" | "pull" | "check" | "repull"; during a pull
#: ``done`` is the rows received and ``total`` the server's count of the feed once known
Progress = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class Transfer:
    """How a pull is going, for a slow link: what arrived, what is left, how long that may take."""

    #: rows received (not all written yet) and the rows the feed had when the pull started
    #: (None until the server said; the first page does not ask)
    rows: int
    rows_total: int | None
    #: bytes received on the wire (compressed) and once inflated
    wire_bytes: int
    plain_bytes: int
    seconds: float
    #: estimated seconds left, from the rate so far (None: not known yet)
    eta: float | None

    def text(self) -> str:
        """A Russian line for a status bar: «Получено 35 000 из 120 000 записей (3,1 МБ), осталось ~40 с»."""
        rows = f"{self.rows:,}".replace(",", "\u00a0")
        mb = f"{self.wire_bytes / 1e6:.1f}".replace(".", ",")
        if self.rows_total:
            line = trn("Получено {rows} из {total} записи ({mb} МБ)", "Получено {rows} из {total} записей ({mb} МБ)",
                       "Получено {rows} из {total} записей ({mb} МБ)", self.rows_total).format(
                rows=rows, total=f"{self.rows_total:,}".replace(",", "\u00a0"), mb=mb)
        else:
            line = trn("Получена {rows} запись ({mb} МБ)", "Получено {rows} записи ({mb} МБ)",
                       "Получено {rows} записей ({mb} МБ)", self.rows).format(rows=rows, mb=mb)
        if self.eta is None:
            return line
        return line + tr(", осталось ~{left}").format(left=_duration(self.eta))


def _duration(seconds: float) -> str:
    s = max(1, round(seconds))
    return tr("{n} с").format(n=s) if s < 90 else tr("{n} мин").format(n=round(s / 60))


#: on_transfer(Transfer): called from the pull's threads as pages arrive and are written
TransferHook = Callable[[Transfer], None]
