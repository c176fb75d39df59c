"""The person's own server account, from the desktop and the CLI (Qt-free): password, second
factor, sessions, «Мой журнал», consent. Endpoints in docs/account.md.

Everything here needs the server; nothing is queued: an action either happens on the server
now or the caller is told it did not (``Offline``) — a half-done password change or enrolment
must never wait in a queue. Tokens come from the vault (``TokenKeeper``); a 401 is refreshed
once, like the sync does. Every failure is a ``SyncError`` whose ``str()`` is Russian.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import httpx

from desktop.i18n import tr
from desktop.models.repository import get_meta
from desktop.sync.api import Api, LoginNeeded, ServerProblem, SyncError, Transient, parse_problem
from desktop.sync.auth import SERVER_KEY, TokenKeeper, load_tokens, logout
from desktop.vault.store import Vault

#: the version of the consent text (desktop/views/access/consent_view.py) recorded on the server
CONSENT_VERSION = "152fz-2026-1"
WITHDRAWAL_TEXT = (
    "Согласие на обработку персональных данных действует до его отзыва. Чтобы отозвать его, "
    "направьте оператору ФРМР письменное заявление (ч. 2 ст. 9 Федерального закона № 152-ФЗ); "
    "оператор прекращает обработку и уничтожает данные в срок до 30 дней, кроме сведений, которые "
    "он обязан хранить по закону. На этом компьютере данные удаляются вместе с профилем."
)
#: what the journal's kinds are called (CLI --kind, the GUI's filter)
JOURNAL_KINDS: dict[str, str] = {
    "login": "Входы",
    "account": "Учётная запись",
    "record": "Изменения моей записи",
    "export": "Выгрузки",
    "signature": "Подписи",
}


class Offline(Transient):
    """The server could not be reached: nothing was done."""


class AccountError(SyncError):
    """The server refused (wrong password, policy, used code …); ``str()`` says why, in Russian."""

    def __init__(self, message: str, status: int = 0, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.errors = errors or {}


def _refused(problem: ServerProblem) -> AccountError:
    return AccountError(problem.detail or problem.title, problem.status, problem.errors)


def _send(api: Api, method: str, path: str, *, bearer: str | None, what: str, **kw: Any) -> httpx.Response:
    headers = dict(kw.pop("headers", None) or {})
    if bearer is not None:
        headers["Authorization"] = f"Bearer {bearer}"
    try:
        resp = api.http.request(method, path, headers=headers, **kw)
    except (httpx.TransportError, OSError) as exc:
        raise Offline(f"Нет связи с сервером: {what} — нужен сервер. Ничего не изменено, повторите, "
                      "когда связь появится.") from exc
    if resp.status_code == 401:
        raise LoginNeeded(parse_problem(resp).detail or "Требуется вход на сервер")
    if resp.status_code >= 500:
        raise Transient(f"Сервер временно недоступен ({resp.status_code}): {what} не выполнено.")
    if resp.status_code >= 400:
        # 429 too: «слишком много попыток» is the server's answer to this person, not a glitch
        raise _refused(parse_problem(resp))
    return resp


def _json(resp: httpx.Response) -> dict[str, Any]:
    try:
        data = resp.json()
    except ValueError as exc:
        raise Transient("Ответ сервера повреждён или оборван") from exc
    if not isinstance(data, dict):
        raise Transient("Ответ сервера не соответствует протоколу")
    return data


@dataclass(frozen=True)
class Enrolment:
    secret: str
    otpauth_uri: str
    #: the server's QR code as SVG (the GUI draws its own from the URI; the CLI can save this)
    qr_svg: bytes


@dataclass(frozen=True)
class SessionInfo:
    id: str
    created_at: float
    last_used_at: float
    ip: str
    client: str
    current: bool


_CLIENTS = (("frmr-desktop-sync", "ФРМР Desktop"), ("python-httpx", "скрипт (httpx)"), ("Firefox", "браузер Firefox"),
            ("Chrome", "браузер Chrome"), ("Safari", "браузер Safari"), ("tests", "тесты"))


def client_name(user_agent: str) -> str:
    """A person's word for the program behind a session (the User-Agent is shown as is otherwise)."""
    for marker, name in _CLIENTS:
        if marker in user_agent:
            return name
    return user_agent[:60] or "неизвестная программа"


class AccountClient:
    """The signed-in account of one vault. Use as a context manager (one HTTP connection)."""

    def __init__(self, vault: Vault, *, timeout: float = 15.0, server: str | None = None) -> None:
        self.vault = vault
        if server is None:
            with vault.read() as conn:
                server = get_meta(conn, SERVER_KEY) or ""
        if not server:
            raise LoginNeeded(tr("Сервер не задан: сначала войдите на сервер (frmr login или раздел «Синхронизация»)."))
        self.server = server.rstrip("/")
        self.keeper = TokenKeeper(vault, self.server)
        self.api = Api(self.server, timeout=timeout)

    def close(self) -> None:
        self.api.close()

    def __enter__(self) -> AccountClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, what: str, **kw: Any) -> httpx.Response:
        try:
            token = self.keeper.access_token(self.api)
        except Transient as exc:
            raise Offline(f"Нет связи с сервером: {what} — нужен сервер. Ничего не изменено.") from exc
        try:
            return _send(self.api, method, path, bearer=token, what=what, **kw)
        except LoginNeeded:
            # the access token may have run out in flight: one forced refresh, as the sync does
            token = self.keeper.access_token(self.api, force_refresh=True, stale=token)
            return _send(self.api, method, path, bearer=token, what=what, **kw)

    # -- who am I -----------------------------------------------------------------------------
    def me(self) -> dict[str, Any]:
        return _json(self._call("GET", "/me", "сведения об учётной записи"))

    # -- password -----------------------------------------------------------------------------
    def change_password(self, old: str, new: str) -> int:
        """The number of other sessions the change ended."""
        data = _json(self._call("POST", "/me/password", "смена пароля",
                                json={"old_password": old, "new_password": new}))
        return int(data.get("sessions_ended") or 0)

    # -- second factor ------------------------------------------------------------------------
    def enrol(self, password: str = "") -> Enrolment:
        data = _json(self._call("POST", "/me/totp/enrol", "подключение одноразовых кодов",
                                json={"password": password}))
        try:
            svg = base64.b64decode(str(data.get("qr_svg_base64") or ""))
            return Enrolment(str(data["secret"]), str(data["otpauth_uri"]), svg)
        except (KeyError, ValueError) as exc:
            raise Transient("Ответ сервера не соответствует протоколу") from exc

    def confirm(self, code: str) -> list[str]:
        code = re.sub(r"\s", "", code)
        if not (code.isdigit() and len(code) == 6):
            raise AccountError(tr("Одноразовый код — 6 цифр из приложения-аутентификатора."))
        data = _json(self._call("POST", "/me/totp/confirm", "подтверждение одноразовых кодов", json={"code": code}))
        return [str(c) for c in data.get("recovery_codes") or []]

    def new_recovery_codes(self, password: str) -> list[str]:
        data = _json(self._call("POST", "/me/totp/recovery-codes", "выдача кодов восстановления",
                                json={"password": password}))
        return [str(c) for c in data.get("recovery_codes") or []]

    # -- sessions -----------------------------------------------------------------------------
    def sessions(self) -> list[SessionInfo]:
        data = _json(self._call("GET", "/sessions", "список сеансов"))
        out = []
        for s in data.get("sessions") or []:
            out.append(SessionInfo(str(s["id"]), float(s["created_at"]), float(s["last_used_at"]), str(s["ip"]),
                                   client_name(str(s.get("user_agent") or "")), bool(s.get("current"))))
        return out

    def end_session(self, session_id: str) -> bool:
        """End one session; True when it was this one (then the vault is logged out, the
        outbox queue kept for the next login)."""
        current = next((s for s in self.sessions() if s.current), None)
        self._call("DELETE", f"/sessions/{session_id}", "завершение сеанса")
        if current is not None and current.id == session_id:
            logout(self.vault)
            return True
        return False

    def end_other_sessions(self) -> int:
        return int(_json(self._call("DELETE", "/sessions", "завершение других сеансов")).get("revoked") or 0)

    # -- the operator's tool ------------------------------------------------------------------
    def issue_reset_code(self, login: str) -> dict[str, Any]:
        """Operator only (the server refuses anyone else): a one-time reset code for ``login``,
        to hand to its owner, who sets the new password with it."""
        items = _json(self._call("GET", "/admin/accounts", "список учётных записей",
                                 params={"limit": 1000})).get("items") or []
        target = next((a for a in items if isinstance(a, dict) and a.get("login") == login.strip()), None)
        if target is None:
            raise AccountError(tr("Учётная запись «{login}» не найдена.").format(login=login))
        return _json(self._call("POST", f"/admin/accounts/{int(target['id'])}/reset-code", "выдача кода сброса"))

    # -- journal and consent ------------------------------------------------------------------
    def journal(self, *, since: float = 0, until: float = 0, kind: str = "") -> list[dict[str, Any]]:
        params: dict[str, Any] = {"limit": 2000}
        if since:
            params["since"] = since
        if until:
            params["until"] = until
        if kind:
            params["kind"] = kind
        items = _json(self._call("GET", "/me/journal", "журнал на сервере", params=params)).get("items") or []
        return [dict(i) for i in items if isinstance(i, dict)]

    def consents(self) -> list[dict[str, Any]]:
        items = _json(self._call("GET", "/me/consent", "сведения о согласии")).get("items") or []
        return [dict(i) for i in items if isinstance(i, dict)]

    def record_consent(self, given_at: str) -> dict[str, Any]:
        return _json(self._call("POST", "/me/consent", "запись согласия на сервере",
                                json={"version": CONSENT_VERSION, "given_at": given_at[:40]}))


def reset_password(server: str, login: str, code: str, new_password: str, *, timeout: float = 15.0) -> None:
    """The forgotten-password path: the operator's one-time code and a new password, no login."""
    with Api(server, timeout=timeout) as api:
        _send(api, "POST", "/account/password/reset", bearer=None, what="сброс пароля",
              json={"login": login.strip(), "code": code.strip(), "new_password": new_password})


def signed_in(vault: Vault) -> bool:
    return load_tokens(vault) is not None


def parse_day(text: str) -> float:
    """``ГГГГ-ММ-ДД`` or ``ДД.ММ.ГГГГ`` (the local midnight), or an ISO 8601 date and time, as
    epoch seconds; ValueError in Russian."""
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt).timestamp()
        except ValueError:
            continue
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        pass
    raise ValueError(tr("Дата «{text}» не распознана: укажите ГГГГ-ММ-ДД или ДД.ММ.ГГГГ").format(text=text))


def is_day(text: str) -> bool:
    """A bare date (a whole day), not a moment."""
    return len(text.strip()) == 10
