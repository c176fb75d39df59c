"""The HR clerk's and the manager's demo: the organization's generated staff is valid and
varied, the two demo profiles are made once with their role, and the embedded demo server
brings the ~2,000 staff to the clerk's vault with the first sync."""

from __future__ import annotations

from pathlib import Path

from desktop.demo import DEMO_PASSPHRASE, ORG_GKB, ORG_POLY, ensure_staff_demo_profiles
from desktop.demo_staff import demo_staff
from desktop.models.nsi import shipped
from desktop.models.repository import RecordRepository
from desktop.models.validation import validate
from desktop.sync.embedded import start_demo
from desktop.sync.engine import SyncEngine
from desktop.vault.profiles import list_profiles
from desktop.vault.store import Vault
from desktop.vault.unlock import unwrap_data_key


def test_demo_staff_is_valid_and_varied() -> None:
    rows = demo_staff(ORG_GKB, ORG_POLY)
    nsi = shipped()
    for entity, items in rows.items():
        for r in items:
            res = validate(entity, {k: v for k, v in r.items() if k not in ("id", "person_id")}, nsi=nsi)
            assert res.ok, (entity, res.errors)
    persons, cards = rows["person"], rows["employment"]
    assert len(persons) == 2000 and len({p["snils"] for p in persons}) == 2000
    assert len({p["last_name"] for p in persons}) > 40 and len({p["first_name"] for p in persons}) > 25
    assert len({c["subdivision"] for c in cards}) > 10 and len({c["position_code"] for c in cards}) > 20
    closed = [c for c in cards if c["end_date"]]
    assert 0.1 < len(closed) / len(cards) < 0.4
    assert {c["position_type"] for c in cards} >= {"main", "internal_part_time", "external_part_time"}
    assert demo_staff(ORG_GKB, ORG_POLY)["person"][:3] == persons[:3]  # the same people on every machine
    # the operator's demo has queues, the manager's НМО figures are not all zero
    statuses = {a["status"] for a in rows["application"]}
    assert len(rows["application"]) > 150 and statuses == {"submitted", "in_review"}
    assert len(rows["nmo"]) > 2000 and {n["status"] for n in rows["nmo"]} == {"pending", "confirmed"}


def test_staff_demo_profiles_are_made_once_with_their_role(tmp_path: Path) -> None:
    first = ensure_staff_demo_profiles(tmp_path)
    assert len(first) == 3
    assert ensure_staff_demo_profiles(tmp_path) == first  # not made again
    profiles = {p.extra.get("demo_login"): p for p in list_profiles(tmp_path)}
    assert set(profiles) == {"hr1", "manager", "admin"} and all(p.demo and p.has_vault for p in profiles.values())
    for login, role, inns in (("hr1", "hr", [ORG_GKB["org_inn"]]), ("manager", "manager", [ORG_GKB["org_inn"]]),
                              ("admin", "admin", [])):
        folder = profiles[login].folder
        vault = Vault(folder, unwrap_data_key(folder, DEMO_PASSPHRASE))
        try:
            repo = RecordRepository(vault)
            assert repo.role() == role and [o["inn"] for o in repo.organizations()] == inns
            assert repo.person_id() is None and repo.consent_given()
        finally:
            vault.close()


def test_the_demo_server_brings_the_staff_to_the_clerk(tmp_path: Path) -> None:
    folder = ensure_staff_demo_profiles(tmp_path)[0]
    vault = Vault(folder, unwrap_data_key(folder, DEMO_PASSPHRASE))
    demo = start_demo(folder, vault, "hr1")
    try:
        report = SyncEngine(vault).sync()
        assert report.outcome == "converged"
        repo = RecordRepository(vault)
        assert repo.role() == "hr"
        assert repo.count("person") >= 2000 and repo.count("employment") >= 2400
    finally:
        demo.stop()
        vault.close()
