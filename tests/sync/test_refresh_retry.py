"""A lost answer to a token refresh never forces a new login (docs/sync-protocol.md, Login).

The proxy lets the server rotate the refresh token, then drops the answer: the client never
sees the new pair. It repeats the refresh with the same ``retry_key`` — stored with the tokens
before the request left, so a restarted client repeats it too — and the server answers with a
fresh pair instead of revoking the family. Without the key the same fault means a new login
(the control case), which shows the fault really hits the rotation.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from desktop.sync.auth import load_tokens, save_tokens
from tests.sync.proxy import FaultProxy
from tests.sync.test_faults import doctor_via
from tests.sync.world import Org, Replica


def _expire(r: Replica) -> str:
    """Make the stored access token due for a refresh; returns the refresh token in use."""
    t = load_tokens(r.vault)
    assert t is not None
    t.expires_at = time.time() - 1
    save_tokens(r.vault, t)
    return t.refresh_token


def test_lost_refresh_answer_is_retried_with_the_same_key(server: dict[str, Any], org: Org, proxy: FaultProxy,
                                                          tmp_path: Path, replicas: list[Replica]) -> None:
    doc, pid, _ = doctor_via(proxy.url, server, org, tmp_path / "d", replicas)
    old = _expire(doc)
    proxy.add("drop_response", "/oauth/token")
    doc.repo.edit("person", pid, {"email": "lost-refresh@example.ru"})
    rep = doc.sync()
    assert proxy.stats["drop_response"] == 1
    assert rep.outcome == "converged" and rep.applied == 1, rep
    t = load_tokens(doc.vault)
    assert t is not None and t.refresh_token != old and t.retry_key == ""
    # The pair from the retry is a working one: the session goes on, refresh after refresh.
    _expire(doc)
    assert doc.sync().outcome == "converged"
    assert server["db"].rows(pid)[pid]["data"]["email"] == "lost-refresh@example.ru"


def test_client_restarted_after_a_lost_refresh_answer_needs_no_login(
        server: dict[str, Any], org: Org, proxy: FaultProxy, tmp_path: Path, replicas: list[Replica]) -> None:
    doc, pid, _ = doctor_via(proxy.url, server, org, tmp_path / "d", replicas)
    old = _expire(doc)
    proxy.add("drop_response", "/oauth/token", count=3)  # every attempt of this sync loses its answer
    doc.repo.edit("person", pid, {"phone": "+79160003344"})
    rep = doc.sync(max_attempts=1)
    assert rep.outcome == "unreachable", rep
    t = load_tokens(doc.vault)
    assert t is not None and t.refresh_token == old and t.retry_key  # the exchange to repeat, kept
    doc.crash()
    doc.reopen()
    rep = doc.sync()
    assert rep.outcome == "converged" and rep.applied == 1, rep
    assert proxy.stats["drop_response"] == 3


def test_control_without_the_key_a_lost_answer_means_login(server: dict[str, Any], org: Org, proxy: FaultProxy,
                                                           tmp_path: Path, replicas: list[Replica]) -> None:
    doc, pid, _ = doctor_via(proxy.url, server, org, tmp_path / "d", replicas)
    _expire(doc)
    proxy.add("drop_response", "/oauth/token", count=3)
    doc.repo.edit("person", pid, {"phone": "+79160005566"})
    assert doc.sync(max_attempts=1).outcome == "unreachable"
    t = load_tokens(doc.vault)
    assert t is not None
    t.retry_key = ""  # a client that lost its key (or never had one) presents the old token afresh
    save_tokens(doc.vault, t)
    rep = doc.sync()
    assert rep.outcome == "login_needed", rep
    assert doc.repo.pending_count() == 1 and rep.rejected == 0  # the edit still waits, never rejected
