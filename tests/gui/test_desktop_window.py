"""Issue 16 item 3: every screen size. The first window fits the available screen at 100–200 %
scaling; the open record fits 960×600 logical pixels (1440×900 at 150 %); the window's place and
its splitters are remembered per profile; previews render at the device pixel ratio."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtWidgets import QSplitter
from pytestqt.qtbot import QtBot

from desktop.views.shell import window_state
from desktop.views.shell.main_window import MainWindow
from desktop.views.shell.record_page import RecordPage
from desktop.views.shell.session import Session
from tests.gui.conftest import Made, unlock

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("scale", ["1", "1.25", "1.5", "2"])
def test_the_first_window_fits_the_screen_at_any_scaling(scale: str) -> None:
    script = textwrap.dedent("""
        from PySide6.QtWidgets import QApplication
        from desktop.views.shell.main_window import MainWindow
        app = QApplication([])
        w = MainWindow()
        w.show()
        app.processEvents()
        area, frame = w.screen().availableGeometry(), w.frameGeometry()
        print(area.contains(frame), w.width(), w.height(), area.width(), area.height())
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": scale}, check=False)
    assert proc.returncode == 0, proc.stderr
    fits, width, height, area_w, area_h = proc.stdout.split()
    assert fits == "True", proc.stdout
    assert int(width) <= int(area_w) and int(height) <= int(area_h)


def test_the_open_record_fits_960_by_600(qtbot: QtBot, opened: Session) -> None:
    page = opened.window.current_page()
    assert isinstance(page, RecordPage)
    for section_id in page.ids:
        page.select(section_id)
        hint = opened.window.minimumSizeHint()
        assert hint.width() <= 960 and hint.height() <= 600, (section_id, hint)
    opened.window.resize(960, 600)
    qtbot.wait(50)
    assert opened.window.width() <= 960 and opened.window.height() <= 600


def test_the_window_and_its_splitters_are_remembered_per_profile(qtbot: QtBot, session: Session,
                                                                 made: Made) -> None:
    session.start(made.folder)
    unlock(qtbot, session)
    page = session.window.record
    assert page is not None
    session.window.resize(700, 560)  # the offscreen screen is 800×800
    page.splitter.setSizes([260, 420])
    employment = page.select("employment")
    details = employment.findChild(QSplitter, "details_splitter")
    assert details is not None
    details.setSizes([150, 350])
    qtbot.wait(20)
    kept_nav, kept_details = page.splitter.sizes()[0], details.sizes()
    kept_size = (session.window.width(), session.window.height())
    session.lock()
    doc = json.loads((made.folder / window_state.FILE).read_text(encoding="utf-8"))
    assert {"geometry", "splitters"} <= set(doc)
    assert {"record_splitter", "employment/details_splitter"} <= set(doc["splitters"])

    # Next start: a new window on the same profile.
    window = MainWindow()
    qtbot.addWidget(window)
    again = Session(window, made.root)
    window.show()
    again.start(made.folder)
    assert (window.width(), window.height()) == kept_size
    unlock(qtbot, again)
    page2 = window.record
    assert page2 is not None
    assert page2.splitter.sizes()[0] == kept_nav
    details2 = page2.select("employment").findChild(QSplitter, "details_splitter")
    assert details2 is not None and details2.sizes() == kept_details
    window.close()


@pytest.mark.parametrize("content", ["{broken", '{"geometry": "####", "splitters": [1]}', '"x"'])
def test_a_damaged_window_file_is_ignored(qtbot: QtBot, session: Session, made: Made, content: str) -> None:
    (made.folder / window_state.FILE).write_text(content, encoding="utf-8")
    before = session.window.size()
    session.start(made.folder)
    assert session.window.size() == before
    unlock(qtbot, session)
    assert session.window.record is not None


def _blank_pdf() -> bytes:
    import io

    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    pdf.new_page(595, 842)
    buf = io.BytesIO()
    pdf.save(buf)
    return buf.getvalue()


def test_previews_render_at_the_device_pixel_ratio(qtbot: QtBot) -> None:
    from desktop.views.widgets.pdf_preview import PreviewDialog, render_document

    data = _blank_pdf()
    [plain] = render_document(data, dpr=1.0)
    [sharp] = render_document(data, dpr=2.0)
    assert sharp.width() == pytest.approx(2 * plain.width(), abs=2)
    assert sharp.devicePixelRatio() == 2.0
    shown = []
    for images in ([plain], [sharp]):
        dialog = PreviewDialog("проба")
        qtbot.addWidget(dialog)
        dialog.set_pages(images)
        shown.append(dialog.page_labels[0].sizeHint().width())
    # The same size on screen, with twice the pixels in it.
    assert shown[1] == pytest.approx(shown[0], abs=3)
