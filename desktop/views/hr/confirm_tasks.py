"""«Подтверждение трудоустройства» off the GUI thread (no Qt here): the list of the documents
doctors sent, from the server (kept in the vault for offline use) or, offline, the last one kept;
the clerk's decisions as queued ``decide_confirmation`` actions (docs/actions.md), which reach
the server exactly once at the next sync; the document's bytes (kept in the vault once fetched).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desktop.i18n import tr
from desktop.models.repository import RecordRepository
from desktop.models.staff_requests import (
    cached_confirmations,
    reject_needs_reason,
    remember_confirmations,
    with_local_decisions,
)
from desktop.vault.store import Vault

#: the server's own bounds on one page of the list (server/api/confirmations.py)
PAGE = 500


@dataclass
class Listed:
    items: list[dict[str, Any]]
    #: empty when fresh from the server; else why the last kept list is shown
    note: str = ""


def _get(vault: Vault, path: str, params: dict[str, Any], timeout: float = 15.0) -> Any:
    """One GET with the vault's login (the token refreshed when due). In the pool: network."""
    from desktop.sync.auth import authorized_api

    with authorized_api(vault, timeout) as api:
        return api.request("GET", path, params=params).json()


def registry_person(vault: Vault, snils: str) -> dict[str, Any] | None:
    """The registry's answer about this СНИЛС (``desktop.sync.person_lookup``). In the pool: network."""
    from desktop.sync.person_lookup import registry_person as lookup

    return lookup(vault, snils)


def fetch(vault: Vault) -> list[dict[str, Any]]:
    """``GET /confirmations`` (pending ones) with the vault's login. In the pool: network."""
    from desktop.sync.api import BadAnswer

    data = _get(vault, "/confirmations", {"status": "pending", "limit": PAGE})
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise BadAnswer(tr("Ответ сервера о запросах подтверждения неполон"))
    return [dict(i) for i in items if isinstance(i, dict)]


def keep(repo: RecordRepository, items: list[dict[str, Any]]) -> Listed:
    """A fresh list: kept in the vault, with the clerk's decisions not sent yet. DB worker."""
    remember_confirmations(repo, items)
    return Listed(with_local_decisions(repo, items))


def kept(repo: RecordRepository, why: str) -> Listed:
    """Offline: the last list kept (with the decisions queued since). DB worker."""
    items, when = cached_confirmations(repo)
    if when is None:
        return Listed([], tr("{why}. Списка ещё нет: он появится после первой связи с сервером.").format(why=why))
    return Listed(with_local_decisions(repo, items),
                  tr("{why}. Показан список от {when}.").format(why=why, when=when[:16].replace("T", " ")))


def decide(repo: RecordRepository, items: list[dict[str, Any]], decision: str, reason: str
           ) -> tuple[int, list[str]]:
    """Queue one decision per request (offline too), each in its own transaction: (how many
    were queued, why the others were not — e.g. a decision already waiting). DB worker."""
    from desktop.models.validation import ValidationFailed
    from desktop.sync import actions

    done, refused = 0, []
    for item in items:
        pid = str(item.get("person_id") or "") or None
        try:
            actions.queue_action(repo, "decide_confirmation", str(item["id"]),
                                 {"decision": decision, "comment": reason}, person_id=pid)
            done += 1
        except ValidationFailed as exc:
            refused.append("; ".join(exc.errors.values()))
    return done, refused


def needs_reason(items: list[dict[str, Any]]) -> bool:
    return any(reject_needs_reason(i) for i in items)


def document(vault: Vault, sha256: str) -> bytes:
    """The document's bytes (from the vault, else from the server once). In the pool."""
    from desktop.sync.engine import SyncEngine

    return SyncEngine(vault).fetch_blob(sha256)
