"""After an operator's second-factor reset the desktop can do nothing but enrol (issue 15 via
18): the sync is refused with the reason, the queued edit waits untouched, and once the person
enrols from the account client the same queue goes out."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from desktop.models.repository import RecordRepository
from desktop.sync.account import AccountClient, AccountError
from desktop.sync.auth import login_scripted, remember_login
from desktop.sync.engine import SyncEngine
from desktop.vault.store import Vault
from server.testing import current_otp, run_server
from server.testing import login as server_login
from tests.sync.world import PASSWORD, ServerDb


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('server') / 'server.sqlite3'}"
    with run_server(url) as base:
        db = ServerDb(url)
        yield {"url": base, "db": db}
        db.close()


def test_reset_second_factor_blocks_sync_until_enrolled(server: dict[str, Any], tmp_path: Path) -> None:
    db = server["db"]
    pid, _eid = db.person(db.org())
    login = db.account("doctor", person_id=pid)
    vault, _ = Vault.create(tmp_path / "p", "restricted-sync-passphrase")
    try:
        remember_login(vault, server["url"], login_scripted(server["url"], login, PASSWORD))
        assert SyncEngine(vault).sync().outcome == "converged"
        # the operator resets the second factor
        admin = server_login(server["url"], db.account("admin"), PASSWORD, None)
        h = {"Authorization": f"Bearer {admin['access_token']}", "X-Client-Schema": "1"}
        items = httpx.get(server["url"] + "/admin/accounts", headers=h, params={"limit": 1000}).json()["items"]
        acc_id = next(a["id"] for a in items if a["login"] == login)
        assert httpx.patch(server["url"] + f"/admin/accounts/{acc_id}", headers=h,
                           json={"reset_totp": True}).status_code == 200
        # the password alone logs in again, to a session that can only enrol
        remember_login(vault, server["url"], login_scripted(server["url"], login, PASSWORD))
        repo = RecordRepository(vault)
        repo.edit("person", pid, {"email": "after-reset@example.ru"})
        rep = SyncEngine(vault).sync()
        assert rep.outcome == "error" and "подключите одноразовые коды" in rep.message
        assert rep.pending == 1
        with AccountClient(vault) as client:
            me = client.me()
            assert me["restricted"] == "enrol"
            with pytest.raises(AccountError) as refused:
                client.sessions()
            assert "подключите одноразовые коды" in str(refused.value)
            enrolment = client.enrol()
            assert len(client.confirm(current_otp(enrolment.secret))) == 10
        rep = SyncEngine(vault).sync()
        assert rep.outcome == "converged" and rep.pending == 0
        assert db.rows(pid)[pid]["data"]["email"] == "after-reset@example.ru"
    finally:
        vault.close()
