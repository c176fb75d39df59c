"""The real app in English shows no Russian except record data (issue 16, item 10).

For each role (doctor, HR clerk, manager, registry operator) a vault of that role is opened in
English, every section of its workspace is opened, and every widget of the window is read:
labels, buttons, menus and actions, tooltips, status tips, accessible names, window titles,
placeholders, combo items, tab and group titles, table headers and the first rows of every item
model, the navigation list and the status bar. Cyrillic is allowed only inside record data: the
texts stored in the vault (names, organizations, positions, document titles …) and what they are
shown as (НСИ names of stored codes), read from the vault itself — see docs/i18n.md for why
record data stays Russian.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QPlainTextEdit,
    QTabBar,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from desktop.i18n import LANGUAGES, set_language
from desktop.models.nsi import shipped
from desktop.vault.store import Vault
from desktop.vault.unlock import unwrap_data_key
from desktop.views.shell.session import Session
from tests.gui.conftest import PASS, Made, unlock
from tests.gui.hr_vault import POLY, make_hr_vault
from tests.gui.test_shell_roles import set_role

CYRILLIC = re.compile("[А-Яа-яЁё]")
ROWS = 40  # rows of each item model read (enum labels and computed texts live in the cells too)


def record_data(folder: Path, extra: Iterable[str] = (), passphrase: str = PASS) -> re.Pattern[str]:
    """Every text stored in the vault, and the НСИ names, as one pattern (longest first) that
    removes record data from a shown text."""
    values: set[str] = {v for v in extra if v}
    vault = Vault(folder, unwrap_data_key(folder, passphrase))
    try:
        with vault.begin() as conn:
            tables = [r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in tables:
                for row in conn.exec_driver_sql(f'SELECT * FROM "{table}"'):
                    for v in row:
                        if isinstance(v, str) and v and len(v) < 2000:
                            values.add(v)
                            if v.startswith(("[", "{")):  # JSON payloads: their strings are data too
                                values.update(re.findall(r'"((?:[^"\\]|\\.)*)"', v))
    finally:
        vault.close()
    # НСИ names are reference data in Russian law (specialties, positions, organizations' kinds):
    # shown as they are in every language, like the record data that cites them.
    nsi = shipped()
    for key in nsi.keys():
        values.update(nsi.get(key).entries.values())
    # A person is shown as «Фамилия Имя Отчество» and «Фамилия И. О.»: the parts are data.
    words = {w for v in values for w in re.findall(r"[А-Яа-яЁё][А-Яа-яЁё-]*", v)}
    cyrillic = sorted((v for v in values | words if CYRILLIC.search(v)), key=len, reverse=True)
    return re.compile("|".join(re.escape(v) for v in cyrillic))


def _model_texts(model: QAbstractItemModel | None) -> Iterator[str]:
    if model is None:
        return
    root = QModelIndex()
    try:
        columns = model.columnCount(root)
    except TypeError:  # QAbstractListModel keeps columnCount private: one column
        columns = 1
    for c in range(columns):
        yield str(model.headerData(c, Qt.Orientation.Horizontal) or "")
    for r in range(min(model.rowCount(root), ROWS)):
        for c in range(columns):
            idx = model.index(r, c)
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                value = model.data(idx, role)
                if isinstance(value, str):
                    yield value


def shown_texts(root: QWidget) -> Iterator[tuple[str, str]]:
    """(where, text) for every user-visible text under ``root``."""
    for w in [root, *root.findChildren(QWidget)]:
        where = f"{type(w).__name__}#{w.objectName()}"
        yield f"{where}.toolTip", w.toolTip()
        yield f"{where}.statusTip", w.statusTip()
        yield f"{where}.accessibleName", w.accessibleName()
        yield f"{where}.accessibleDescription", w.accessibleDescription()
        if w.isWindow():
            yield f"{where}.windowTitle", w.windowTitle()
        if isinstance(w, QLabel):
            yield f"{where}.text", w.text()
        elif isinstance(w, QAbstractButton):
            yield f"{where}.text", w.text()
        elif isinstance(w, QLineEdit):
            yield f"{where}.placeholder", w.placeholderText()
        elif isinstance(w, (QTextEdit, QPlainTextEdit)):
            yield f"{where}.placeholder", w.placeholderText()
            if w.isReadOnly():
                yield f"{where}.text", w.toPlainText()
        elif isinstance(w, QComboBox):
            for i in range(w.count()):
                yield f"{where}.item", w.itemText(i)
        elif isinstance(w, QGroupBox):
            yield f"{where}.title", w.title()
        elif isinstance(w, QTabBar):
            for i in range(w.count()):
                yield f"{where}.tab", w.tabText(i)
                yield f"{where}.tabToolTip", w.tabToolTip(i)
        elif isinstance(w, QMenu):
            yield f"{where}.title", w.title()
        if isinstance(w, QListWidget):
            for i in range(w.count()):
                item = w.item(i)
                yield f"{where}.item", item.text() if item is not None else ""
        elif isinstance(w, QAbstractItemView):
            for text in _model_texts(w.model()):
                yield f"{where}.model", text
    for a in root.findChildren(QAction):
        where = f"QAction#{a.objectName()}"
        yield f"{where}.text", a.text()
        yield f"{where}.toolTip", a.toolTip() if a.toolTip() != a.text().replace("&", "") else ""
        yield f"{where}.statusTip", a.statusTip()


def russian_left(root: QWidget, data: re.Pattern[str]) -> list[str]:
    found = []
    for where, text in shown_texts(root):
        if text and CYRILLIC.search(text):
            rest = data.sub("", text)
            if CYRILLIC.search(rest):
                found.append(f"{where}: {text[:160]!r}")
    return sorted(set(found))


def walk(qtbot: QtBot, session: Session, folder: Path, extra: Iterable[str] | Callable[[], Iterable[str]] = (), *,
         passphrase: str = PASS, settle_ms: int = 150) -> dict[str, list[str]]:
    """``extra``: more record data, or a function giving it — read again at every section, for
    data the server writes while the sections are opened (its audit journal)."""
    session.start(folder)
    unlock(qtbot, session, passphrase)
    page = session.window.record
    assert page is not None
    qtbot.waitUntil(lambda: page.pending() == 0, timeout=15_000)
    found: dict[str, list[str]] = {}
    for section_id in list(page.ids):
        page.select(section_id)
        qtbot.wait(settle_ms)  # a section's first read is an op (or a request to the server): let it answer
        qtbot.waitUntil(lambda: not session.worker.busy, timeout=15_000)
        more = extra() if callable(extra) else extra
        # Read now: a connected vault has synced what the sections show; a language names itself.
        data = record_data(folder, [*more, *LANGUAGES.values()], passphrase)
        left = russian_left(session.window, data)
        if left:
            found[section_id] = left
    return found


@pytest.fixture
def english(profiles: Path) -> Iterator[None]:
    """English before the window is built, as ``frmr-desktop --lang en`` does."""
    set_language("en")
    yield
    set_language("ru")


def _report(found: dict[str, list[str]]) -> str:
    seen: set[str] = set()
    lines = []
    for section, texts in found.items():
        for t in texts:
            if t not in seen:
                seen.add(t)
                lines.append(f"[{section}] {t}")
    return "\n".join(lines)


def test_doctor_in_english(qtbot: QtBot, english: None, session: Session, made: Made) -> None:
    found = walk(qtbot, session, made.folder, ["Тестовый профиль"])
    assert not found, _report(found)


@pytest.mark.parametrize("role", ["hr", "manager"])
def test_staff_roles_in_english(qtbot: QtBot, english: None, session: Session, profiles: Path, role: str) -> None:
    folder = make_hr_vault(profiles, 40, role=role)
    found = walk(qtbot, session, folder, ["Кадровик", POLY["name"]])
    assert not found, _report(found)


def test_operator_in_english(qtbot: QtBot, english: None, session: Session, made: Made) -> None:
    set_role(made.folder, "admin")
    found = walk(qtbot, session, made.folder, ["Тестовый профиль"])
    assert not found, _report(found)


def test_the_walk_finds_russian_and_spares_record_data(qtbot: QtBot, made: Made) -> None:
    """The detector itself: an untranslated label is found; a name from the vault is not."""
    data = record_data(made.folder)
    root = QWidget()
    qtbot.addWidget(root)
    QLabel("Сохранить", root)
    QLabel("Name: Иванова", root)  # the demo person's surname is record data
    combo = QComboBox(root)
    combo.addItem("Терапия")  # an НСИ specialty
    assert russian_left(root, data) == ["QLabel#.text: 'Сохранить'"]
    assert sum(1 for _where, text in shown_texts(root) if text) >= 3
