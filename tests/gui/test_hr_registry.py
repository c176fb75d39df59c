"""«Добавить сотрудника» asks the registry (a real server on loopback) before creating anyone:
a СНИЛС the registry knows in another organization is linked under the registry's id, not
created a second time (and nothing of that person is shown before); one of the clerk's own staff
not synced yet is taken as the registry has it; an unknown one is created."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.demo import DEMO_PASSPHRASE, ensure_staff_demo_profiles
from desktop.models.checkdigits import format_snils, make_snils
from desktop.models.validation import ValidationFailed
from desktop.sync.embedded import DemoServer, start_demo
from desktop.vault.store import Vault
from desktop.vault.unlock import unwrap_data_key
from desktop.views.hr.card_tasks import save_person
from desktop.views.hr.staff_view import AddPersonDialog, StaffView
from desktop.views.shell.session import Session
from tests.gui.conftest import unlock

#: the first generated person of the demo's second organization (server/seed.py person_row, n=13)
OTHER_ORG_SNILS = make_snils(f"{200_000_000 + 13 * 7919 % 700_000_000:09d}")
#: the demo doctor, on the staff of the clerk's organization
OWN_STAFF_SNILS = make_snils("128456739")


@pytest.fixture
def logged_in(profiles: Path) -> Iterator[Path]:
    folder = ensure_staff_demo_profiles(profiles)[0]
    vault = Vault(folder, unwrap_data_key(folder, DEMO_PASSPHRASE))
    demo: DemoServer = start_demo(folder, vault, "hr1")  # logged in as the clerk, nothing synced
    vault.close()
    try:
        yield folder
    finally:
        demo.stop()


def ask(qtbot: QtBot, view: StaffView, snils: str) -> AddPersonDialog:
    dialog = view.add_person()
    assert dialog is not None
    dialog.snils.setText(format_snils(snils))
    dialog.next_button.click()
    qtbot.waitUntil(lambda: "Поиск" not in dialog.snils_hint.text() and "верный" not in dialog.snils_hint.text(),
                    timeout=20_000)
    return dialog


def ask_linked(qtbot: QtBot, view: StaffView, snils: str) -> str:
    dialog = view.add_person()
    assert dialog is not None
    dialog.snils.setText(format_snils(snils))
    with qtbot.waitSignal(dialog.person_ready, timeout=20_000) as ready:
        dialog.next_button.click()
    return str(ready.args[0])


def test_the_registry_is_asked_before_a_person_is_created(qtbot: QtBot, session: Session,
                                                          logged_in: Path) -> None:
    session.start(logged_in)
    unlock(qtbot, session, DEMO_PASSPHRASE)
    page = session.window.record
    assert page is not None
    qtbot.waitUntil(lambda: page.pending() == 0, timeout=10_000)
    view = session.views["staff"]
    assert isinstance(view, StaffView)
    # known elsewhere: nothing about them is shown; the clerk types them in and they are linked
    elsewhere = ask(qtbot, view, OTHER_ORG_SNILS)
    assert "уже есть в регистре" in elsewhere.snils_hint.text()
    assert elsewhere.stage == "person" and elsewhere.next_button.text() == "Связать"
    assert elsewhere.registry_known is not None and set(elsewhere.registry_known["fields"]) == {"snils"}
    other_id = str(elsewhere.registry_known["person_id"])
    elsewhere.form.set_values({"last_name": "Связанная", "first_name": "Анна", "gender": "female",
                               "birth_date": "1980-01-01"})
    with qtbot.waitSignal(elsewhere.person_ready, timeout=10_000) as linked:
        elsewhere.next_button.click()
    assert linked.args == [other_id, True]
    repo = view.store.repo
    assert repo.get("person", other_id) is not None
    assert not [o for o in repo.outbox() if o["entity_id"] == other_id]  # linked, not re-created
    # their own data is not the clerk's: the card says so and saving it is refused offline
    card = view.open_person(other_id)
    qtbot.waitUntil(lambda: card.data is not None, timeout=10_000)
    assert card.data is not None and card.data.linked
    assert not card.form.isEnabled() and "Человек из регистра" in card.person_status.text()
    with pytest.raises(ValidationFailed):
        save_person(repo, other_id, {"last_name": "Другая"})
    card.close()
    # one of the clerk's own staff not synced here yet: taken as the registry has it, and opened
    own = ask_linked(qtbot, view, OWN_STAFF_SNILS)
    row = repo.get("person", own)
    assert row is not None and row["last_name"] == "Иванова" and row["version"] > 0
    new = ask(qtbot, view, make_snils("555444333"))
    assert new.stage == "person" and "ни в регистре" in new.snils_hint.text().lower()
    new.reject()
