"""``frmr staff add-person`` asks the registry (a real server on loopback): a СНИЛС it knows in
another organization is linked under the registry's id — printed, exit 0 — and the clerk's first
card there is the link; nothing of that person is re-created or changed (issue 13)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from desktop.models.checkdigits import make_snils
from desktop.models.repository import RecordRepository
from desktop.sync.api import CLIENT_SCHEMA
from desktop.vault.store import Vault
from tests.hr.conftest import PASS, frmr
from tests.hr.test_cli_server import clerk, ok

TYPED = ["last_name=Тестова", "first_name=Анна", "patronymic=Петровна", "gender=female", "birth_date=05.05.1985"]


def test_add_person_links_a_person_known_elsewhere(server: dict[str, Any], tmp_path: Path) -> None:
    db = server["db"]
    mine, theirs = db.org(), db.org()
    other, other_card = db.person(theirs)
    before = db.rows(other)
    snils = before[other]["data"]["snils"]
    prof = clerk(server, tmp_path, mine)
    # what the registry tells this clerk before any link: that the СНИЛС exists, nothing about the person
    hr = db.account("hr", org=mine)
    auth = {"Authorization": f"Bearer {db.session(hr)['access_token']}", "X-Client-Schema": str(CLIENT_SCHEMA)}
    seen = httpx.get(f"{server['url']}/persons", params={"snils": snils}, headers=auth)
    assert seen.status_code == 200 and seen.json() == {"person_id": other, "in_my_organizations": False,
                                                       "fields": {"snils": snils}}
    for partial in (snils[:9], snils[:10] + str((int(snils[10]) + 1) % 10)):  # no prefix search, no bad digits
        assert httpx.get(f"{server['url']}/persons", params={"snils": partial}, headers=auth).status_code == 422

    cp = frmr(prof, "staff", "add-person", f"snils={snils}", *TYPED)
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout.strip() == other and "уже есть в регистре" in cp.stderr
    # in the vault under the registry's id; nothing queued for the person
    with Vault.open(prof, PASS) as v:
        repo = RecordRepository(v)
        assert repo.get("person", other) is not None
        assert not [o for o in repo.outbox() if o["entity_id"] == other]
    # the contract: a СНИЛС already in the vault is exit 1, nothing changed
    again = frmr(prof, "staff", "add-person", f"snils={snils}", *TYPED)
    assert again.returncode == 1 and "Тестова Анна Петровна" in again.stderr and again.stdout == ""

    card = ok(frmr(prof, "staff", "add-card", other, "position_code=4", "position_type=external_part_time",
                   "contract_kind=labor", "rate=0,25", "begin_date=01.02.2024")).strip()
    ok(frmr(prof, "sync"))
    after = db.rows(other)
    assert after[card]["data"]["org_inn"] == mine.inn and after[card]["data"]["status"] == "draft"
    # the person and their other employer's card are as they were: linked, not re-created or edited
    assert after[other] == before[other] and after[other_card] == before[other_card]
    assert sum(1 for r in after.values() if r["entity"] == "person") == 1
    ok(frmr(prof, "sync"))  # stays converged with the link in place

    # unknown to the registry: created (and queued) as before; a wrong СНИЛС never reaches the server
    new = ok(frmr(prof, "staff", "add-person", f"snils={make_snils('377456799')}", *TYPED)).strip()
    assert new != other
    bad = frmr(prof, "staff", "add-person", "snils=123-456-789 00", *TYPED)
    assert bad.returncode == 1 and "СНИЛС" in bad.stderr
