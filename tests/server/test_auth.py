"""Login: OAuth 2.0 code + PKCE end to end, TOTP, lockout, refresh rotation — across restarts."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pyotp
from sqlalchemy import text

from server.db import make_engine
from server.testing import CLIENT_ID, SCHEMA_HEADER, authorize, current_otp, login, pkce_pair, run_server, seed

REDIRECT = "http://127.0.0.1:53682/callback"


def _params(challenge: str, **kw: str) -> dict[str, str]:
    return {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT, "code_challenge": challenge,
            "code_challenge_method": "S256", "state": "xyz", **kw}


def _exchange(base: str, code: str, verifier: str, redirect: str = REDIRECT) -> httpx.Response:
    return httpx.post(base + "/oauth/token", data={"grant_type": "authorization_code", "code": code,
                                                    "redirect_uri": redirect, "client_id": CLIENT_ID,
                                                    "code_verifier": verifier})


def _refresh(base: str, token: str) -> httpx.Response:
    return httpx.post(base + "/oauth/token", data={"grant_type": "refresh_token", "refresh_token": token,
                                                    "client_id": CLIENT_ID})


def _me(base: str, tokens: dict[str, Any]) -> int:
    return httpx.get(base + "/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code


def test_pkce_flow_end_to_end(db_url: str) -> None:
    acc = seed(db_url)["doctor"]
    with run_server(db_url) as base:
        verifier, challenge = pkce_pair()
        page = httpx.get(base + "/oauth/authorize", params=_params(challenge))
        assert page.status_code == 200 and "Одноразовый код" in page.text and 'name="username"' in page.text
        # bad requests never render a form that would redirect somewhere else
        for bad in ({"redirect_uri": "https://evil.example/cb"}, {"code_challenge_method": "plain"},
                    {"client_id": "other"}, {"code_challenge": "short"}):
            r = httpx.get(base + "/oauth/authorize", params={**_params(challenge), **bad})
            assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")
        form = {**_params(challenge), "username": "doctor", "password": acc["password"],
                "otp": current_otp(acc["totp_secret"])}
        r = httpx.post(base + "/oauth/authorize", data=form)
        assert r.status_code == 302
        q = parse_qs(urlsplit(r.headers["location"]).query)
        assert r.headers["location"].startswith(REDIRECT) and q["state"] == ["xyz"]
        code = q["code"][0]
        assert _exchange(base, code, "w" * 43).status_code == 400  # wrong verifier
        r = _exchange(base, code, verifier)
        # a failed attempt does not burn the code, but the right verifier gets tokens once
        assert r.status_code == 200, r.text
        tokens = r.json()
        assert tokens["token_type"] == "Bearer" and tokens["expires_in"] <= 900 and tokens["role"] == "doctor"
        me = httpx.get(base + "/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
        assert me["login"] == "doctor" and me["person_id"] and me["organizations"] == []
        # sessions, logout
        h = {"Authorization": f"Bearer {tokens['access_token']}"}
        sessions = httpx.get(base + "/sessions", headers=h).json()["sessions"]
        assert len(sessions) == 1 and sessions[0]["current"]
        assert httpx.post(base + "/oauth/revoke", data={"token": tokens["refresh_token"]}).status_code == 200
        assert _me(base, tokens) == 401
        assert _refresh(base, tokens["refresh_token"]).status_code == 400


def test_replayed_code_revokes_what_it_issued(db_url: str) -> None:
    """RFC 6749 §4.1.2: the code is single use, and a replay revokes the tokens of the first exchange."""
    acc = seed(db_url)["doctor"]
    with run_server(db_url) as base:
        verifier, challenge = pkce_pair()
        form = {**_params(challenge), "username": "doctor", "password": acc["password"],
                "otp": current_otp(acc["totp_secret"])}
        q = parse_qs(urlsplit(httpx.post(base + "/oauth/authorize", data=form).headers["location"]).query)
        code = q["code"][0]
        tokens = _exchange(base, code, verifier).json()
        assert _me(base, tokens) == 200
        replay = _exchange(base, code, verifier)
        assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
        assert "использован" in replay.json()["detail"]
        assert _me(base, tokens) == 401
        assert _refresh(base, tokens["refresh_token"]).status_code == 400


def test_wrong_password_wrong_otp_unknown_login_answer_alike(db_url: str) -> None:
    acc = seed(db_url)["hr1"]
    with run_server(db_url) as base:
        _, challenge = pkce_pair()
        bodies = []
        for user, pw, otp in (("hr1", "Wrong-password-1", current_otp(acc["totp_secret"])),
                              ("hr1", acc["password"], "000000"),
                              ("nobody", acc["password"], "123456")):
            r = httpx.post(base + "/oauth/authorize", data={**_params(challenge), "username": user, "password": pw,
                                                             "otp": otp})
            assert r.status_code == 401
            bodies.append(r.text.replace(user, ""))
        assert bodies[0] == bodies[1] == bodies[2]


def test_lockout_survives_restart_and_refresh_reuse_revokes_family(db_url: str) -> None:
    accounts = seed(db_url)
    doc = accounts["doctor"]
    hr = accounts["hr2"]
    with run_server(db_url) as base:
        tokens = login(base, "hr2", hr["password"], hr["totp_secret"])
        rotated = _refresh(base, tokens["refresh_token"])
        assert rotated.status_code == 200
        new = rotated.json()
        assert new["refresh_token"] != tokens["refresh_token"] and _me(base, new) == 200
        _, challenge = pkce_pair()
        for _ in range(5):
            r = httpx.post(base + "/oauth/authorize", data={**_params(challenge), "username": "doctor",
                                                             "password": "Wrong-password-1", "otp": "123456"})
            assert r.status_code == 401
    with run_server(db_url) as base:  # a restart forgets neither the lock nor the used token
        try:
            authorize(base, "doctor", doc["password"], doc["totp_secret"])
            raise AssertionError("locked account logged in")
        except RuntimeError as exc:
            assert "401" in str(exc)
        reuse = _refresh(base, tokens["refresh_token"])
        assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
        # the whole family is revoked: the newest tokens stop working too
        assert _me(base, new) == 401
        assert _refresh(base, new["refresh_token"]).status_code == 400
    engine = make_engine(db_url)
    with engine.begin() as c:
        locked_until = c.execute(text("SELECT locked_until FROM account WHERE login='doctor'")).scalar_one()
        assert locked_until > time.time() + 14 * 60
        # lift the lock as if 15 minutes had passed: the right credentials work again
        c.execute(text("UPDATE account SET locked_until = 0 WHERE login='doctor'"))
    engine.dispose()
    with run_server(db_url) as base:
        assert login(base, "doctor", doc["password"], doc["totp_secret"])["role"] == "doctor"


def test_hourly_failure_cap(db_url: str) -> None:
    acc = seed(db_url)["manager"]
    engine = make_engine(db_url)
    with engine.begin() as c:
        aid = c.execute(text("SELECT id FROM account WHERE login='manager'")).scalar_one()
        now = time.time()
        for i in range(100):
            c.execute(text("INSERT INTO login_failure (account_id, at) VALUES (:a, :t)"),
                      {"a": aid, "t": now - 3000 + i})
    engine.dispose()
    with run_server(db_url) as base:
        try:
            authorize(base, "manager", acc["password"], acc["totp_secret"])
            raise AssertionError("more than 100 failures per hour must block")
        except RuntimeError as exc:
            assert "401" in str(exc)


def test_totp_replay_recovery_code_and_enrolment(db_url: str) -> None:
    from server.testing import token_for

    seed(db_url)
    with run_server(db_url) as base:
        # an admin creates an account without TOTP; the user enrols and gets recovery codes
        admin = token_for(db_url, "admin")
        h = {"Authorization": f"Bearer {admin['access_token']}", **SCHEMA_HEADER}
        r = httpx.post(base + "/admin/accounts", headers=h, json={"login": "newhr", "password": "short",
                                                                  "role": "hr", "org_inns": []})
        assert r.status_code == 422 and "password" in r.json()["errors"]
        inn = httpx.get(base + "/orgs", headers=h).json()["organizations"][0]["inn"]
        r = httpx.post(base + "/admin/accounts", headers=h, json={"login": "newhr", "password": "Ab3$efghijkl",
                                                                  "role": "hr", "org_inns": [inn]})
        assert r.status_code == 201, r.text
        secret = r.json()["totp_secret"]
        codes = r.json()["recovery_codes"]
        assert len(codes) == 10
        # replay: the same one-time code is refused the second time
        otp = pyotp.TOTP(secret).now()
        code, verifier, redirect = _authorize_raw(base, "newhr", "Ab3$efghijkl", otp)
        assert code
        assert _authorize_raw(base, "newhr", "Ab3$efghijkl", otp)[0] == ""
        # a recovery code works once
        assert _authorize_raw(base, "newhr", "Ab3$efghijkl", codes[0])[0]
        assert _authorize_raw(base, "newhr", "Ab3$efghijkl", codes[0])[0] == ""
        tokens = _exchange(base, code, verifier, redirect).json()
        assert tokens["user"]["organizations"][0]["inn"] == inn


def _authorize_raw(base: str, user: str, password: str, otp: str) -> tuple[str, str, str]:
    verifier, challenge = pkce_pair()
    r = httpx.post(base + "/oauth/authorize", data={**_params(challenge), "username": user, "password": password,
                                                     "otp": otp})
    if r.status_code != 302:
        return "", verifier, REDIRECT
    return parse_qs(urlsplit(r.headers["location"]).query)["code"][0], verifier, REDIRECT


def test_credential_resets_end_the_sessions_opened_before(db_url: str) -> None:
    """An operator's password or second-factor reset is done when the old ones may be known to
    someone else: the access and refresh tokens issued before it stop working at once."""
    accounts = seed(db_url)
    with run_server(db_url) as base:
        admin = login(base, "admin", accounts["admin"]["password"], accounts["admin"]["totp_secret"])
        h = {"Authorization": f"Bearer {admin['access_token']}", **SCHEMA_HEADER}
        users = httpx.get(base + "/admin/accounts", headers=h).json()["items"]
        for change in ({"password": "Нов-Пароль-2026!x"}, {"reset_totp": True}):
            acc = accounts["doctor"]
            tokens = login(base, "doctor", acc["password"], acc["totp_secret"])
            assert _me(base, tokens) == 200
            account_id = next(u["id"] for u in users if u["login"] == "doctor")
            r = httpx.patch(base + f"/admin/accounts/{account_id}", headers=h, json=change)
            assert r.status_code == 200, r.text
            assert _me(base, tokens) == 401, change
            assert _refresh(base, tokens["refresh_token"]).status_code == 400, change
            if "password" in change:
                acc["password"] = change["password"]
        # the operator's own session is untouched by changes to someone else's account
        assert httpx.get(base + "/admin/accounts", headers=h).status_code == 200
