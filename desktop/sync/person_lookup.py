"""«Есть ли в регистре человек с этим СНИЛС?» — one ``GET /persons`` with the vault's login (issue 13).

Shared by «Добавить сотрудника» (in the pool) and ``frmr staff add-person``. The server answers
with the person's id and, for one of the clerk's staff, their row and its version; for anyone
else only that the СНИЛС exists (server/api/records.py). What to do with the answer is
``desktop.models.staff_link``'s.
"""

from __future__ import annotations

from typing import Any

from desktop.sync.api import ServerProblem
from desktop.sync.auth import authorized_api
from desktop.vault.store import Vault


def registry_person(vault: Vault, snils: str, timeout: float = 8.0) -> dict[str, Any] | None:
    """``{"person_id", "in_my_organizations", "fields"[, "version"]}``, or None when the registry
    has nobody with this СНИЛС. Network: never on the GUI thread. Raises ``LoginNeeded`` without
    a login, ``Transient`` when the server cannot be reached."""
    with authorized_api(vault, timeout) as api:
        try:
            data = api.request("GET", "/persons", params={"snils": snils}).json()
        except ServerProblem as exc:
            if exc.status == 404:
                return None
            raise
    if not isinstance(data, dict) or not isinstance(data.get("person_id"), str):
        return None
    return dict(data)
