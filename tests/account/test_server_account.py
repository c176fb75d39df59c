"""The account endpoints against a real server on loopback: password, reset code, second
factor, sessions, journal, consent — and every refusal a person or an attacker can meet."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import httpx
import sqlalchemy as sa

from server.db import make_engine
from server.testing import SCHEMA_HEADER, current_otp, login, run_server, seed, token_for

NEW_PW = "Новый-Пароль-2026!"


def _h(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}", **SCHEMA_HEADER}


def _sql(db_url: str, stmt: str, **params: Any) -> Any:
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            res = conn.execute(sa.text(stmt), params)
            return res.all() if res.returns_rows else None
    finally:
        engine.dispose()


def _account_id(base: str, admin: dict[str, Any], login_: str) -> int:
    items = httpx.get(base + "/admin/accounts", headers=_h(admin)).json()["items"]
    return int(next(a["id"] for a in items if a["login"] == login_))


def test_password_change_refusals_then_success(db_url: str) -> None:
    accounts = seed(db_url)
    pw = accounts["doctor"]["password"]
    with run_server(db_url) as base:
        mine, other = token_for(db_url, "doctor"), token_for(db_url, "doctor")
        url = base + "/me/password"
        r = httpx.post(url, headers=_h(mine), json={"old_password": pw, "new_password": pw})
        assert r.status_code == 422 and "совпадает" in r.json()["detail"]
        r = httpx.post(url, headers=_h(mine), json={"old_password": pw, "new_password": "short"})
        assert r.status_code == 422 and "не короче 12 символов" in r.json()["detail"]
        r = httpx.post(url, headers=_h(mine), json={"old_password": "Wrong-password-1", "new_password": NEW_PW})
        assert r.status_code == 403 and r.json()["detail"] == "Неверный текущий пароль."
        # counted like a failed login
        assert _sql(db_url, "SELECT failed_count FROM account WHERE login='doctor'")[0][0] == 1
        r = httpx.post(url, headers=_h(mine), json={"old_password": pw, "new_password": NEW_PW})
        assert r.status_code == 200, r.text
        assert r.json()["sessions_ended"] == 1
        # this session goes on; the other one, opened with the old password, is ended
        assert httpx.get(base + "/me", headers=_h(mine)).status_code == 200
        assert httpx.get(base + "/me", headers=_h(other)).status_code == 401
        assert login(base, "doctor", NEW_PW, accounts["doctor"]["totp_secret"])["role"] == "doctor"
        acts = [r[0] for r in _sql(db_url, "SELECT action FROM audit WHERE login='doctor' ORDER BY id")]
        assert "password_change_failed" in acts and "password_change" in acts


def test_wrong_old_password_locks_like_the_login_form(db_url: str) -> None:
    accounts = seed(db_url)
    with run_server(db_url) as base:
        mine = token_for(db_url, "hr1")
        for _ in range(5):
            r = httpx.post(base + "/me/password", headers=_h(mine),
                           json={"old_password": "Wrong-password-1", "new_password": NEW_PW})
            assert r.status_code == 403
        # now even the right password is refused, and the login form is locked too
        r = httpx.post(base + "/me/password", headers=_h(mine),
                       json={"old_password": accounts["hr1"]["password"], "new_password": NEW_PW})
        assert r.status_code == 403 and "заблокирован" in r.json()["detail"]
        try:
            login(base, "hr1", accounts["hr1"]["password"], accounts["hr1"]["totp_secret"])
            raise AssertionError("login should be locked")
        except RuntimeError:
            pass


def test_two_devices_change_the_password_at_once(db_url: str) -> None:
    accounts = seed(db_url)
    pw = accounts["doctor"]["password"]
    with run_server(db_url) as base:
        a, b = token_for(db_url, "doctor"), token_for(db_url, "doctor")
        answers: dict[str, httpx.Response] = {}

        def change(name: str, tokens: dict[str, Any], new: str) -> None:
            answers[name] = httpx.post(base + "/me/password", headers=_h(tokens),
                                       json={"old_password": pw, "new_password": new}, timeout=30)

        threads = [threading.Thread(target=change, args=("a", a, NEW_PW)),
                   threading.Thread(target=change, args=("b", b, NEW_PW + "b"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        codes = sorted(r.status_code for r in answers.values())
        assert codes[0] == 200, {k: v.text for k, v in answers.items()}
        loser = next(r for r in answers.values() if r.status_code != 200)
        # ended by the winner: either before its request was authorized or while it waited
        assert loser.status_code in (401, 409), loser.text
        assert "войдите заново" in loser.json()["detail"]
        winner = next(k for k, r in answers.items() if r.status_code == 200)
        won = NEW_PW if winner == "a" else NEW_PW + "b"
        assert login(base, "doctor", won, accounts["doctor"]["totp_secret"])


def test_reset_code_is_issued_by_the_operator_and_works_once(db_url: str) -> None:
    accounts = seed(db_url)
    with run_server(db_url) as base:
        admin, doctor = token_for(db_url, "admin"), token_for(db_url, "doctor")
        acc_id = _account_id(base, admin, "doctor")
        # only the operator issues codes
        r = httpx.post(base + f"/admin/accounts/{acc_id}/reset-code", headers=_h(doctor))
        assert r.status_code == 403
        r = httpx.post(base + f"/admin/accounts/{acc_id}/reset-code", headers=_h(admin))
        assert r.status_code == 201, r.text
        code = r.json()["code"]
        reset = base + "/account/password/reset"
        r = httpx.post(reset, json={"login": "doctor", "code": "AAAA-BBBB-CCCC-DDDD", "new_password": NEW_PW})
        assert r.status_code == 400 and "Код сброса" in r.json()["detail"]
        r = httpx.post(reset, json={"login": "doctor", "code": code, "new_password": "short"})
        assert r.status_code == 422
        r = httpx.post(reset, json={"login": "doctor", "code": code,
                                    "new_password": accounts["doctor"]["password"]})
        assert r.status_code == 422 and "совпадает" in r.json()["detail"]
        # typed in lower case and without dashes: the same code
        r = httpx.post(reset, json={"login": "doctor", "code": code.lower().replace("-", ""),
                                    "new_password": NEW_PW})
        assert r.status_code == 200, r.text
        assert httpx.get(base + "/me", headers=_h(doctor)).status_code == 401  # sessions ended
        r = httpx.post(reset, json={"login": "doctor", "code": code, "new_password": NEW_PW + "x"})
        assert r.status_code == 400  # used
        assert login(base, "doctor", NEW_PW, accounts["doctor"]["totp_secret"])
        # an expired code is refused too
        code2 = httpx.post(base + f"/admin/accounts/{acc_id}/reset-code", headers=_h(admin)).json()["code"]
        _sql(db_url, "UPDATE reset_code SET expires_at = 1 WHERE used_at IS NULL")
        r = httpx.post(reset, json={"login": "doctor", "code": code2, "new_password": NEW_PW + "y"})
        assert r.status_code == 400
        # the operator never saw the new password: the journal names the reset, not the password
        details = " ".join(r[0] for r in _sql(db_url, "SELECT detail FROM audit"))
        assert NEW_PW not in details


def test_second_factor_reset_allows_nothing_but_enrolment(db_url: str) -> None:
    accounts = seed(db_url)
    with run_server(db_url) as base:
        admin = token_for(db_url, "admin")
        acc_id = _account_id(base, admin, "doctor")
        r = httpx.patch(base + f"/admin/accounts/{acc_id}", headers=_h(admin), json={"reset_totp": True})
        assert r.status_code == 200
        tokens = login(base, "doctor", accounts["doctor"]["password"], None)  # the password alone
        h = _h(tokens)
        r = httpx.get(base + "/sync/state", headers=h)
        assert r.status_code == 403 and "подключите одноразовые коды" in r.json()["detail"]
        assert httpx.get(base + "/sessions", headers=h).status_code == 403
        me = httpx.get(base + "/me", headers=h).json()
        assert me["must_enrol"] and me["restricted"] == "enrol"
        enrol = httpx.post(base + "/me/totp/enrol", headers=h)
        assert enrol.status_code == 200
        secret = enrol.json()["secret"]
        assert enrol.json()["qr_svg_base64"] and secret in enrol.json()["otpauth_uri"]
        r = httpx.post(base + "/me/totp/confirm", headers=h, json={"code": "000000"})
        assert r.status_code == 422
        r = httpx.post(base + "/me/totp/confirm", headers=h, json={"code": current_otp(secret)})
        assert r.status_code == 200 and len(r.json()["recovery_codes"]) == 10
        assert httpx.get(base + "/sync/state", headers=h).status_code == 200
        # and the next login needs the new device's code
        try:
            login(base, "doctor", accounts["doctor"]["password"], None)
            raise AssertionError("a login without the code must fail now")
        except RuntimeError:
            pass


def test_replace_device_and_regenerate_recovery_codes(db_url: str) -> None:
    accounts = seed(db_url)
    pw, old_secret = accounts["manager"]["password"], accounts["manager"]["totp_secret"]
    with run_server(db_url) as base:
        h = _h(token_for(db_url, "manager"))
        r = httpx.post(base + "/me/totp/enrol", headers=h)
        assert r.status_code == 422 and "текущий пароль" in r.json()["detail"]
        r = httpx.post(base + "/me/totp/enrol", headers=h, json={"password": "Wrong-password-1"})
        assert r.status_code == 403
        r = httpx.post(base + "/me/totp/enrol", headers=h, json={"password": pw})
        assert r.status_code == 200
        new_secret = r.json()["secret"]
        # until confirmed, the old device still logs in
        assert login(base, "manager", pw, old_secret)
        r = httpx.post(base + "/me/totp/confirm", headers=h, json={"code": current_otp(new_secret)})
        assert r.status_code == 200
        first = r.json()["recovery_codes"]
        assert login(base, "manager", pw, new_secret)
        r = httpx.post(base + "/me/totp/recovery-codes", headers=h, json={"password": pw})
        assert r.status_code == 200
        second = r.json()["recovery_codes"]
        assert len(second) == 10 and not set(first) & set(second)
        me = httpx.get(base + "/me", headers=h).json()
        assert me["recovery_codes_left"] == 10
        acts = {r[0] for r in _sql(db_url, "SELECT action FROM audit WHERE login='manager'")}
        assert {"totp_replaced", "totp_recovery_codes", "totp_enrol_failed"} <= acts


def test_sessions_end_others_and_only_own(db_url: str) -> None:
    seed(db_url)
    with run_server(db_url) as base:
        mine, other, third = (token_for(db_url, "doctor") for _ in range(3))
        hr = token_for(db_url, "hr1")
        listed = httpx.get(base + "/sessions", headers=_h(mine)).json()["sessions"]
        assert len(listed) == 3 and sum(s["current"] for s in listed) == 1
        # someone else's session: not found, not ended
        r = httpx.delete(base + f"/sessions/{hr['session_id']}", headers=_h(mine))
        assert r.status_code == 404
        assert httpx.get(base + "/me", headers=_h(hr)).status_code == 200
        r = httpx.delete(base + f"/sessions/{third['session_id']}", headers=_h(mine))
        assert r.status_code == 200
        r = httpx.delete(base + "/sessions", headers=_h(mine))
        assert r.status_code == 200 and r.json()["revoked"] == 1
        assert httpx.get(base + "/me", headers=_h(other)).status_code == 401
        assert httpx.get(base + "/me", headers=_h(mine)).status_code == 200
        assert httpx.get(base + "/me", headers=_h(hr)).status_code == 200


def test_my_journal_is_mine_and_filters(db_url: str) -> None:
    accounts = seed(db_url)
    with run_server(db_url) as base:
        # a failed login under my name, a successful one, and someone else's failure
        for user in ("doctor", "hr1"):
            try:
                login(base, user, "Wrong-password-1", accounts[user]["totp_secret"])
            except RuntimeError:
                pass
        tokens = login(base, "doctor", accounts["doctor"]["password"], accounts["doctor"]["totp_secret"])
        h = _h(tokens)
        items = httpx.get(base + "/me/journal", headers=h, params={"kind": "login"}).json()["items"]
        actions = [i["action"] for i in items]
        assert "login_failed" in actions and "login" in actions
        assert all(i["who"] == "doctor" for i in items)
        assert all(i["ip"] == "127.0.0.1" for i in items)
        # the period filter
        later = httpx.get(base + "/me/journal", headers=h, params={"since": time.time() + 60}).json()["items"]
        assert later == []
        r = httpx.get(base + "/me/journal", headers=h, params={"kind": "nonsense"})
        assert r.status_code == 422
        # the operator edits the doctor's person row: the doctor sees who, which fields, when
        admin = token_for(db_url, "admin")
        pid = tokens["user"]["person_id"]
        r = httpx.patch(base + f"/persons/{pid}/person/{pid}", headers=_h(admin),
                        json={"fields": {"email": "new@example.ru"}})
        assert r.status_code == 200, r.text
        rec = httpx.get(base + "/me/journal", headers=h, params={"kind": "record"}).json()["items"]
        assert all(i["kind"] == "record" for i in rec)
        last = [i for i in rec if i["action"] == "last_change"]
        assert last and last[0]["who"] == "admin" and last[0]["fields"] == ["email"], rec
        assert any(i["action"] == "change" and i["who"] == "admin" for i in rec)
        # a change that came by sync (push) is journaled with its fields too, never its values
        op = {"op_id": str(uuid.uuid4()), "counter": 1, "entity": "person", "entity_id": pid, "person_id": pid,
              "op": "update", "fields": {"phone": "+79031112233"}, "base": {}, "base_version": 99}
        r = httpx.post(base + "/sync/push", headers=_h(admin), json={"client_id": str(uuid.uuid4()), "ops": [op]})
        assert r.status_code == 200 and r.json()["results"][0]["status"] == "applied", r.text
        rec = httpx.get(base + "/me/journal", headers=h, params={"kind": "record"}).json()["items"]
        pushed = [i for i in rec if i["action"] == "change" and i["fields"] == ["phone"]]
        assert pushed and pushed[0]["who"] == "admin" and "79031112233" not in str(pushed), rec
        # the clerk's journal has none of the doctor's entries
        theirs = httpx.get(base + "/me/journal", headers=_h(token_for(db_url, "hr1"))).json()["items"]
        assert all(i["who"] == "hr1" for i in theirs), theirs


def test_consent_recorded_on_the_server(db_url: str) -> None:
    seed(db_url)
    with run_server(db_url) as base:
        h = _h(token_for(db_url, "doctor"))
        r = httpx.post(base + "/me/consent", headers=h, json={"version": "152fz-1", "given_at": "2026-12-01T10:00:00"})
        assert r.status_code == 201
        r = httpx.post(base + "/me/consent", headers=h, json={"version": "<script>"})
        assert r.status_code == 422
        items = httpx.get(base + "/me/consent", headers=h).json()["items"]
        assert [i["version"] for i in items] == ["152fz-1"]
        assert httpx.get(base + "/me/consent", headers=_h(token_for(db_url, "hr1"))).json()["items"] == []


def test_password_expiry_policy(db_url: str) -> None:
    accounts = seed(db_url)
    pw = accounts["hr2"]["password"]
    with run_server(db_url, env={"FRMR_PASSWORD_MAX_AGE_DAYS": "90", "FRMR_PASSWORD_WARN_DAYS": "14"}) as base:
        h = _h(token_for(db_url, "hr2"))
        me = httpx.get(base + "/me", headers=h).json()
        assert me["password_expires_at"] and not me["password_expiry_warning"] and not me["restricted"]
        _sql(db_url, "UPDATE account SET password_changed_at = :t WHERE login='hr2'", t=time.time() - 80 * 86400)
        assert httpx.get(base + "/me", headers=h).json()["password_expiry_warning"]
        _sql(db_url, "UPDATE account SET password_changed_at = :t WHERE login='hr2'", t=time.time() - 91 * 86400)
        me = httpx.get(base + "/me", headers=h).json()
        assert me["restricted"] == "password"
        r = httpx.get(base + "/sync/state", headers=h)
        assert r.status_code == 403 and "Срок действия пароля истёк" in r.json()["detail"]
        r = httpx.post(base + "/me/password", headers=h, json={"old_password": pw, "new_password": NEW_PW})
        assert r.status_code == 200
        assert httpx.get(base + "/sync/state", headers=h).status_code == 200
