"""``FRMR_STALL_LOG``: a deliberate 50 ms block of the event loop shows up in the file, in the
format other tools read; without the variable nothing is installed."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from desktop.views.runtime import stall

LINE = re.compile(r"^(\d{10}) (\d+) (\S+)$")


@pytest.fixture(autouse=True)
def _fresh() -> None:
    stall._log = None


def test_off_by_default_installs_nothing(monkeypatch: pytest.MonkeyPatch, qtbot: QtBot) -> None:
    monkeypatch.delenv(stall.ENV, raising=False)
    assert stall.install() is None
    assert stall._log is None


def test_a_50ms_block_is_logged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qtbot: QtBot) -> None:
    path = tmp_path / "stalls.log"
    monkeypatch.setenv(stall.ENV, str(path))
    label = QLabel("x")
    label.setObjectName("documents")
    qtbot.addWidget(label)
    log = stall.install(lambda: label.objectName())
    assert log is not None
    qtbot.wait(100)  # a few quiet heartbeats first
    before = time.time()
    QTimer.singleShot(0, lambda: time.sleep(0.05))
    qtbot.wait(100)
    log.stop()
    after = time.time()
    lines = path.read_text(encoding="utf-8").splitlines()
    parsed = [LINE.match(x) for x in lines]
    assert lines and all(parsed), lines
    worst = max(parsed, key=lambda m: int(m.group(2)) if m else 0)
    assert worst is not None
    assert int(before) <= int(worst.group(1)) <= int(after)
    assert 45 <= int(worst.group(2)) <= 200
    assert worst.group(3) == "documents"


def test_the_section_id_is_the_registry_id_not_the_title(qtbot: QtBot) -> None:
    """The app installs the log with ``MainWindow.section_id``: with the workspace open it names
    the visible section by its stable id (what a stall line carries), otherwise the page."""
    from desktop.views.shell.main_window import MainWindow
    from desktop.views.shell.record_page import RecordPage

    window = MainWindow()
    qtbot.addWidget(window)
    unlock = QLabel("x")
    unlock.setObjectName("unlock_view")
    window.show_page(unlock)
    assert window.section_id() == "unlock_view"
    page = RecordPage()
    page.add_section("profile", "Профиль", QLabel("p"))
    page.add_section("documents", "Документы", QLabel("d"))
    window.show_page(page)
    assert window.section_id() == "profile"
    page.select("Документы")
    assert window.section_id() == "documents"
