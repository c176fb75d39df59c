"""An organization's figures (issue 15), from the desktop and the CLI (Qt-free).

The server computes them (``GET /orgs/{inn}/report``, server/reports.py); the last answer is
kept in the vault's meta with the moment it was computed, so the manager's dashboard opens with
no network and says how old its figures are. Reading is all a manager may do: nothing here
changes anything on the server.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Self

from sqlalchemy import select

from desktop.i18n import tr
from desktop.models.repository import get_meta, set_meta
from desktop.models.tables import Meta
from desktop.sync.account import AccountClient, AccountError
from desktop.vault.store import Vault

CACHE_PREFIX = "org_report:"
REPORT_TIMEOUT_S = 120.0
#: the keys `frmr report org --format json` promises (a contract, docs/reports.md)
CONTRACT_KEYS = ("org_inn", "as_of", "headcount", "by_subdivision", "by_position", "expiring", "nmo_compliance",
                 "confirmations_pending", "requests_open")


@dataclass(frozen=True)
class Figures:
    """One organization's report and where it came from."""

    data: dict[str, Any]
    #: True: read from the vault (the server was not asked or not reachable)
    cached: bool

    @property
    def as_of(self) -> dt.datetime | None:
        try:
            return dt.datetime.fromisoformat(str(self.data.get("as_of")))
        except ValueError:
            return None

    def age_text(self, now: dt.datetime | None = None) -> str:
        """How old the figures are, in Russian («только что», «3 ч назад», «от 01.12.2026 10:15»)."""
        at = self.as_of
        if at is None:
            return tr("дата неизвестна")
        now = now or dt.datetime.now(dt.UTC)
        mins = int((now - at).total_seconds() // 60)
        if mins < 1:
            return tr("только что")
        if mins < 60:
            return tr("{n} мин назад").format(n=mins)
        if mins < 24 * 60:
            return tr("{n} ч назад").format(n=mins // 60)
        return tr("от {when}").format(when=at.astimezone().strftime("%d.%m.%Y %H:%M"))

    @property
    def empty(self) -> bool:
        return int(self.data.get("headcount") or 0) == 0


class ReportClient(AccountClient):
    """The signed-in account of one vault asking for its organizations' figures: the same
    connection, tokens and Russian failures as the account calls (``desktop.sync.account``)."""

    def __enter__(self) -> Self:
        return self

    def organizations(self) -> list[dict[str, Any]]:
        data = self._json("GET", "/orgs", "список организаций")
        return [dict(o) for o in data.get("organizations") or []]

    def report(self, inn: str, *, subdivision: str = "", position: str = "", date_from: str = "",
               date_to: str = "") -> dict[str, Any]:
        params = {k: v for k, v in (("subdivision", subdivision), ("position", position), ("date_from", date_from),
                                    ("date_to", date_to)) if v}
        return self._json("GET", f"/orgs/{inn}/report", "показатели организации", params=params)

    def people(self, inn: str, group: str, value: str = "", **flt: str) -> list[dict[str, Any]]:
        params = {"group": group, "value": value, **{k: v for k, v in flt.items() if v}}
        data = self._json("GET", f"/orgs/{inn}/report/people", "список сотрудников", params=params)
        return [dict(i) for i in data.get("items") or []]

    def _json(self, method: str, path: str, what: str, **kw: Any) -> dict[str, Any]:
        resp = self._call(method, path, what, **kw)
        try:
            data = resp.json()
        except ValueError as exc:
            raise AccountError(tr("Ответ сервера повреждён или оборван")) from exc
        if not isinstance(data, dict):
            raise AccountError(tr("Ответ сервера не соответствует протоколу"))
        return data


def pick_org(orgs: list[dict[str, Any]], wanted: str | None) -> str:
    """The organization asked for, or the only one the account has; a Russian reason otherwise."""
    inns = [str(o.get("inn")) for o in orgs]
    if wanted:
        if wanted not in inns:
            raise AccountError(f"Организация с ИНН {wanted} недоступна этой учётной записи"
                               + (f" (доступны: {', '.join(inns)})" if inns else ""))
        return wanted
    if len(inns) == 1:
        return inns[0]
    if not inns:
        raise AccountError(tr("У этой учётной записи нет организаций"))
    raise AccountError("Укажите организацию (--org ИНН): доступны " + ", ".join(inns))


def keep(vault: Vault, data: dict[str, Any]) -> None:
    """Keep the unfiltered figures for the next offline start (filtered views are not kept:
    the dashboard opens on the whole organization)."""
    if any((data.get("filters") or {}).values()):
        return
    with vault.begin() as conn:
        set_meta(conn, CACHE_PREFIX + str(data["org_inn"]), json.dumps(data, ensure_ascii=False))


def kept(vault: Vault, inn: str) -> Figures | None:
    with vault.read() as conn:
        raw = get_meta(conn, CACHE_PREFIX + inn)
    if not raw:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    return Figures(data, cached=True) if isinstance(data, dict) else None


def kept_orgs(vault: Vault) -> list[str]:
    """Organizations whose figures this vault keeps (the dashboard's choice when offline)."""
    t = Meta.__table__  # type: ignore[attr-defined]
    with vault.read() as conn:
        keys = conn.execute(select(t.c.key).where(t.c.key.startswith(CACHE_PREFIX))).scalars().all()
    return sorted(k[len(CACHE_PREFIX):] for k in keys)


def fetch(vault: Vault, inn: str | None = None, **flt: str) -> Figures:
    """Ask the server (and keep the answer); the caller falls back to ``kept`` when offline."""
    # a large organization's first count of the day takes seconds on the server (bench/org_report.py)
    with ReportClient(vault, timeout=REPORT_TIMEOUT_S) as c:
        chosen = pick_org(c.organizations(), inn)
        data = c.report(chosen, **flt)
    keep(vault, data)
    return Figures(data, cached=False)
