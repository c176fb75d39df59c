"""Per-IP limit on login attempts, kept in the database: one limit for every worker process."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import text

from server.app import create_app
from server.config import Settings
from server.db import make_engine
from server.testing import CLIENT_ID, pkce_pair, run_server, seed

REDIRECT = "http://127.0.0.1:53682/callback"


def _form(challenge: str) -> dict[str, str]:
    return {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT, "code_challenge": challenge,
            "code_challenge_method": "S256", "state": "s", "username": "doctor", "password": "Wrong-password-1",
            "otp": "000000"}


def _attempt(c: Any, i: int, challenge: str) -> int:
    """Alternately a wrong password at the login form and a bad refresh token at the token endpoint."""
    if i % 2:
        return int(c.post("/oauth/authorize", data=_form(challenge)).status_code)
    return int(c.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": "nope",
                                            "client_id": CLIENT_ID}).status_code)


def _client(url: str, ip: str, **settings: Any) -> TestClient:
    return TestClient(create_app(Settings(database_url=url, **settings)), client=(ip, 50000),
                      raise_server_exceptions=False)


def test_limit_per_ip_with_retry_after_and_window(db_url: str) -> None:
    seed(db_url)
    _, challenge = pkce_pair()
    with _client(db_url, "203.0.113.7", login_rate_per_minute=5) as c, \
            _client(db_url, "203.0.113.8", login_rate_per_minute=5) as other:
        codes = [_attempt(c, i, challenge) for i in range(5)]
        assert 429 not in codes and set(codes) <= {400, 401}
        for i in range(3):
            r = c.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": "x",
                                             "client_id": CLIENT_ID}) if i % 2 else \
                c.post("/oauth/authorize", data=_form(challenge))
            assert r.status_code == 429, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            wait = int(r.headers["retry-after"])
            assert 1 <= wait <= 60
            body = r.json()
            assert body["status"] == 429 and body["retry_after"] == wait
            assert "Слишком много попыток входа" in body["detail"]
        # another address is not affected
        assert _attempt(other, 1, challenge) == 401
        # once the minute is over, attempts are counted afresh
        engine = make_engine(db_url)
        with engine.begin() as conn:
            conn.execute(text("UPDATE rate_limit SET window_start = window_start - 61"))
        engine.dispose()
        assert _attempt(c, 0, challenge) == 400
        # the account lockout (5 wrong passwords) is separate from the limit and still applies


def test_loopback_is_limited_unless_exempted_by_setting(db_url: str) -> None:
    seed(db_url)
    _, challenge = pkce_pair()
    with _client(db_url, "127.0.0.1", login_rate_per_minute=3) as c:
        assert [_attempt(c, 0, challenge) for _ in range(4)] == [400, 400, 400, 429]
    with _client(db_url, "::1", login_rate_per_minute=3, login_rate_exempt_loopback=True) as c:
        assert 429 not in [_attempt(c, 0, challenge) for _ in range(6)]
    with _client(db_url, "198.51.100.1", login_rate_per_minute=0) as c:  # 0 = no limit
        assert 429 not in [_attempt(c, 0, challenge) for _ in range(6)]


def test_several_workers_share_one_limit(db_url: str) -> None:
    seed(db_url)
    codes = []
    with run_server(db_url, workers=2, login_rate=5) as base:
        for _ in range(12):
            # a fresh connection each time, so the attempts spread over both worker processes
            with httpx.Client(base_url=base) as c:
                codes.append(_attempt(c, 0, ""))
    assert codes.count(429) == 7, codes
