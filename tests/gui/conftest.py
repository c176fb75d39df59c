from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.demo import seed_demo_vault
from desktop.i18n import set_language
from desktop.vault.profiles import create_profile
from desktop.views.access.unlock_view import UnlockView
from desktop.views.shell.main_window import MainWindow
from desktop.views.shell.session import Session

PASS = "Верная-фраза-2026!"
NAME = "Иванова"


@dataclass
class Made:
    root: Path
    folder: Path
    recovery: str


@pytest.fixture
def profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "profiles"
    monkeypatch.setenv("FRMR_PROFILES_DIR", str(root))
    set_language("ru")
    return root


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Made:
    """Built once: a profile with the demo record (person, education, employment, НМО …) and
    consent given. Tests get a copy, so each one starts from the same untouched vault."""
    root = tmp_path_factory.mktemp("template")
    prof = create_profile(root, "Тестовый профиль")
    recovery = seed_demo_vault(prof.folder, PASS, user="tester")
    return Made(root, prof.folder, recovery)


@pytest.fixture
def made(profiles: Path, template: Made) -> Made:
    folder = profiles / template.folder.name
    shutil.copytree(template.folder, folder)
    return Made(profiles, folder, template.recovery)


@pytest.fixture
def session(qtbot: QtBot, profiles: Path) -> Iterator[Session]:
    window = MainWindow()
    qtbot.addWidget(window)
    s = Session(window, profiles)
    window.show()
    yield s
    window.close()
    s.idle.stop()  # a test that never locked leaves no filter on the next test's windows


def unlock(qtbot: QtBot, s: Session, passphrase: str = PASS) -> None:
    view = s.window.current_page()
    assert isinstance(view, UnlockView)
    view.passphrase.setText(passphrase)
    with qtbot.waitSignal(s.record_shown, timeout=10_000):
        view.unlock_button.click()


@pytest.fixture
def opened(qtbot: QtBot, session: Session, made: Made) -> Session:
    session.start(made.folder)
    unlock(qtbot, session)
    # Sections are built one per event-loop turn after the record shows; let them finish so a
    # test starts from a settled window (the offscreen platform drops activation meanwhile).
    page = session.window.record
    assert page is not None
    qtbot.waitUntil(lambda: page.pending() == 0, timeout=10_000)
    return session


def wait_worker_idle(qtbot: QtBot, s: Session) -> None:
    qtbot.waitUntil(lambda: not s.worker.busy, timeout=10_000)
