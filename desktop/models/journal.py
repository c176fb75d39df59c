"""«Мой журнал» on this computer: the vault's hash-chained journal (``desktop.models.audit``),
read as a person's history, and the entries that are not record edits — unlocks, failed
unlocks, exports and signatures.

A failed unlock cannot be written when it happens (the vault is closed, its key unknown); the
on-disk attempt counter (``desktop.vault.attempts``) remembers it, and the next successful
unlock journals how many failures came before it. Entries name what was done, never values:
no file names (they may contain a person's name), only kinds and formats.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.vault.attempts import AttemptCounter
from desktop.vault.layout import ATTEMPTS_NAME

if TYPE_CHECKING:  # the unlock reads the counter before the database stack is imported
    from desktop.models.repository import RecordRepository

log = logging.getLogger("frmr.journal")

#: local action -> journal kind (the server's kinds: docs/account.md); anything else is "record"
_KIND_OF: dict[str, str] = {
    "unlock": "login",
    "unlock_failed": "login",
    "consent_152fz": "account",
    "export": "export",
    "sign": "signature",
}


def kind_of(action: str) -> str:
    return _KIND_OF.get(action, "record")


@dataclass(frozen=True)
class FailedUnlocks:
    count: int
    #: epoch seconds of the last one (0 when none)
    last: float


def failed_unlocks(folder: Path) -> FailedUnlocks:
    """Read before unlocking: a successful unlock resets the counter."""
    counter = AttemptCounter(Path(folder) / ATTEMPTS_NAME)
    failures, last = counter._read()
    return FailedUnlocks(max(0, failures), last if failures else 0.0)


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat(timespec="seconds")


def record_unlock(repo: RecordRepository, before: FailedUnlocks, how: str = "passphrase") -> None:
    """Journal an unlock (``how``: passphrase or recovery_key) and the failures that preceded it.

    Best effort: an unlock never fails because its journal entry could not be written (a
    damaged journal is reported by the vault check, which is where the person looks for it).
    """
    import sqlcipher3
    from sqlalchemy.exc import SQLAlchemyError

    from desktop.vault.errors import VaultError

    try:
        with repo.vault.begin() as conn:
            if before.count:
                repo._journal(conn, "unlock_failed", "vault", _iso(before.last), [f"попыток: {before.count}"])
            repo._journal(conn, "unlock", "vault", "", [how])
    except (VaultError, SQLAlchemyError, sqlcipher3.DatabaseError) as exc:
        log.warning("unlock not journaled: %s", type(exc).__name__)


def record_export(repo: RecordRepository, what: str, fmt: str, row_id: str = "") -> None:
    """An export the person made: ``what`` (document kind, section), ``fmt`` (pdf, xlsx, csv …)."""
    with repo.vault.begin() as conn:
        repo._journal(conn, "export", what, row_id, [fmt])


def record_signature(repo: RecordRepository, what: str, fmt: str, row_id: str = "") -> None:
    """A signature the person made (``fmt``: pades, cms, gost …)."""
    with repo.vault.begin() as conn:
        repo._journal(conn, "sign", what, row_id, [fmt])


def _epoch(ts: str) -> float:
    try:
        return dt.datetime.fromisoformat(ts).timestamp()
    except ValueError:
        return 0.0


def local_entries(repo: RecordRepository, *, since: float = 0, until: float = 0, kind: str = "",
                  limit: int = 5000) -> list[dict[str, Any]]:
    """The vault's journal, newest first, in the same shape as the server's ``/me/journal``."""
    from sqlalchemy import select

    from desktop.models.tables import Audit

    t = Audit.__table__  # type: ignore[attr-defined]
    with repo.vault.read() as conn:
        rows = conn.execute(select(t.c.ts, t.c.user, t.c.host, t.c.action, t.c.entity, t.c.entity_id, t.c.fields)
                            .order_by(t.c.seq.desc())).all()
    out: list[dict[str, Any]] = []
    for ts, user, host, action, entity, entity_id, fields in rows:
        at = _epoch(ts)
        k = kind_of(action)
        if (since and at < since) or (until and at > until) or (kind and k != kind):
            continue
        try:
            names = [str(f) for f in json.loads(fields)]
        except (ValueError, TypeError):
            names = []
        out.append({"at": at, "kind": k, "action": action, "who": f"{user}@{host}", "ip": "", "entity": entity,
                    "entity_id": entity_id, "fields": names, "detail": "", "source": "local"})
        if len(out) >= limit:
            break
    return out


#: what a person reads for an action, server's and local
ACTION_TEXT: dict[str, str] = {
    "login": "Вход на сервер",
    "login_failed": "Неудачный вход на сервер",
    "logout": "Выход",
    "code_replay": "Повтор кода входа: сеанс отозван",
    "refresh_reuse": "Повторное использование токена: сеанс отозван",
    "password_change": "Смена пароля",
    "password_change_failed": "Неудачная смена пароля",
    "password_reset": "Пароль задан по коду сброса",
    "password_reset_failed": "Неудачный сброс пароля",
    "reset_code_issued": "Оператор выдал код сброса пароля",
    "totp_enrol_start": "Начато подключение одноразовых кодов",
    "totp_enrol_failed": "Неудачная замена устройства",
    "totp_enrolled": "Одноразовые коды подключены",
    "totp_replaced": "Устройство одноразовых кодов заменено",
    "totp_recovery_codes": "Выданы новые коды восстановления",
    "totp_recovery_codes_failed": "Неудачная выдача кодов восстановления",
    "account_change": "Оператор изменил учётную запись",
    "account_create": "Учётная запись создана",
    "session_revoke": "Сеанс завершён",
    "sessions_revoke_others": "Завершены другие сеансы",
    "consent_recorded": "Согласие на обработку ПДн записано на сервере",
    "consent_152fz": "Согласие на обработку ПДн",
    "change": "Изменение записи",
    "last_change": "Последнее изменение строки",
    "unlock": "Хранилище открыто",
    "unlock_failed": "Неудачные попытки открыть хранилище",
    "export": "Выгрузка",
    "sign": "Подпись",
    "add": "Добавление",
    "edit": "Изменение",
    "delete": "Удаление",
    "import": "Загрузка",
    "nsi_import": "Загрузка справочника",
}


def action_text(action: str) -> str:
    if action.startswith("action:"):
        return "Действие: " + action.split(":", 1)[1]
    return ACTION_TEXT.get(action, action)
