"""The passphrase widget applies the one policy with the person's own data (issue 16 item 8)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop.vault.passphrase import personal_inputs
from desktop.views.widgets.passphrase_input import PassphraseInput


def test_widget_refuses_a_phrase_built_on_the_persons_name(qtbot: QtBot) -> None:
    w = PassphraseInput(user_inputs=personal_inputs({"last_name": "Иванова", "birth_date": "1984-03-17"}))
    qtbot.addWidget(w)
    for field in (w.first, w.second):
        field.setText("Иванова1984-03-17!")
    assert w.value() is None
    assert "имени или дате рождения" in w.label.text()
    for field in (w.first, w.second):
        field.setText("кирпич зонт весна 42")
    assert w.value() == "кирпич зонт весна 42"


def test_p_at_ssw0rd_is_weak_in_the_window_too(qtbot: QtBot) -> None:
    w = PassphraseInput()
    qtbot.addWidget(w)
    w.first.setText("P@ssw0rd2026")
    w.second.setText("P@ssw0rd2026")
    assert w.label.text().startswith("слабая") and w.value() is None and w.bar.value() <= 1
