"""The doctor's «Главная» (issue 15) in the real shell over a real vault: стаж, the НМО cycle by
year (stacked by kind, the running total against the requirement), the expiry timeline with today,
what waits — each leading to its section; a change to the record refreshes it; screenshots in a
light and a dark palette (/tmp/g-home-*.png, looked at)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from PySide6.QtWidgets import QApplication, QStyleFactory
from pytestqt.qtbot import QtBot

from desktop.models.repository import RecordRepository
from desktop.views.dashboards.home_model import load_home, nmo_by_year
from desktop.views.dashboards.home_view import HomeView
from desktop.views.runtime.ops import Op, OpChanges
from desktop.views.shell.session import Session
from desktop.views.widgets import theme
from tests.gui.conftest import wait_worker_idle


@pytest.fixture(params=["light", "dark"])
def scheme(request: pytest.FixtureRequest) -> Iterator[str]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    old_palette, old_style = app.palette(), app.style().name()
    app.setStyle(QStyleFactory.create("Fusion"))
    app.setPalette(theme.dark_palette() if request.param == "dark" else app.style().standardPalette())
    yield str(request.param)
    app.setStyle(QStyleFactory.create(old_style))
    app.setPalette(old_palette)


def test_nmo_by_year_counts_confirmed_credits_of_the_cycle() -> None:
    rows = [{"event_date": "2022-03-01", "kind": "program", "credits": "36", "status": "confirmed"},
            {"event_date": "2022-05-01", "kind": "iom", "credits": "2", "status": "confirmed"},
            {"event_date": "2023-05-01", "kind": "event", "credits": "6", "status": "confirmed"},
            {"event_date": "2023-06-01", "kind": "event", "credits": "6", "status": "pending"},  # not counted
            {"event_date": "2019-06-01", "kind": "event", "credits": "6", "status": "confirmed"},  # before
            {"event_date": "bad", "kind": "event", "credits": "6", "status": "confirmed"}]
    data, table = nmo_by_year(rows, dt.date(2022, 1, 10), dt.date(2027, 1, 9), Decimal(144),
                              dt.date(2023, 7, 1))
    assert data.labels == ["2022", "2023", "2024", "2025", "2026", "2027"]
    assert [s[:2] for s in data.series] == [[36.0, 0.0], [2.0, 0.0], [0.0, 6.0]]
    assert data.line is not None and data.line[:2] == [38.0, 44.0] and data.line[-1] == 44.0
    assert data.marker == 144.0 and data.today == 1
    assert table[1] == ["2023", 0.0, 0.0, 6.0, 44.0]


def test_home_is_first_and_leads_to_sections(qtbot: QtBot, opened: Session, scheme: str) -> None:
    page = opened.window.record
    assert page is not None and page.ids[0] == "home"
    view = opened.views["home"]
    assert isinstance(view, HomeView)
    qtbot.waitUntil(lambda: view.home is not None, timeout=10_000)
    home = view.home
    assert home is not None
    store = opened.store
    assert store is not None
    expected = load_home(RecordRepository(store.repo.vault), opened.settings)  # the same read, independently
    assert home.seniority == expected.seniority and "л." in home.seniority
    assert [e.day for e in home.expiries] == sorted(e.day for e in home.expiries)
    assert view.timeline.items == [(e.day, e.text) for e in home.expiries]
    assert view.nmo.chart.data.marker == 144.0
    counts = {w.label: w.count for w in home.waiting}
    assert set(counts) == {"Открытые запросы организаций", "Карточки на подтверждении",
                           "Заявления на аккредитацию в работе", "Неотправленные изменения"}
    # a waiting item leads to its section
    button = view.buttons["Открытые запросы организаций"]
    button.click()
    assert page.current_id() == "requests"
    # a new unsent change shows at once
    before = counts["Неотправленные изменения"]
    repo = store.repo
    Op(view, lambda: repo.add("nmo", {"event_date": dt.date.today().strftime("%d.%m.%Y"), "kind": "iom",
                                      "title": "Модуль", "credits": "2"}), worker=store.worker) \
        .changes(OpChanges.of("nmo", outbox=True)).run()
    wait_worker_idle(qtbot, opened)
    qtbot.waitUntil(lambda: view.home is not None
                    and {w.label: w.count for w in view.home.waiting}["Неотправленные изменения"] == before + 1,
                    timeout=10_000)
    page.select("home")
    opened.window.resize(1280, 960)
    QApplication.processEvents()
    assert view.grab().toImage().save(f"/tmp/g-home-{scheme}.png")
