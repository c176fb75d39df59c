"""Helpers for tests and benchmarks that need a real running server (no mocks).

    with run_server(database_url) as base_url:
        accounts = seed(database_url)
        tokens = login(base_url, "doctor", pw, totp_secret)

The server runs in a child process (real uvicorn on 127.0.0.1, a free port), so tests can
kill and restart it against the same database.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pyotp

from server.db import make_engine, normalize_url
from server.migrate import upgrade

CLIENT_ID = "frmr-desktop"
SCHEMA_HEADER = {"X-Client-Schema": "1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def run_server(database_url: str, *, workers: int = 1, port: int | None = None, env: dict[str, str] | None = None,
               timeout: float = 60, subprocess_: bool | None = None, login_rate: int = 600) -> Iterator[str]:
    """Migrate, serve the app with real uvicorn on 127.0.0.1:<free port>, yield the base URL, stop.

    One worker runs in a thread of this process (fast to start; every start builds a fresh app and
    engine, so a "restart" keeps only what the database keeps). Several workers, ``env`` or
    ``subprocess_=True`` run `frmr-server serve` (``python -m server.cli``) as a child process.

    ``login_rate``: login attempts per minute per IP (FRMR_LOGIN_RATE_PER_MINUTE). Suites log in
    and refresh from 127.0.0.1 far more often than people do, so the default here is 600, not
    the production 30; a test of the limit itself passes its own value.
    """
    url = normalize_url(database_url)
    upgrade(url)
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    use_process = subprocess_ if subprocess_ is not None else (workers > 1 or bool(env))
    if not use_process:
        with _thread_server(url, port, timeout, login_rate):
            yield base
        return
    child_env = {**os.environ, "FRMR_DATABASE_URL": url, "FRMR_LOGIN_RATE_PER_MINUTE": str(login_rate), **(env or {})}
    # the production entry point, so tests and benchmarks see its socket options (server.cli)
    cmd = [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
           "--log-level", "warning", "--workers", str(workers)]
    proc = subprocess.Popen(cmd, env=child_env)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}")
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start in time")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def _thread_server(url: str, port: int, timeout: float, login_rate: int) -> Iterator[None]:
    import uvicorn

    from server.app import create_app
    from server.config import Settings

    app = create_app(Settings(database_url=url, login_rate_per_minute=login_rate))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, name=f"frmr-server-{port}", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("server thread exited")
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start in time")
            time.sleep(0.02)
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        app.state.frmr.engine.dispose()


def seed(database_url: str) -> dict[str, dict[str, Any]]:
    """Seed the demo (idempotent) and return login -> account dict (password, totp_secret, …)."""
    from server.seed import seed_demo

    upgrade(normalize_url(database_url))
    engine = make_engine(database_url)
    try:
        return {a["login"]: a for a in seed_demo(engine)["accounts"]}
    finally:
        engine.dispose()


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


_LAST_STEP: dict[str, int] = {}


#: a login started this long before the end of a step may still be verified after it
_STEP_MARGIN_S = 10


def current_otp(secret: str) -> str:
    """A code the server will accept now, and still when it checks it a few seconds later.

    The server accepts the current 30-second step and its neighbours, each at most once and in
    increasing order; so take the oldest acceptable step not used yet by this process, waiting
    only when all are spent. The previous step is taken only early in the current one: its code
    stops being accepted when the step turns, and a login under load (CI) crossed that line.
    """
    totp = pyotp.TOTP(secret)
    while True:
        now = time.time()
        now_step = int(now) // totp.interval
        left = totp.interval - now % totp.interval
        oldest = now_step - 1 if left > _STEP_MARGIN_S else now_step
        step = max(oldest, _LAST_STEP.get(secret, 0) + 1)
        if step <= now_step + 1:
            _LAST_STEP[secret] = step
            return totp.generate_otp(step)
        time.sleep(1)


def authorize(base_url: str, login: str, password: str, totp_secret: str | None,
              client: httpx.Client | None = None) -> tuple[str, str, str]:
    """The browser part of the flow: returns (code, verifier, redirect_uri)."""
    verifier, challenge = pkce_pair()
    redirect = "http://127.0.0.1:53682/callback"
    state = secrets.token_urlsafe(8)
    params = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": redirect,
              "code_challenge": challenge, "code_challenge_method": "S256", "state": state}
    c = client or httpx.Client(base_url=base_url, timeout=30)
    otp = current_otp(totp_secret) if totp_secret else ""
    r = c.post(base_url + "/oauth/authorize", data={**params, "username": login, "password": password, "otp": otp},
               follow_redirects=False)
    if r.status_code != 302:
        raise RuntimeError(f"login failed: {r.status_code}")
    q = parse_qs(urlsplit(r.headers["location"]).query)
    assert q["state"] == [state]
    return q["code"][0], verifier, redirect


def login(base_url: str, login: str, password: str, totp_secret: str | None) -> dict[str, Any]:
    """Full authorization code + PKCE flow without a browser; returns the token answer."""
    with httpx.Client(timeout=30) as c:
        code, verifier, redirect = authorize(base_url, login, password, totp_secret, c)
        r = c.post(base_url + "/oauth/token", data={"grant_type": "authorization_code", "code": code,
                                                     "redirect_uri": redirect, "client_id": CLIENT_ID,
                                                     "code_verifier": verifier})
        r.raise_for_status()
        out: dict[str, Any] = r.json()
        return out


def auth_headers(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}", **SCHEMA_HEADER}


def token_for(database_url: str, login: str) -> dict[str, Any]:
    """Tokens for an account without the login form (tests that are not about login).

    Same session and token rows as a real login, so revocation and expiry behave the same.
    """
    from sqlmodel import select

    from server.auth.tokens import start_session
    from server.config import Settings
    from server.db import in_write_tx
    from server.models import Account

    engine = make_engine(database_url)
    try:
        def tx(s: Any) -> dict[str, Any]:
            acc = s.exec(select(Account).where(Account.login == login)).one()
            return start_session(s, Settings(database_url=database_url), acc, "127.0.0.1", "tests")

        return in_write_tx(engine, tx)
    finally:
        engine.dispose()
