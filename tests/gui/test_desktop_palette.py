"""Issue 16 item 2: the system palette, dark included. Screenshots (``QWidget.grab``) of the
notification rows, the banners and the unlock screen's demo hint in a light and a dark palette;
the text on each must stand out from its background by a WCAG contrast of at least 4.5:1."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QLabel, QStyleFactory, QTableView, QWidget
from pytestqt.qtbot import QtBot

from desktop.views.access.unlock_view import UnlockView
from desktop.views.shell.notifications_view import NotificationsView
from desktop.views.shell.record_page import RecordPage
from desktop.views.shell.session import Session
from desktop.views.widgets import theme
from desktop.views.widgets.entity_table import ERROR_STYLE, INFO_STYLE, WARNING_STYLE, EntityTableView
from tests.gui.conftest import Made, unlock

SHOTS = Path("/tmp/e1-palette")  # the screenshots, for a person to look at after a run


@pytest.fixture(params=["light", "dark"])
def scheme(request: pytest.FixtureRequest) -> Iterator[str]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    old_palette, old_style = app.palette(), app.style().name()
    app.setStyle(QStyleFactory.create("Fusion"))
    app.setPalette(theme.dark_palette() if request.param == "dark" else app.style().standardPalette())
    assert theme.is_dark() is (request.param == "dark")
    yield str(request.param)
    app.setStyle(QStyleFactory.create(old_style))
    app.setPalette(old_palette)


def text_contrast(image: QImage, rect: QRect) -> float:
    """The background is the commonest colour of the area; the text, the pixel farthest from it."""
    pixels = Counter(image.pixelColor(x, y).rgb() for x in range(rect.left(), rect.right() + 1)
                     for y in range(rect.top(), rect.bottom() + 1))
    background = QColor.fromRgb(pixels.most_common(1)[0][0])
    return max(theme.contrast(background, QColor.fromRgb(p)) for p in pixels)


def save(widget: QWidget, name: str) -> QImage:
    image = widget.grab().toImage()
    SHOTS.mkdir(parents=True, exist_ok=True)
    image.save(str(SHOTS / f"{name}.png"))
    return image


def test_every_tone_and_text_colour_reads_well_on_its_own_background() -> None:
    for kind, tones in theme.TONES.items():
        for t in tones:
            assert theme.contrast(QColor(t.background), QColor(t.text)) >= 4.5, kind
    light_window, dark_window = QColor("#efefef"), QColor("#2b2b2b")
    for kind, (light, dark) in theme.TEXT.items():
        assert theme.contrast(QColor(light), light_window) >= 4.5, kind
        assert theme.contrast(QColor(dark), dark_window) >= 4.5, kind


def test_notification_rows_and_banners_are_readable(qtbot: QtBot, scheme: str, session: Session,
                                                    made: Made) -> None:
    session.start(made.folder)
    unlock(qtbot, session)
    page = session.window.current_page()
    assert isinstance(page, RecordPage)
    session.window.resize(1200, 800)

    view = page.select(page.titles[page.ids.index("reminders")])
    assert isinstance(view, NotificationsView)
    table: QTableView = view.table
    assert view.count() > 0, "the demo record has reminders"
    qtbot.waitUntil(lambda: table.viewport().isVisible(), timeout=5_000)
    shot = save(table.viewport(), f"notifications-{scheme}")
    ratio = shot.width() / table.viewport().width()
    for row in range(min(view.count(), 6)):
        for col in range(table.model().columnCount()):
            r = table.visualRect(table.model().index(row, col))
            area = QRect(int(r.left() * ratio), int(r.top() * ratio), int(r.width() * ratio), int(r.height() * ratio))
            assert text_contrast(shot, area.adjusted(1, 1, -1, -1)) >= 4.5, (scheme, row, col)
    if view.nmo_label.isVisible():
        label_shot = save(view.nmo_label, f"nmo-banner-{scheme}")
        assert text_contrast(label_shot, label_shot.rect()) >= 4.5

    employment = page.select(page.titles[page.ids.index("employment")])
    tables = employment.findChildren(EntityTableView)
    assert tables
    banner = tables[0].banner
    for kind in (WARNING_STYLE, ERROR_STYLE, INFO_STYLE):
        banner.show_message("Проверьте даты: периоды работы пересекаются.", kind)
        qtbot.waitUntil(banner.isVisible, timeout=2_000)
        image = save(banner, f"banner-{kind}-{scheme}")
        assert text_contrast(image, image.rect().adjusted(2, 2, -2, -2)) >= 4.5, (scheme, kind)


def test_the_demo_hint_on_the_unlock_screen_is_readable(qtbot: QtBot, scheme: str, session: Session,
                                                        made: Made) -> None:
    from desktop.vault.profiles import read_profile, write_profile

    prof = read_profile(made.folder)
    prof.demo, prof.demo_passphrase = True, "demo-frmr-2026"
    write_profile(prof)
    session.start(made.folder)
    view = session.window.current_page()
    assert isinstance(view, UnlockView)
    label: QLabel = view.demo_label
    qtbot.waitUntil(label.isVisible, timeout=2_000)
    image = save(label, f"demo-hint-{scheme}")
    assert text_contrast(image, image.rect().adjusted(1, 1, -1, -1)) >= 4.5
    save(session.window, f"unlock-{scheme}")
