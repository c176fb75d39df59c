"""The interface in English and a language switch while the record is open (catalog coverage:
tests/core/test_i18n.py); crash logs carry no personal data."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.diagnostics import crash
from desktop.i18n import set_language, tr
from desktop.views.access.settings_view import SettingsView
from desktop.views.shell.main_window import APP_TITLE
from desktop.views.shell.record_page import RecordPage
from desktop.views.shell.session import Session
from tests.gui.conftest import Made, unlock


@pytest.fixture
def english(profiles: Path) -> Iterator[None]:
    set_language("en")
    yield
    set_language("ru")


def test_english_interface(qtbot: QtBot, english: None, session: Session, made: Made) -> None:
    assert tr("Сохранить") == "Save"
    session.start(made.folder)
    unlock(qtbot, session)
    page = session.window.current_page()
    assert isinstance(page, RecordPage)
    assert page.titles[:3] == ["Home", "Profile", "Education"]  # «Главная» first (issue 15)
    employment = page.select("Employment")
    model = employment.model  # type: ignore[attr-defined]
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert "Organization" in headers and "Start date" in headers
    assert session.window.statusbar_widgets["vault"].text() == "Vault: open"
    assert "Medical length of service" in employment.total_label.text()  # type: ignore[attr-defined]


def test_language_switches_while_the_record_is_open(qtbot: QtBot, english: None, opened: Session) -> None:
    set_language("ru")  # the record was opened in Russian; ``english`` puts Russian back afterwards
    opened.retranslate()
    page = opened.window.record
    assert page is not None and page.titles[:2] == ["Главная", "Профиль"]
    employment = page.select("Трудовая деятельность")
    employment.table.filter.setText("Городская")  # type: ignore[attr-defined]
    settings = opened.views["settings"]
    assert isinstance(settings, SettingsView)
    page.select("Настройки")
    settings.language.setCurrentIndex(settings.language.findData("en"))
    settings.save()
    qtbot.waitUntil(lambda: opened.window.record is not page, timeout=5000)
    new = opened.window.record
    assert new is not None
    assert new.titles[:3] == ["Home", "Profile", "Education"]
    assert new.titles[new.nav.currentRow()] == "Settings"  # still where the person was
    shown = opened.views["settings"]
    assert isinstance(shown, SettingsView) and shown.saved_label.text() == "Settings saved."
    assert [a.text() for a in opened.window.menuBar().actions()] == ["&File", "&Help"]  # with mnemonics
    assert opened.lock_action.text() == "Lock"
    assert opened.window.statusbar_widgets["vault"].text() == "Vault: open"
    assert opened.window.windowTitle() == tr(APP_TITLE) != APP_TITLE
    employment = new.select("Employment")
    assert "Medical length of service" in employment.total_label.text()  # type: ignore[attr-defined]
    # The record stays open and editable in the new language. A save makes the store announce a
    # change: the old page's models and views, deleted with it, must not hear it (pytest-qt fails
    # the test on an exception in the event loop).
    store = opened.store
    assert store is not None and opened.vault is not None and opened.vault.is_open
    row = next(r for r in store.rows("nmo") if r["status"] == "pending")  # confirmed ones are the registry's
    with qtbot.waitSignal(store.changed, timeout=5000):
        store.save("nmo", row["id"], {"title": "После смены языка"})
    qtbot.wait(50)
    assert any(r["title"] == "После смены языка" for r in store.rows("nmo"))
    # Back to Russian the same way.
    shown.language.setCurrentIndex(shown.language.findData("ru"))
    shown.save()
    qtbot.waitUntil(lambda: opened.window.record is not new, timeout=5000)
    again = opened.window.record
    assert again is not None and again.titles[:2] == ["Главная", "Профиль"]
    assert opened.lock_action.text() == "Заблокировать"
    assert opened.window.statusbar_widgets["vault"].text() == "Хранилище: открыто"


def test_unknown_language_falls_back_to_russian() -> None:
    assert set_language("xx") == "ru"
    assert tr("Сохранить") == "Сохранить"


def test_crash_log_has_no_personal_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRMR_LOG_DIR", str(tmp_path / "logs"))
    secret_name, secret_snils = "Шпаковская", "11223344595"

    def fail(person: dict[str, str]) -> None:
        raise ValueError(f"bad person {person['name']} {person['snils']}")

    try:
        fail({"name": secret_name, "snils": secret_snils})
    except ValueError:
        exc_type, _exc, tb = sys.exc_info()
        assert exc_type is not None
        path = crash.write_crash_log(exc_type, tb)
    assert path is not None and path.parent == tmp_path / "logs"
    text = path.read_text(encoding="utf-8")
    assert "builtins.ValueError" in text and "test_i18n_and_crash.py" in text and "in fail" in text
    assert secret_name not in text and secret_snils not in text and "bad person" not in text


def test_core_dumps_disabled() -> None:
    resource = pytest.importorskip("resource")
    old = resource.getrlimit(resource.RLIMIT_CORE)
    try:
        crash.disable_core_dumps()
        assert resource.getrlimit(resource.RLIMIT_CORE) == (0, 0)
    finally:
        try:
            resource.setrlimit(resource.RLIMIT_CORE, (0, old[1]))
        except (ValueError, OSError):
            pass
