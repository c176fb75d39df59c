"""The clerk's staff core (desktop/models/staff.py) on a real vault: the CLI's JSON shape, СНИЛС
uniqueness, organization defaults and limits, «Перевод» in one transaction, «Скопировать из
предыдущей карточки»."""

from __future__ import annotations

import json

import pytest

from desktop.models import staff
from desktop.models.checkdigits import format_snils, make_inn10, make_snils
from desktop.models.repository import RecordRepository
from desktop.models.staff_requests import send_requests
from desktop.models.validation import ValidationFailed
from tests.hr.conftest import INN, ORG_NAME, card_values, person_values

SNILS = make_snils("128456739")
OTHER_INN = make_inn10("500100732")


def _outbox(repo: RecordRepository) -> list[tuple[str, str]]:
    return [(o["entity"], o["op"]) for o in repo.outbox()]


def test_add_person_card_and_the_list_shape(hr_repo: RecordRepository) -> None:
    pid = staff.add_person(hr_repo, person_values(SNILS))
    cid = staff.add_card(hr_repo, pid, card_values(subdivision="Терапия"))
    card = hr_repo.get("employment", cid)
    assert card is not None and card["org_inn"] == INN and card["org_name"] == ORG_NAME
    assert card["person_id"] == pid and card["status"] == "draft"
    # a clerk's vault keeps no person of its own: the next card without a person is not theirs
    assert hr_repo.person_id() is None
    rows = staff.staff_rows(hr_repo)
    assert rows == [{"id": pid, "snils": SNILS, "last_name": "Иванова", "first_name": "Мария",
                     "patronymic": "Петровна", "cards": [{
                         "id": cid, "position_code": "4", "position_name": "врач-терапевт",
                         "position_type": "main", "rate": "1", "begin_date": "2013-09-01", "end_date": None,
                         "status": "draft"}]}]
    json.dumps(rows)  # JSON-safe as it is
    assert _outbox(hr_repo) == [("person", "create"), ("employment", "create")]


def test_same_snils_is_refused_naming_the_person(hr_repo: RecordRepository) -> None:
    pid = staff.add_person(hr_repo, person_values(SNILS))
    before = hr_repo.outbox()
    with pytest.raises(staff.DuplicatePerson) as e:
        staff.add_person(hr_repo, person_values(format_snils(SNILS), last_name="Петрова"))
    assert e.value.person_id == pid
    assert "Иванова Мария Петровна" in str(e.value) and "128-456-739" in str(e.value)
    assert hr_repo.count("person") == 1 and hr_repo.outbox() == before


def test_wrong_snils_and_missing_fields(hr_repo: RecordRepository) -> None:
    with pytest.raises(ValidationFailed) as e:
        staff.add_person(hr_repo, person_values("123-456-789 00"))
    assert "контрольное число" in e.value.errors["snils"]
    with pytest.raises(ValidationFailed) as e:
        staff.add_person(hr_repo, {"snils": SNILS})
    assert {"last_name", "first_name", "gender", "birth_date"} <= set(e.value.errors)
    assert hr_repo.count("person") == 0 and hr_repo.outbox() == []


def test_card_of_another_organization_is_refused_offline(hr_repo: RecordRepository) -> None:
    pid = staff.add_person(hr_repo, person_values(SNILS))
    with pytest.raises(ValidationFailed) as e:
        staff.add_card(hr_repo, pid, card_values(org_inn=OTHER_INN, org_name="Чужая больница"))
    assert e.value.errors["org_inn"] == staff.OTHER_ORG
    assert hr_repo.count("employment") == 0
    with pytest.raises(ValidationFailed):
        staff.add_card(hr_repo, "00000000-0000-0000-0000-000000000000", card_values())


def test_close_card_and_dismissed_filter(hr_repo: RecordRepository) -> None:
    pid = staff.add_person(hr_repo, person_values(SNILS))
    cid = staff.add_card(hr_repo, pid, card_values())
    assert [r["id"] for r in staff.staff_rows(hr_repo, active=True)] == [pid]
    with pytest.raises(ValidationFailed) as e:
        staff.close_card(hr_repo, cid, "31.05.2024", "")
    assert "end_reason" in e.value.errors
    staff.close_card(hr_repo, cid, "31.05.2024", "По собственному желанию")
    card = hr_repo.get("employment", cid)
    assert card is not None and card["end_date"] == "2024-05-31" and card["end_reason"] == "По собственному желанию"
    assert staff.staff_rows(hr_repo, active=True) == []
    assert [r["id"] for r in staff.staff_rows(hr_repo, active=False)] == [pid]
    with pytest.raises(ValidationFailed) as e:
        staff.close_card(hr_repo, cid, "01.06.2024", "По собственному желанию")
    assert "уже закрыта" in e.value.errors["end_date"]


def test_transfer_is_one_transaction(hr_repo: RecordRepository) -> None:
    pid = staff.add_person(hr_repo, person_values(SNILS))
    cid = staff.add_card(hr_repo, pid, card_values(subdivision="Терапия"))
    n_out = len(hr_repo.outbox())
    # the new card is invalid (an unknown position): the old one must stay open
    with pytest.raises(ValidationFailed) as e:
        staff.transfer(hr_repo, cid, "31.12.2020", {"position_code": "нет такой"})
    assert "position_code" in e.value.errors
    card = hr_repo.get("employment", cid)
    assert card is not None and card["end_date"] is None and len(hr_repo.outbox()) == n_out
    new = staff.transfer(hr_repo, cid, "31.12.2020", {"position_code": "3"})
    old, nxt = hr_repo.get("employment", cid), hr_repo.get("employment", new)
    assert old is not None and old["end_date"] == "2020-12-31" and old["end_reason"] == staff.TRANSFER_REASON
    assert nxt is not None and nxt["begin_date"] == "2021-01-01" and nxt["position_code"] == "3"
    assert nxt["subdivision"] == "Терапия" and nxt["org_inn"] == INN
    assert _outbox(hr_repo)[-2:] == [("employment", "update"), ("employment", "create")]


def test_copy_from_previous(hr_repo: RecordRepository) -> None:
    pid = staff.add_person(hr_repo, person_values(SNILS))
    assert staff.copy_from_previous(hr_repo, pid) == {"org_inn": INN, "org_name": ORG_NAME}
    staff.add_card(hr_repo, pid, card_values(subdivision="Хирургия", rate="0.5", begin_date="01.01.2010",
                                             contract_number="12", order_number="7-к"))
    staff.add_card(hr_repo, pid, card_values(subdivision="Терапия", rate="0,75", begin_date="01.01.2015",
                                             position_type="internal_part_time"))
    got = staff.copy_from_previous(hr_repo, pid)
    assert got == {"org_name": ORG_NAME, "org_inn": INN, "subdivision": "Терапия", "position_code": "4",
                   "position_type": "internal_part_time", "contract_kind": "labor", "rate": "0.75"}


def test_search_by_name_snils_and_position(hr_repo: RecordRepository) -> None:
    a = staff.add_person(hr_repo, person_values(SNILS))
    b = staff.add_person(hr_repo, person_values(make_snils("228456739"), last_name="Ёлкина", first_name="Анна"))
    staff.add_card(hr_repo, b, card_values(position_code="3"))
    assert [r["id"] for r in staff.staff_rows(hr_repo, q="елкина")] == [b]
    assert [r["id"] for r in staff.staff_rows(hr_repo, q="128-456")] == [a]
    assert [r["id"] for r in staff.staff_rows(hr_repo, q="заведующий")] == [b]
    assert [r["id"] for r in staff.staff_rows(hr_repo, org_inn=INN)] == [b]
    assert [r["id"] for r in staff.staff_rows(hr_repo)] == [b, a]  # Ёлкина before Иванова


def test_requests_to_many_people_in_one_transaction(hr_repo: RecordRepository) -> None:
    a = staff.add_person(hr_repo, person_values(SNILS))
    b = staff.add_person(hr_repo, person_values(make_snils("228456739"), last_name="Петрова"))
    n = len(hr_repo.outbox())
    with pytest.raises(ValidationFailed):
        send_requests(hr_repo, [a, "00000000-0000-0000-0000-000000000000"], {"kind": "Документы"})
    assert hr_repo.count("request") == 0 and len(hr_repo.outbox()) == n
    ids = send_requests(hr_repo, [a, b], {"kind": "Документы", "text": "Принесите диплом"})
    rows = [hr_repo.get("request", i) for i in ids]
    assert [r["person_id"] for r in rows if r] == [a, b]
    assert all(r and r["org_inn"] == INN and r["status"] == "new" for r in rows)
    with pytest.raises(ValidationFailed):
        send_requests(hr_repo, [a], {"kind": "Документы", "org_inn": OTHER_INN, "org_name": "Чужая"})


def test_repository_refuses_another_organizations_card_offline(hr_repo: RecordRepository) -> None:
    """`frmr add/edit` and the record dialog go through the repository, not the staff core: the
    same rule there. A shared employee's card in another organization arrived from the server."""
    pid = staff.add_person(hr_repo, person_values(SNILS))
    foreign = {**card_values(begin_date="2010-01-01", end_date="2012-12-31"), "org_inn": OTHER_INN,
               "org_name": "Чужая больница", "status": "confirmed"}
    hr_repo.load_synced({"employment": [{"id": "11111111-1111-4111-8111-111111111111", "person_id": pid,
                                          **foreign}]})
    n = len(hr_repo.outbox())
    with pytest.raises(ValidationFailed) as e:
        hr_repo.add("employment", {**card_values(), "org_inn": OTHER_INN, "org_name": "Чужая"}, person_id=pid)
    assert e.value.errors == {"org_inn": staff.OTHER_ORG}
    with pytest.raises(ValidationFailed) as e:
        hr_repo.edit("employment", "11111111-1111-4111-8111-111111111111", {"rate": "0.5"})
    assert e.value.errors == {"org_inn": staff.OTHER_ORG}
    own = staff.add_card(hr_repo, pid, card_values())
    with pytest.raises(ValidationFailed):  # nor moved to another organization
        hr_repo.edit("employment", own, {"org_inn": OTHER_INN, "org_name": "Чужая"})
    assert len(hr_repo.outbox()) == n + 1
