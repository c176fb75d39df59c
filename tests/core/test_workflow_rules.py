"""The shared workflow rules on the desktop's side: the repository refuses offline what the
server would reject at the next sync (docs/security.md), by the role the vault learned at login."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from desktop.models import workflow
from desktop.models.repository import (
    DEFAULT_ROLE,
    RecordRepository,
    get_meta,
    remember_account,
)
from desktop.models.schema import ENTITIES
from desktop.models.tables import Outbox
from desktop.models.validation import ValidationFailed
from desktop.sync.auth import remember_login
from desktop.vault.store import Vault
from tests.core.conftest import card_values
from tests.core.test_cli import frmr


def _set_role(repo: RecordRepository, role: str, inns: tuple[str, ...] = ()) -> None:
    with repo.vault.begin() as conn:
        remember_account(conn, role, [{"inn": i, "name": f"Организация {i}"} for i in inns])


def _ops(repo: RecordRepository) -> list[tuple[str, str]]:
    t = Outbox.__table__  # type: ignore[attr-defined]
    with repo.vault.read() as conn:
        return [(r.entity, r.op) for r in conn.execute(select(t.c.entity, t.c.op).order_by(t.c.seq))]


# -- the table itself ----------------------------------------------------------------------------
def test_allowed_statuses_follow_the_table() -> None:
    assert workflow.allowed_statuses("employment", "doctor", None) == {"draft", "submitted"}
    assert workflow.allowed_statuses("employment", "doctor", "draft") == {"draft", "submitted"}
    assert "confirmed" not in workflow.allowed_statuses("employment", "hr", "submitted")  # type: ignore[operator]
    assert workflow.allowed_statuses("employment", "admin", "draft") is None
    assert workflow.allowed_statuses("nmo", "doctor", None) == {"pending"}


def test_change_errors_locked_status_and_registry_fields() -> None:
    card = {"status": "confirmed", "rate": "1"}
    assert workflow.change_errors("employment", "doctor", "update", card, {**card, "rate": "0.5"}) == {
        "status": "Подтверждённую карточку меняет только кадровая служба"}
    assert "status" in workflow.change_errors("employment", "doctor", "delete", card, None)
    assert workflow.change_errors("employment", "doctor", "update", {"status": "draft"}, {"status": "confirmed"})
    assert workflow.change_errors("employment", "doctor", "update", {"status": "draft"}, {"status": "submitted"}) == {}
    assert workflow.change_errors("application", "doctor", "create", None,
                                  {"status": "draft", "confirmation_number": "А-1"}) == {
        "confirmation_number": "Это поле заполняет оператор регистра"}
    assert workflow.change_errors("employment", "admin", "update", card, {"status": "draft"}) == {}
    # values=False: only what needs no parsed values (the server's first check)
    assert workflow.change_errors("employment", "doctor", "update", {"status": "draft"}, {"status": "confirmed"},
                                  values=False) == {}


def test_readonly_fields() -> None:
    names = ENTITIES["application"].names
    assert workflow.readonly_fields("application", "doctor", names, creating=True) == {
        "confirmation_number", "decision_comment"}
    assert workflow.readonly_fields("application", "admin", names, creating=False) == frozenset()
    req = ENTITIES["request"].names
    assert workflow.readonly_fields("request", "doctor", req, creating=False) == set(req) - {"status"}


# -- the repository ------------------------------------------------------------------------------
def test_an_existing_vault_is_a_doctors(repo: RecordRepository) -> None:
    assert repo.role() == DEFAULT_ROLE == "doctor"
    assert repo.organizations() == []


def test_doctor_cannot_confirm_a_card_offline(repo: RecordRepository) -> None:
    before = _ops(repo)
    with pytest.raises(ValidationFailed) as e:
        repo.add("employment", card_values(status="confirmed"))
    assert e.value.errors == {"status": "Подтверждает или отклоняет карточку кадровая служба по документу"}
    assert _ops(repo) == before and repo.list("employment") == []

    cid = repo.add("employment", card_values()).id
    queued = _ops(repo)
    with pytest.raises(ValidationFailed, match="кадровая служба"):
        repo.edit("employment", cid, {"status": "confirmed"})
    assert _ops(repo) == queued
    assert repo.get("employment", cid)["status"] == "draft"  # type: ignore[index]
    repo.edit("employment", cid, {"status": "submitted"})  # asking for a check is the worker's
    assert repo.get("employment", cid)["status"] == "submitted"  # type: ignore[index]


def test_confirmed_card_is_locked_for_the_doctor(repo: RecordRepository) -> None:
    row = {"id": "c1", "person_id": repo.person_id(), **card_values(status="confirmed")}
    repo.load_synced({"employment": [row]})  # as the server sent it
    queued = _ops(repo)
    with pytest.raises(ValidationFailed, match="Подтверждённую карточку"):
        repo.edit("employment", "c1", {"rate": "0.5"})
    with pytest.raises(ValidationFailed, match="Подтверждённую карточку"):
        repo.delete("employment", "c1")
    assert _ops(repo) == queued


def test_doctor_nmo_and_application_rules(repo: RecordRepository) -> None:
    with pytest.raises(ValidationFailed, match="оператор регистра"):
        repo.add("nmo", {"event_date": "01.03.2025", "kind": "program", "title": "Т", "credits": "36",
                         "status": "confirmed"})
    with pytest.raises(ValidationFailed) as e:
        repo.add("application", {"kind": "periodic", "specialty_code": "36", "confirmation_number": "А-1"})
    assert e.value.errors == {"confirmation_number": "Это поле заполняет оператор регистра"}


def test_doctor_changes_only_the_status_of_a_request(repo: RecordRepository) -> None:
    row = {"id": "r1", "person_id": repo.person_id(), "org_name": "ГКБ № 1", "org_inn": card_values()["org_inn"],
           "kind": "Запрос копии диплома", "received_at": "2025-10-20", "status": "new", "text": "Просим."}
    repo.load_synced({"request": [row]})
    with pytest.raises(ValidationFailed, match="только статус"):
        repo.edit("request", "r1", {"text": "Другое"})
    repo.edit("request", "r1", {"status": "acknowledged"})


def test_the_stored_role_decides(repo: RecordRepository) -> None:
    _set_role(repo, "admin")
    cid = repo.add("employment", card_values(status="confirmed")).id  # the operator may
    assert repo.get("employment", cid)["status"] == "confirmed"  # type: ignore[index]
    inn = card_values()["org_inn"]  # the clerk of the card's organization: the status rule speaks
    _set_role(repo, "hr", (inn,))
    with pytest.raises(ValidationFailed, match="по документу работника"):
        repo.add("employment", card_values(status="confirmed", begin_date="01.01.2021"))
    assert repo.role() == "hr" and repo.organizations() == [{"inn": inn, "name": f"Организация {inn}"}]
    _set_role(repo, "hr", ("7702123450",))  # of another organization: refused before any status rule
    with pytest.raises(ValidationFailed, match="только с карточками своих организаций"):
        repo.add("employment", card_values(status="confirmed", begin_date="01.01.2021"))


def test_login_stores_role_and_organizations(vault: Vault) -> None:
    user: dict[str, Any] = {"login": "clerk", "role": "hr", "person_id": None,
                            "organizations": [{"inn": "7707083893", "name": "ГКБ № 1"}]}
    answer: dict[str, Any] = {"access_token": "a", "refresh_token": "r", "expires_in": 300, "role": "hr",
                              "user": user}
    remember_login(vault, "http://127.0.0.1:1", answer)
    repo = RecordRepository(vault)
    assert repo.role() == "hr"
    assert repo.organizations() == [{"inn": "7707083893", "name": "ГКБ № 1"}]
    with vault.read() as conn:
        assert json.loads(get_meta(conn, "account_organizations") or "") == [{"inn": "7707083893", "name": "ГКБ № 1"}]
    # an unknown role from a newer server is not a key to the operator's rights
    remember_login(vault, "http://127.0.0.1:1", {**answer, "role": "auditor", "user": {**user, "role": "auditor"}})
    assert repo.role() == DEFAULT_ROLE


# -- the command line ----------------------------------------------------------------------------
def test_cli_edit_to_confirmed_exits_1_and_queues_nothing(tmp_path: Path) -> None:
    from desktop.models.checkdigits import make_snils

    p = tmp_path / "prof"
    assert frmr(p, "init", "--name", "Тест", "--consent").returncode == 0
    assert frmr(p, "add", "person", f"snils={make_snils('128456739')}", "last_name=Петров", "first_name=Пётр",
                "gender=male", "birth_date=02.03.1975").returncode == 0
    r = frmr(p, "add", "employment", "org_name=ГКБ № 5", "org_inn=7707083893", "position_code=4",
             "position_type=main", "contract_kind=labor", "rate=1", "begin_date=01.01.2020", "profile=терапия")
    assert r.returncode == 0, r.stderr
    cid = r.stdout.strip().splitlines()[-1]
    pending = json.loads(frmr(p, "status", "--json").stdout)["pending"]

    r = frmr(p, "edit", "employment", cid, "status=confirmed")
    assert r.returncode == 1
    assert "Подтверждает или отклоняет карточку кадровая служба по документу" in r.stderr
    assert "Ничего не сохранено." in r.stderr
    assert json.loads(frmr(p, "status", "--json").stdout)["pending"] == pending
    shown = json.loads(frmr(p, "show", "employment", "--json").stdout)
    assert [c["status"] for c in shown] == ["draft"]
