"""Login: OAuth 2.0 authorization code + PKCE (RFC 7636) with a loopback redirect (RFC 8252).

Two front ends of one flow:

* :func:`login_browser` — the GUI: a one-shot HTTP listener on 127.0.0.1, the system browser
  shows the server's own login page, the redirect brings the code back to the listener;
* :func:`login_scripted` — ``frmr login`` and tests: the same two requests a browser would
  make (GET the form, POST the credentials), the code read from the redirect's Location.

Tokens are kept in the vault (``secret`` table, inside the SQLCipher database), never on disk
in clear. Unlocking the vault never needs the server; only sync does.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import hashlib
import html
import json
import logging
import secrets
import socket
import threading
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from desktop.i18n import tr
from desktop.models.repository import PERSON_KEY, get_meta, remember_account, set_meta
from desktop.sync.api import OAUTH_CLIENT_ID, Api, Cancelled, LoginNeeded, ServerProblem, Transient, parse_problem
from desktop.sync.tables import SYNC_ROW
from desktop.vault.secrets import delete_secret, get_secret, put_secret
from desktop.vault.store import Vault

TOKENS_SECRET = "sync_tokens"
SERVER_KEY = "sync_server"
ACCOUNT_KEY = "sync_account"
CURSOR_KEY = "sync_cursor"
#: refresh this many seconds before the access token runs out, so a request never races expiry
EXPIRY_MARGIN = 30.0
#: attempts of one refresh whose answer didn't arrive (same retry_key), and the pauses between
REFRESH_ATTEMPTS = 3
REFRESH_PAUSES = (0.2, 1.0)

log = logging.getLogger("frmr.sync")


@dataclass
class Tokens:
    server: str
    access_token: str
    refresh_token: str
    expires_at: float
    role: str = ""
    user: dict[str, Any] = field(default_factory=dict)
    #: the key of a refresh of ``refresh_token`` that was sent but not answered yet (or whose
    #: answer was lost): kept with the tokens, so that a retry — even after a crash — repeats
    #: the same exchange, which the server answers with a fresh pair instead of revoking the
    #: family; "" when no refresh is under way
    retry_key: str = ""

    @classmethod
    def from_answer(cls, server: str, answer: dict[str, Any]) -> Tokens:
        return cls(
            server=server,
            access_token=str(answer["access_token"]),
            refresh_token=str(answer.get("refresh_token") or ""),
            expires_at=time.time() + float(answer.get("expires_in") or 300),
            role=str(answer.get("role") or answer.get("scope") or ""),
            user=dict(answer.get("user") or {}),
        )

    def expired(self, now: float | None = None) -> bool:
        return (now or time.time()) >= self.expires_at - EXPIRY_MARGIN


def load_tokens(vault: Vault) -> Tokens | None:
    raw = get_secret(vault, TOKENS_SECRET)
    if not raw:
        return None
    try:
        d = json.loads(raw.decode())
        # Fields a newer version may have added are ignored, not a reason to log in again.
        known = {f.name for f in dataclasses.fields(Tokens)}
        return Tokens(**{k: v for k, v in d.items() if k in known})
    except (ValueError, TypeError, AttributeError):
        return None


def save_tokens(vault: Vault, tokens: Tokens) -> None:
    put_secret(vault, TOKENS_SECRET, json.dumps(tokens.__dict__, ensure_ascii=False).encode())


def forget_tokens(vault: Vault) -> None:
    delete_secret(vault, TOKENS_SECRET)


_REFRESH_LOCKS: dict[str, threading.Lock] = {}
_REFRESH_LOCKS_GUARD = threading.Lock()


def _refresh_lock(folder: Path) -> threading.Lock:
    """One refresh at a time per vault in this process (the sync and a document download may
    both find the access token expired): the second waits and takes the rotated pair, instead
    of presenting the refresh token the first just used — a reuse that revokes the family."""
    key = str(Path(folder).resolve())
    with _REFRESH_LOCKS_GUARD:
        return _REFRESH_LOCKS.setdefault(key, threading.Lock())


class TokenKeeper:
    """Hands out a valid access token, refreshing (and persisting the rotated pair) when due.

    A refresh that the server refuses (``invalid_grant``: expired, revoked, reused) drops
    the tokens and raises LoginNeeded; a refresh that cannot reach the server raises
    Transient — the queue simply waits in both cases.

    A lost answer to a refresh is not a reason to log in again: the server rotated the
    refresh token and we never saw the new one. Every refresh carries a ``retry_key`` stored
    with the tokens before the request goes out; presenting the old refresh token again with
    the same key (within the server's 120 s) gets a fresh pair instead of revoking the family.
    """

    def __init__(self, vault: Vault, server: str, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self.vault = vault
        self.server = server.rstrip("/")
        self._lock = _refresh_lock(vault.folder)
        self._sleep = sleep

    def current(self) -> Tokens | None:
        t = load_tokens(self.vault)
        if t is None or t.server.rstrip("/") != self.server:
            return None
        return t

    def access_token(self, api: Api, force_refresh: bool = False, *, stale: str | None = None) -> str:
        """A valid access token. ``force_refresh``: the server refused the current one (401);
        ``stale`` is that token — if another thread has refreshed meanwhile, its pair is used."""
        with self._lock:
            t = self.current()
            if t is None:
                raise LoginNeeded(tr("Требуется вход на сервер"))
            if force_refresh and stale is not None and t.access_token != stale and not t.expired():
                return t.access_token
            if not force_refresh and not t.expired():
                return t.access_token
            if not t.refresh_token:
                raise LoginNeeded(tr("Срок действия входа истёк"))
            return self._refresh(api, t)

    def _refresh(self, api: Api, t: Tokens) -> str:
        if not t.retry_key:
            # Stored before the request leaves: a crash between sending and the answer must
            # still be able to repeat this exchange rather than start another one.
            t.retry_key = secrets.token_urlsafe(24)
            save_tokens(self.vault, t)
        form = {"grant_type": "refresh_token", "refresh_token": t.refresh_token, "client_id": OAUTH_CLIENT_ID,
                "retry_key": t.retry_key}
        for attempt in range(REFRESH_ATTEMPTS):
            try:
                answer = api.token(form)
                break
            except LoginNeeded:
                forget_tokens(self.vault)
                raise
            except Transient as exc:
                # The server may have rotated the token and the answer got lost: the same
                # token and key again (the key stays stored for a later sync, too).
                if attempt + 1 >= REFRESH_ATTEMPTS:
                    raise
                log.info("sync: token refresh — %s (%s); repeating it with the same retry_key", exc,
                         type(exc.__cause__).__name__)
                self._sleep(REFRESH_PAUSES[min(attempt, len(REFRESH_PAUSES) - 1)])
        new = Tokens.from_answer(self.server, answer)
        if not new.refresh_token:
            new.refresh_token = t.refresh_token
        save_tokens(self.vault, new)  # retry_key cleared: the next refresh is a new exchange
        return new.access_token


# -- PKCE ------------------------------------------------------------------------------------------

def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(64)[:96]  # 43..128 unreserved characters
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_params(redirect_uri: str, challenge: str, state: str) -> dict[str, str]:
    return {"response_type": "code", "client_id": OAUTH_CLIENT_ID, "redirect_uri": redirect_uri,
            "code_challenge": challenge, "code_challenge_method": "S256", "state": state}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _code_from_redirect(location: str, state: str) -> str:
    q = parse_qs(urlsplit(location).query)
    if q.get("state", [""])[0] != state:
        raise ServerProblem(400, tr("Ошибка входа"), tr("Ответ сервера на вход не совпадает с запросом (state)"))
    if "error" in q:
        raise ServerProblem(400, tr("Ошибка входа"), q.get("error_description", q["error"])[0])
    code = q.get("code", [""])[0]
    if not code:
        raise ServerProblem(400, tr("Ошибка входа"), tr("Сервер не вернул код авторизации"))
    return code


def _login_error_from_page(page: str) -> str:
    # The server re-renders its form with the (generic, Russian) reason in role="alert".
    marker = 'role="alert">'
    i = page.find(marker)
    if i >= 0:
        j = page.find("</p>", i)
        return html.unescape(page[i + len(marker): j]).strip()
    return "Неверный логин, пароль или одноразовый код"


def exchange_code(api: Api, code: str, redirect_uri: str, verifier: str) -> dict[str, Any]:
    return api.token({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                      "client_id": OAUTH_CLIENT_ID, "code_verifier": verifier})


def login_scripted(server: str, username: str, password: str, otp: str = "", *,
                   timeout: float = 30.0) -> dict[str, Any]:
    """The browser's two requests done by hand; returns the token answer."""
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(16)
    redirect_uri = f"http://127.0.0.1:{_free_port()}/callback"
    params = authorize_params(redirect_uri, challenge, state)
    with Api(server, timeout=timeout) as api:
        try:
            page = api.http.get("/oauth/authorize", params=params)
            if page.status_code != 200:
                raise parse_problem(page)
            resp = api.http.post("/oauth/authorize", data={**params, "username": username, "password": password,
                                                          "otp": otp})
        except httpx.TimeoutException as exc:
            raise Transient("Сервер не ответил вовремя") from exc
        except (httpx.TransportError, OSError) as exc:
            raise Transient("Нет связи с сервером") from exc
        if resp.status_code in (302, 303):
            code = _code_from_redirect(resp.headers.get("location", ""), state)
        elif resp.status_code in (200, 401, 403):
            raise LoginNeeded(_login_error_from_page(resp.text))
        elif resp.status_code == 429 or resp.status_code >= 500:
            raise Transient(f"Сервер временно недоступен ({resp.status_code})")
        else:
            raise parse_problem(resp)
        return exchange_code(api, code, redirect_uri, verifier)


class _CallbackHandler(BaseHTTPRequestHandler):
    result: dict[str, str]

    def do_GET(self) -> None:
        u = urlsplit(self.path)
        if u.path != "/callback":
            self.send_error(404)
            return
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        self.server.result = q  # type: ignore[attr-defined]
        body = ("<!doctype html><meta charset='utf-8'><title>ФРМР</title>"
                "<p>Вход выполнен. Вернитесь в приложение ФРМР — это окно можно закрыть.</p>").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return  # never print the code to a console


def login_browser(server: str, *, open_url: Callable[[str], Any] = webbrowser.open, timeout: float = 300.0,
                  cancelled: threading.Event | None = None) -> dict[str, Any]:
    """System browser + one-shot loopback listener (RFC 8252 §7.3). Blocks until done."""
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(16)
    httpd = HTTPServer(("127.0.0.1", 0), _CallbackHandler)
    httpd.timeout = 0.5
    httpd.result = {}  # type: ignore[attr-defined]
    redirect_uri = f"http://127.0.0.1:{httpd.server_address[1]}/callback"
    url = f"{server.rstrip('/')}/oauth/authorize?" + urlencode(authorize_params(redirect_uri, challenge, state))
    try:
        open_url(url)
        deadline = time.monotonic() + timeout
        while not httpd.result:  # type: ignore[attr-defined]
            if cancelled is not None and cancelled.is_set():
                raise Cancelled("Вход отменён")
            if time.monotonic() > deadline:
                raise Transient("Вход не завершён: время ожидания истекло")
            httpd.handle_request()
        q: dict[str, str] = httpd.result  # type: ignore[attr-defined]
    finally:
        httpd.server_close()
    code = _code_from_redirect("/callback?" + urlencode(q), state)
    with Api(server) as api:
        return exchange_code(api, code, redirect_uri, verifier)


def remember_login(vault: Vault, server: str, answer: dict[str, Any]) -> Tokens:
    """Store the tokens; a different server or account starts the replica's feed afresh.

    The outbox is never touched: edits queued before the login still go out.
    """
    server = server.rstrip("/")
    tokens = Tokens.from_answer(server, answer)
    login = str(tokens.user.get("login") or "")
    with vault.begin() as conn:
        if get_meta(conn, SERVER_KEY) != server or get_meta(conn, ACCOUNT_KEY) != login:
            set_meta(conn, CURSOR_KEY, "")
            conn.execute(SYNC_ROW.delete())
        set_meta(conn, SERVER_KEY, server)
        set_meta(conn, ACCOUNT_KEY, login)
        pid = tokens.user.get("person_id")
        if pid and not get_meta(conn, PERSON_KEY):
            set_meta(conn, PERSON_KEY, str(pid))
        # The workspace the app opens and the workflow rules the repository applies offline
        # follow the account's role; kept in the vault so that no server is needed to unlock.
        role = str(tokens.user.get("role") or tokens.role or "")
        if role:
            remember_account(conn, role, list(tokens.user.get("organizations") or []))
    save_tokens(vault, tokens)
    return tokens


def logout(vault: Vault) -> None:
    t = load_tokens(vault)
    if t is not None:
        with contextlib.suppress(Exception), Api(t.server, timeout=5) as api:
            api.http.post("/oauth/revoke", data={"token": t.refresh_token})
    forget_tokens(vault)


def authorized_api(vault: Vault, timeout: float = 15.0) -> Api:
    """An API client with the vault's login: the token refreshed (and the rotated pair kept)
    whenever it is due. Network: never on the GUI thread. Raises ``LoginNeeded`` when the vault
    has no server. The caller closes it (``with authorized_api(vault) as api:``)."""
    with vault.read() as conn:
        server = (get_meta(conn, SERVER_KEY) or "").rstrip("/")
    if not server:
        raise LoginNeeded(tr("Сервер не задан: войдите на сервер (меню «Синхронизация» или frmr login)"))
    keeper = TokenKeeper(vault, server)
    holder: list[Api] = []
    api = Api(server, token=lambda: keeper.access_token(holder[0]), timeout=timeout)
    holder.append(api)
    return api
