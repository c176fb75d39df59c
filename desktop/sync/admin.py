"""The registry operator's calls (role ``admin``, issue 15), from the desktop and the CLI (Qt-free).

Every decision happens on the server now or not at all: an operator deciding offline would only
learn at the next sync that a colleague decided first. The server decides who may do what
(server/api/admin.py, server/api/workflows.py); these calls check only what they can say better
before sending (a rejection needs a reason). Failures are ``AccountError`` / ``Offline`` /
``LoginNeeded`` with Russian messages, as for the account calls.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from desktop.i18n import tr
from desktop.sync.account import AccountError
from desktop.sync.reports import ReportClient

APPLICATION_STATUSES = {"submitted": "Подано", "in_review": "На рассмотрении", "approved": "Одобрено",
                        "rejected": "Отклонено", "draft": "Черновик"}
NMO_STATUSES = {"pending": "На подтверждении", "confirmed": "Подтверждено", "rejected": "Отклонено"}
#: the CLI's words for a decision -> the status the server sets
APPLICATION_DECISIONS = {"approve": "approved", "reject": "rejected", "review": "in_review"}
NMO_DECISIONS = {"confirm": "confirmed", "reject": "rejected"}
ROLES = {"doctor": "Медицинский работник", "hr": "Кадровая служба", "manager": "Руководитель",
         "admin": "Оператор регистра"}


@dataclass(frozen=True)
class Outcome:
    """One of several decisions: done, or refused with the server's reason."""

    row_id: str
    ok: bool
    message: str


class AdminClient(ReportClient):
    """The operator's console over one vault's signed-in account."""

    # -- accreditation applications ------------------------------------------------------------
    def applications(self, status: str = "submitted", limit: int = 500) -> list[dict[str, Any]]:
        if status and status not in APPLICATION_STATUSES:
            raise AccountError(f"Неизвестный статус «{status}»: " + ", ".join(APPLICATION_STATUSES))
        data = self._json("GET", "/admin/applications", "список заявлений", params={"status": status, "limit": limit})
        return [dict(i) for i in data.get("items") or []]

    def decide_application(self, row_id: str, decision: str, comment: str = "") -> dict[str, Any]:
        status = APPLICATION_DECISIONS.get(decision, decision)
        if status not in ("approved", "rejected", "in_review"):
            raise AccountError(tr("Решение: approve (одобрить), reject (отклонить) или review (на рассмотрение)"))
        if status == "rejected" and not comment.strip():
            raise AccountError(tr("Укажите причину отказа (--comment): отказ без причины не принимается"))
        return self._json("POST", f"/admin/applications/{row_id}/decision", "решение по заявлению",
                          json={"status": status, "comment": comment.strip()})

    def application_attachments(self, row_id: str) -> list[dict[str, Any]]:
        """The applicant's documents whose files the server holds (title, kind, mime, size, sha256)."""
        data = self._json("GET", f"/admin/applications/{row_id}/attachments", "вложения заявления")
        return [dict(i) for i in data.get("items") or []]

    def application_attachment(self, row_id: str, sha256: str) -> bytes:
        """One attachment's bytes, checked against its SHA-256 (a cut or altered answer is refused)."""
        resp = self._call("GET", f"/admin/applications/{row_id}/attachments/{sha256}", "файл вложения")
        data = bytes(resp.content)
        if hashlib.sha256(data).hexdigest() != sha256.lower():
            raise AccountError(tr("Файл вложения пришёл повреждённым: попробуйте открыть его ещё раз"))
        return data

    # -- НМО credits ---------------------------------------------------------------------------
    def nmo(self, status: str = "pending", limit: int = 500) -> list[dict[str, Any]]:
        if status and status not in NMO_STATUSES:
            raise AccountError(f"Неизвестный статус «{status}»: " + ", ".join(NMO_STATUSES))
        data = self._json("GET", "/admin/nmo", "баллы НМО на подтверждение", params={"status": status, "limit": limit})
        return [dict(i) for i in data.get("items") or []]

    def decide_nmo(self, row_ids: list[str], decision: str) -> list[Outcome]:
        """Each credit on its own: one refused (decided meanwhile) does not undo the others."""
        status = NMO_DECISIONS.get(decision, decision)
        if status not in ("confirmed", "rejected"):
            raise AccountError(tr("Решение: confirm (подтвердить) или reject (отклонить)"))
        out = []
        for rid in row_ids:
            try:
                self._json("POST", f"/admin/nmo/{rid}/decision", "решение по баллам НМО", json={"status": status})
            except AccountError as exc:
                out.append(Outcome(rid, False, str(exc)))
            else:
                out.append(Outcome(rid, True, NMO_STATUSES[status]))
        return out

    # -- accounts ------------------------------------------------------------------------------
    def accounts(self, role: str = "") -> list[dict[str, Any]]:
        data = self._json("GET", "/admin/accounts", "список учётных записей", params={"role": role, "limit": 1000})
        return [dict(i) for i in data.get("items") or []]

    def create_account(self, login: str, password: str, role: str, *, person_id: str | None = None,
                       org_inns: list[str] | None = None, display_name: str = "") -> dict[str, Any]:
        """The new account with its TOTP secret and recovery codes (shown once, to hand over)."""
        if role not in ROLES:
            raise AccountError(f"Неизвестная роль «{role}»: " + ", ".join(ROLES))
        body = {"login": login, "password": password, "role": role, "person_id": person_id,
                "org_inns": org_inns or [], "display_name": display_name}
        resp = self._call("POST", "/admin/accounts", "создание учётной записи", json=body)
        return dict(resp.json())

    def change_account(self, account_id: int, **change: Any) -> dict[str, Any]:
        """``disabled``, ``unlock``, ``reset_totp``, ``password`` as in PATCH /admin/accounts/{id}."""
        return self._json("PATCH", f"/admin/accounts/{account_id}", "изменение учётной записи", json=change)

    def account_id(self, login_or_id: str) -> int:
        if login_or_id.isdigit():
            return int(login_or_id)
        for a in self.accounts():
            if a.get("login") == login_or_id:
                return int(a["id"])
        raise AccountError(tr("Учётная запись «{login_or_id}» не найдена").format(login_or_id=login_or_id))

    # -- audit journal -------------------------------------------------------------------------
    def audit(self, *, action: str = "", login: str = "", since: dt.date | None = None,
              until: dt.date | None = None, limit: int = 1000) -> list[dict[str, Any]]:
        """The journal, oldest first, paged by id until ``limit`` entries."""
        params: dict[str, Any] = {"action": action, "login": login}
        if since:
            params["since"] = dt.datetime.combine(since, dt.time()).timestamp()
        if until:
            params["until"] = dt.datetime.combine(until + dt.timedelta(days=1), dt.time()).timestamp()
        out: list[dict[str, Any]] = []
        after = 0
        while len(out) < limit:
            page = self._json("GET", "/admin/audit", "журнал аудита",
                              params={**params, "after_id": after, "limit": min(1000, limit - len(out))})
            items = [dict(i) for i in page.get("items") or []]
            out.extend(items)
            if len(items) < min(1000, limit - len(out) + len(items)) or not items:
                break
            after = int(items[-1]["id"])
        return out

    # -- organizations and programmes ----------------------------------------------------------
    def create_org(self, inn: str, name: str, ogrn: str | None = None, kpp: str | None = None) -> dict[str, Any]:
        return self._json("POST", "/orgs", "добавление организации",
                          json={"inn": inn, "name": name, "ogrn": ogrn or None, "kpp": kpp or None})

    def programmes(self) -> list[dict[str, Any]]:
        data = self._json("GET", "/programmes", "каталог программ")
        return [dict(i) for i in data.get("items") or []]

    def create_programme(self, **fields: Any) -> dict[str, Any]:
        """``title``, ``provider``, ``specialty_code``, ``format``, ``hours``, ``begin_date``,
        ``end_date`` (ISO), ``seats`` as POST /programmes takes them."""
        return self._json("POST", "/programmes", "добавление программы", json=fields)

    def enrolments(self, programme_id: str) -> list[dict[str, Any]]:
        data = self._json("GET", f"/programmes/{programme_id}/enrolments", "записавшиеся на программу")
        return [dict(i) for i in data.get("items") or []]
