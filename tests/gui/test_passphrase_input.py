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


def test_the_estimator_loads_from_the_first_character_not_with_the_screen() -> None:
    """The unlock screen builds a passphrase field for its recovery page up front: zxcvbn (0.2 s)
    must not load at every start, only once someone types a new passphrase — in the pool."""
    import os
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent("""
        import sys, time
        from PySide6.QtWidgets import QApplication
        app = QApplication([])
        from desktop.views.widgets.passphrase_input import PassphraseInput
        w = PassphraseInput()
        app.processEvents()
        assert "zxcvbn" not in sys.modules
        w.first.setText("к")
        deadline = time.monotonic() + 20
        while "zxcvbn" not in sys.modules and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.01)
        assert "zxcvbn" in sys.modules
        print("ok")
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert proc.stdout.strip() == "ok", proc.stderr
