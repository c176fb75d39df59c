"""Refresh with retry_key: a lost answer can be asked for again; every other reuse revokes the family."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
from sqlalchemy import text

from server.auth.principal import token_hash
from server.db import make_engine
from server.testing import CLIENT_ID, run_server, seed, token_for


def _refresh(base: str, token: str, retry_key: str | None = None) -> httpx.Response:
    data = {"grant_type": "refresh_token", "refresh_token": token, "client_id": CLIENT_ID}
    if retry_key is not None:
        data["retry_key"] = retry_key
    return httpx.post(base + "/oauth/token", data=data)


def _me(base: str, tokens: dict[str, Any]) -> int:
    return httpx.get(base + "/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code


def _key() -> str:
    return secrets.token_urlsafe(24)


def _age_exchange(db_url: str, token: str, seconds: float) -> None:
    """Move the exchange of ``token`` into the past, as if ``seconds`` had gone by."""
    engine = make_engine(db_url)
    with engine.begin() as c:
        c.execute(text("UPDATE token SET used_at = used_at - :s WHERE token_hash = :h"),
                  {"s": seconds, "h": token_hash(token)})
    engine.dispose()


def test_lost_answer_is_retried_across_a_restart(db_url: str) -> None:
    seed(db_url)
    first = token_for(db_url, "doctor")
    key = _key()
    with run_server(db_url) as base:
        lost = _refresh(base, first["refresh_token"], key)
        assert lost.status_code == 200
        lost_pair = lost.json()
    with run_server(db_url) as base:  # the answer never reached the client; the server restarted
        again = _refresh(base, first["refresh_token"], key)
        assert again.status_code == 200, again.text
        pair = again.json()
        assert pair["session_id"] == first["session_id"] == lost_pair["session_id"]
        assert pair["refresh_token"] not in (lost_pair["refresh_token"], first["refresh_token"])
        assert _me(base, pair) == 200
        # the pair of the lost answer is revoked
        assert _me(base, lost_pair) == 401
        # the answer can be lost again: the retry was recorded with the same key
        third = _refresh(base, first["refresh_token"], key)
        assert third.status_code == 200, third.text
        pair = third.json()
        assert _me(base, pair) == 200
        # the session goes on as normal
        nxt = _refresh(base, pair["refresh_token"], _key())
        assert nxt.status_code == 200 and _me(base, nxt.json()) == 200
        # and a token revoked by a retry, presented later, is a reuse: the family is revoked
        stale = _refresh(base, lost_pair["refresh_token"])
        assert stale.status_code == 400 and stale.json()["error"] == "invalid_grant"
        assert _me(base, nxt.json()) == 401


def _family_revoked(base: str, reuse: httpx.Response, newest: dict[str, Any]) -> None:
    assert reuse.status_code == 400, reuse.text
    assert reuse.json()["error"] == "invalid_grant" and reuse.headers["content-type"].startswith(
        "application/problem+json")
    assert _me(base, newest) == 401
    assert _refresh(base, newest["refresh_token"]).status_code == 400


def test_every_other_reuse_still_revokes_the_family(db_url: str) -> None:
    seed(db_url)
    key = _key()
    with run_server(db_url) as base:
        # no retry_key on the retry
        t = token_for(db_url, "doctor")
        child = _refresh(base, t["refresh_token"], key).json()
        _family_revoked(base, _refresh(base, t["refresh_token"]), child)
        # a different key
        t = token_for(db_url, "doctor")
        child = _refresh(base, t["refresh_token"], key).json()
        _family_revoked(base, _refresh(base, t["refresh_token"], _key()), child)
        # the exchange was made without a key: a key on the retry does not help
        t = token_for(db_url, "doctor")
        child = _refresh(base, t["refresh_token"]).json()
        _family_revoked(base, _refresh(base, t["refresh_token"], key), child)
        # after the window
        t = token_for(db_url, "doctor")
        child = _refresh(base, t["refresh_token"], key).json()
        _age_exchange(db_url, t["refresh_token"], 121)
        _family_revoked(base, _refresh(base, t["refresh_token"], key), child)
        # the child was already used: the answer did arrive, so this is a replay
        t = token_for(db_url, "doctor")
        child = _refresh(base, t["refresh_token"], key).json()
        grandchild = _refresh(base, child["refresh_token"], _key()).json()
        _family_revoked(base, _refresh(base, t["refresh_token"], key), grandchild)


def test_bad_retry_keys_are_refused_without_touching_the_session(db_url: str) -> None:
    seed(db_url)
    t = token_for(db_url, "doctor")
    with run_server(db_url) as base:
        for bad in ("short", "x" * 65, "a" * 15, "ключ-ключ-ключ-ключ", "abc def ghi jkl mno", "a" * 20 + "\n",
                    "a" * 20 + "=", "<script>aaaaaaaaaaa"):
            r = _refresh(base, t["refresh_token"], bad)
            assert r.status_code == 400, (bad, r.text)
            body = r.json()
            assert body["error"] == "invalid_request" and "retry_key" in body["errors"]
        # the refresh token was never exchanged by those: it still works, with the shortest and longest keys
        ok = _refresh(base, t["refresh_token"], "A" * 16)
        assert ok.status_code == 200
        assert _refresh(base, ok.json()["refresh_token"], "-_" * 32).status_code == 200
