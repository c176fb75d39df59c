"""OAuth 2.0 authorization code + PKCE (RFC 7636) for the desktop, loopback redirect (RFC 8252).

The login page is plain server-rendered HTML so it works in any system browser; scripts post
the same form without a browser.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
import time
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from sqlmodel import Session, select

from server import audit
from server.auth import tokens
from server.auth.accounts import check_credentials
from server.auth.principal import CurrentUser, Principal, client_ip, token_hash
from server.auth.ratelimit import check_login_rate
from server.db import in_write_tx, read_session
from server.models import Account, AuthCode, AuthSession, Token
from server.problems import Problem
from server.state import State

router = APIRouter(tags=["вход"])

CLIENT_IDS = ("frmr-desktop",)
_CHALLENGE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
_RETRY_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_TOO_MANY: dict[str, Any] = {"description": "Слишком много попыток входа с этого адреса (заголовок Retry-After)",
                             "content": {"application/problem+json": {}}}


def _valid_redirect(uri: str) -> bool:
    try:
        u = urlsplit(uri)
        port = u.port
    except ValueError:
        return False
    return (
        u.scheme == "http"
        and u.hostname in ("127.0.0.1", "::1", "localhost")
        and port is not None
        and not u.fragment
        and not u.username
        and len(uri) <= 500
    )


def _check_request(client_id: str, redirect_uri: str, code_challenge: str, method: str, response_type: str) -> None:
    if client_id not in CLIENT_IDS:
        raise Problem(400, "Неизвестное приложение (client_id).", error="invalid_client")
    if not _valid_redirect(redirect_uri):
        raise Problem(400, "Адрес возврата должен быть http://127.0.0.1:<порт>/… (RFC 8252).", error="invalid_request")
    if response_type != "code":
        raise Problem(400, "Поддерживается только response_type=code.", error="unsupported_response_type")
    if method != "S256" or not _CHALLENGE.fullmatch(code_challenge):
        raise Problem(400, "Требуется PKCE: code_challenge_method=S256 и корректный code_challenge.",
                      error="invalid_request")


_PAGE = """<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>Вход — ФРМР</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:sans-serif;max-width:26em;margin:3em auto;padding:0 1em}}
label{{display:block;margin:.8em 0 .2em}}input[type=text],input[type=password]{{width:100%;padding:.4em}}
.err{{color:#b00020;margin:1em 0}}button{{margin-top:1.2em;padding:.5em 1.5em}}</style></head>
<body><h1>Вход в кабинет медицинского работника</h1>
<p>Федеральный регистр медицинских работников</p>
{error}
<form method="post" action="/oauth/authorize">
<label for="username">Логин</label><input id="username" name="username" type="text" autocomplete="username" required>
<label for="password">Пароль</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<label for="otp">Одноразовый код (из приложения-аутентификатора) или код восстановления</label>
<input id="otp" name="otp" type="text" inputmode="numeric" autocomplete="one-time-code">
{hidden}
<button type="submit">Войти</button>
</form></body></html>"""


def _page(params: dict[str, str], error: str = "", status: int = 200) -> HTMLResponse:
    hidden = "\n".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in params.items()
    )
    err = f'<p class="err" role="alert">{html.escape(error)}</p>' if error else ""
    headers = {**_NO_STORE, "X-Frame-Options": "DENY",
               "Content-Security-Policy": "default-src 'self'; style-src 'unsafe-inline'"}
    return HTMLResponse(_PAGE.format(error=err, hidden=hidden), status_code=status, headers=headers)


@router.get("/oauth/authorize", response_class=HTMLResponse, summary="Страница входа")
def authorize_page(
    client_id: Annotated[str, Query(max_length=100)],
    redirect_uri: Annotated[str, Query(max_length=500)],
    code_challenge: Annotated[str, Query(max_length=200)],
    code_challenge_method: Annotated[str, Query(max_length=10)] = "plain",
    response_type: Annotated[str, Query(max_length=20)] = "code",
    state: Annotated[str, Query(max_length=500)] = "",
) -> HTMLResponse:
    _check_request(client_id, redirect_uri, code_challenge, code_challenge_method, response_type)
    return _page({
        "response_type": response_type, "client_id": client_id, "redirect_uri": redirect_uri,
        "code_challenge": code_challenge, "code_challenge_method": code_challenge_method, "state": state,
    })


@router.post("/oauth/authorize", response_class=HTMLResponse, summary="Проверка логина, пароля и кода",
             responses={302: {"description": "Переход на redirect_uri с кодом"}, 429: _TOO_MANY})
def authorize_submit(
    request: Request,
    st: State,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=300)],
    client_id: Annotated[str, Form(max_length=100)],
    redirect_uri: Annotated[str, Form(max_length=500)],
    code_challenge: Annotated[str, Form(max_length=200)],
    code_challenge_method: Annotated[str, Form(max_length=10)] = "plain",
    response_type: Annotated[str, Form(max_length=20)] = "code",
    otp: Annotated[str, Form(max_length=50)] = "",
    state: Annotated[str, Form(max_length=500)] = "",
) -> Any:
    check_login_rate(st.engine, st.settings, client_ip(request))
    _check_request(client_id, redirect_uri, code_challenge, code_challenge_method, response_type)
    params = {
        "response_type": response_type, "client_id": client_id, "redirect_uri": redirect_uri,
        "code_challenge": code_challenge, "code_challenge_method": code_challenge_method, "state": state,
    }
    ip = client_ip(request)
    try:
        acc = check_credentials(st.engine, st.settings, username, password, otp, ip)
    except Problem as p:
        return _page(params, p.detail, status=401)
    code = secrets.token_urlsafe(32)
    assert acc.id is not None
    account_id = acc.id

    def save(s: Session) -> None:
        s.add(AuthCode(code_hash=token_hash(code), account_id=account_id, client_id=client_id,
                       redirect_uri=redirect_uri, code_challenge=code_challenge,
                       expires_at=time.time() + st.settings.code_ttl))

    in_write_tx(st.engine, save)
    sep = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(redirect_uri + sep + urlencode({"code": code, "state": state}), status_code=302,
                            headers=_NO_STORE)


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@router.post("/oauth/token", summary="Выдача и обновление токенов", responses={429: _TOO_MANY})
def token(
    request: Request,
    st: State,
    grant_type: Annotated[str, Form(max_length=50)],
    client_id: Annotated[str, Form(max_length=100)] = "",
    code: Annotated[str, Form(max_length=200)] = "",
    redirect_uri: Annotated[str, Form(max_length=500)] = "",
    code_verifier: Annotated[str, Form(max_length=200)] = "",
    refresh_token: Annotated[str, Form(max_length=200)] = "",
    retry_key: Annotated[str, Form(max_length=200, description="16–64 символов [A-Za-z0-9_-]: повтор обмена, "
                                                              "ответ на который потерян")] = "",
) -> JSONResponse:
    ip = client_ip(request)
    check_login_rate(st.engine, st.settings, ip)
    ua = request.headers.get("user-agent", "")
    if client_id not in CLIENT_IDS:
        raise Problem(400, "Неизвестное приложение (client_id).", error="invalid_client")
    if grant_type == "authorization_code":
        if not _CHALLENGE.fullmatch(code_verifier):
            raise tokens.invalid_grant("Неверный code_verifier (PKCE).")

        def exchange(s: Session) -> dict[str, Any] | None:
            row = s.exec(select(AuthCode).where(AuthCode.code_hash == token_hash(code)).with_for_update()).first()
            if row is not None and row.used:
                # RFC 6749 §4.1.2: a code used twice may have been stolen; what the first exchange
                # issued is revoked too. Committed first, then the error is answered.
                if row.session_id:
                    tokens.revoke_session(s, row.session_id, "code_replay")
                return None
            if (row is None or row.expires_at <= time.time() or row.client_id != client_id
                    or row.redirect_uri != redirect_uri
                    or not secrets.compare_digest(_s256(code_verifier), row.code_challenge)):
                raise tokens.invalid_grant("Код авторизации недействителен или уже использован.")
            row.used = True
            s.add(row)
            acc = s.get(Account, row.account_id)
            if acc is None or acc.disabled:
                raise tokens.invalid_grant()
            answer = tokens.start_session(s, st.settings, acc, ip, ua)
            row.session_id = answer["session_id"]
            p = Principal(row.account_id, acc.login, acc.role, acc.person_id, (), answer["session_id"], ip)
            audit.add(s, p, "login", "session", answer["session_id"], ua[:200])
            return answer

        issued = in_write_tx(st.engine, exchange)
        if issued is None:
            audit.log(st.engine, None, "code_replay", "session", "", "повтор кода: сеанс отозван", ip=ip)
            raise tokens.invalid_grant("Код авторизации недействителен или уже использован.")
        return JSONResponse(issued, headers=_NO_STORE)
    if grant_type == "refresh_token":
        if retry_key and not _RETRY_KEY.fullmatch(retry_key):
            raise Problem(400, "Неверный retry_key: от 16 до 64 символов из латинских букв, цифр, «_» и «-».",
                          error="invalid_request", errors={"retry_key": "значение в неверном формате"})

        def rotate(s: Session) -> dict[str, Any] | None:
            try:
                answer, acc, retried = tokens.refresh(s, st.settings, refresh_token, retry_key)
            except tokens.Reuse:
                return None  # commit the revocation, then answer the error
            assert acc.id is not None
            p = Principal(acc.id, acc.login, acc.role, acc.person_id, (), answer["session_id"], ip)
            audit.add(s, p, "token_refresh_retry" if retried else "token_refresh", "session", answer["session_id"])
            return answer

        result = in_write_tx(st.engine, rotate)
        if result is None:
            audit.log(st.engine, None, "refresh_reuse", "session", "", "семейство токенов отозвано", ip=ip)
            raise tokens.invalid_grant("Токен обновления уже использован: все токены этого сеанса отозваны.")
        return JSONResponse(result, headers=_NO_STORE)
    raise Problem(400, "Поддерживаются grant_type=authorization_code и refresh_token.", error="unsupported_grant_type")


@router.post("/oauth/revoke", summary="Выход: отзыв сеанса по токену (RFC 7009)")
def revoke(
    request: Request,
    st: State,
    token: Annotated[str, Form(max_length=200)] = "",
) -> JSONResponse:
    bearer = request.headers.get("authorization", "").partition(" ")[2].strip()
    candidates = [t for t in (token, bearer) if t]

    def do(s: Session) -> None:
        for t in candidates:
            row = s.get(Token, token_hash(t))
            if row is not None:
                tokens.revoke_session(s, row.session_id, "logout")
                audit.add(s, None, "logout", "session", row.session_id, ip=client_ip(request))

    in_write_tx(st.engine, do)
    # RFC 7009: the answer does not reveal whether the token existed.
    return JSONResponse({"revoked": True})


@router.get("/sessions", summary="Мои сеансы")
def sessions(p: CurrentUser, st: State) -> dict[str, Any]:
    with read_session(st.engine) as s:
        rows = s.exec(select(AuthSession).where(AuthSession.account_id == p.account_id,
                                                AuthSession.revoked_at.is_(None))  # type: ignore[union-attr]
                      .order_by(AuthSession.created_at.desc())).all()  # type: ignore[attr-defined]
    return {"sessions": [
        {"id": r.id, "created_at": r.created_at, "last_used_at": r.last_used_at, "ip": r.ip,
         "user_agent": r.user_agent, "current": r.id == p.session_id} for r in rows
    ]}


@router.delete("/sessions/{session_id}", summary="Завершить сеанс")
def delete_session(session_id: str, p: CurrentUser, st: State) -> dict[str, Any]:
    def do(s: Session) -> bool:
        row = s.get(AuthSession, session_id[:36])
        if row is None or row.account_id != p.account_id:
            return False
        tokens.revoke_session(s, row.id, "user")
        audit.add(s, p, "session_revoke", "session", row.id)
        return True

    if not in_write_tx(st.engine, do):
        raise Problem(404, "Сеанс не найден.")
    return {"revoked": True}
