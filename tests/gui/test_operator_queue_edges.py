"""A hostile review of the operator's queues (issue 15): the quick filter against an independent
count over random typing (narrowing, widening, ё/Ё, spaces, pasted text), the selection after a
filter and after a new list (never another row's id), and the views over a real server — an
answer that arrives after the operator chose another status must not replace the newer list,
and the «first 10,000» warning must not outlive the list it was about."""

from __future__ import annotations

import http.client
import random
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from pytestqt.qtbot import QtBot

from bench.operator_queue import applications
from desktop.vault.store import Vault
from desktop.views.operator.applications_view import HEADER, ApplicationsView, _queue
from desktop.views.operator.nmo_view import NmoQueueView
from desktop.views.operator.queue_model import ID_ROLE, QUEUE_LIMIT, QueueTable
from server.testing import run_server
from tests.gui.test_dashboard_operator import admin_vault
from tests.gui.test_operator_queue import shown_queue
from tests.reports.test_cli import add_rows
from tests.sync.world import ServerDb


def _fold(t: str) -> str:
    return t.casefold().replace("ё", "е")


def _shown(table: QueueTable) -> list[str]:
    m = table.model()
    return [str(m.index(r, 0).data(ID_ROLE)) for r in range(m.rowCount())]


def _table(qtbot: QtBot, n: int, seed: int) -> tuple[QueueTable, list[list[str]], list[str], list[str]]:
    return shown_queue(qtbot, applications(n, seed=seed), 900, 400)


def test_random_typing_shows_exactly_the_matching_rows(qtbot: QtBot) -> None:
    """Characters typed, deleted, replaced and pasted at random (with ё, Ё and spaces): after each
    step the rows shown, in their order, are the rows whose search text holds the folded text."""
    table, cells, ids, hays = _table(qtbot, 3000, seed=5)
    by_id = dict(zip(ids, cells, strict=True))
    rnd = random.Random(17)
    alphabet = [*"ёЁеЕаАнН- 0123456789елкинаА-2026", "  ", "Ёлкина", "А-2026-1", "м"]
    text = ""
    for _ in range(400):
        r = rnd.random()
        if r < 0.55 or not text:
            text += rnd.choice(alphabet)
        elif r < 0.8:
            text = text[:-1]
        elif r < 0.9:
            text = text[rnd.randrange(len(text)):]  # the start cut away: not a narrowing
        else:
            text = rnd.choice(alphabet)  # a new text pasted over the old
        table.queue.set_filter(text)
        needle = _fold(text.strip())
        want = [rid for rid, h in zip(ids, hays, strict=True) if needle in h]
        assert _shown(table) == want, repr(text)
        m = table.model()
        for r in {0, m.rowCount() // 2, m.rowCount() - 1} if m.rowCount() else ():
            row = by_id[str(m.index(r, 0).data(ID_ROLE))]  # each cell, shown and in its tooltip, is its row's
            for c in range(m.columnCount()):
                assert m.index(r, c).data() == row[c] == m.index(r, c).data(Qt.ItemDataRole.ToolTipRole)


def test_the_selection_never_names_another_row_after_a_filter_or_a_new_list(qtbot: QtBot) -> None:
    table, cells, ids, hays = _table(qtbot, 500, seed=6)
    chosen = {ids[0], ids[3]}
    table.select_ids(chosen)
    assert set(table.selected_ids()) == chosen
    for text in ("а", "ан", "а", "", "нет такого", ""):
        table.queue.set_filter(text)
        assert set(table.selected_ids()) <= chosen, text  # cleared or the same rows, never others
        table.select_ids(chosen)
    # a new list (a decision's reload) in another order while filtered and selected
    table.queue.set_filter("а")
    table.select_ids(chosen)
    sel = table.selectionModel()
    sel.setCurrentIndex(table.model().index(0, 0), QItemSelectionModel.SelectionFlag.NoUpdate)
    table.show_rows(HEADER, cells[::-1], ids[::-1], hays[::-1])
    assert set(table.selected_ids()) <= chosen
    assert not table.selectionModel().currentIndex().isValid() or \
        table.queue.id_at(table.selectionModel().currentIndex().row()) in chosen


# -- the views over a real server --------------------------------------------------------------

class _Proxy:
    """A loopback relay in front of the real server that holds back the answers to
    ``GET /admin/applications?status=`` and ``/admin/nmo?status=`` (the whole queue, the slow
    one) for ``delay`` seconds."""

    def __init__(self, upstream: str, delay: float) -> None:
        up = urlsplit(upstream)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def _relay(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                url = urlsplit(self.path)
                if url.path in ("/admin/applications", "/admin/nmo") and parse_qs(url.query, keep_blank_values=True) \
                        .get("status") == [""]:
                    time.sleep(proxy.delay)
                conn = http.client.HTTPConnection(up.hostname or "127.0.0.1", up.port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn.request(self.command, self.path, body=body or None, headers=headers)
                res = conn.getresponse()
                data = res.read()
                self.send_response(res.status)
                for k, v in res.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _relay

        self.delay = delay
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('server') / 'server.sqlite3'}"
    with run_server(url) as base:
        proxy = _Proxy(base, delay=0.0)
        db = ServerDb(url)
        yield {"url": proxy.url, "db": db, "proxy": proxy}
        db.close()
        proxy.close()


def _vault(served: dict[str, Any], tmp_path: Path) -> Vault:
    return admin_vault(served, tmp_path)  # logged in through the relay: served["url"] is the proxy's


@pytest.mark.parametrize("queue", ["applications", "nmo"])
def test_a_late_answer_does_not_replace_the_list_of_the_status_chosen_since(
        qtbot: QtBot, served: dict[str, Any], tmp_path: Path, queue: str) -> None:
    db: ServerDb = served["db"]
    org = db.org()
    pid, _ = db.person(org)
    if queue == "applications":
        waiting, decided = "submitted", "approved"
        rows = [("application", {"kind": "periodic", "specialty_code": "36", "status": st, "submitted_at": "2026-11-01",
                                 "confirmation_number": f"А-2026-{uuid.uuid4().int % 900000 + 100000}"})
                for st in (waiting, decided)]
    else:
        waiting, decided = "pending", "confirmed"
        rows = [("nmo", {"event_date": "2026-10-01", "kind": "iom", "title": "Очередь", "credits": "2", "status": st})
                for st in (waiting, decided)]
    first, other = add_rows(db, pid, *rows)
    vault = _vault(served, tmp_path)
    try:
        view: Any = ApplicationsView(vault) if queue == "applications" else NmoQueueView(vault)
        qtbot.addWidget(view)
        view.show()
        qtbot.waitUntil(lambda: first in set(_shown(view.table)), timeout=20_000)
        served["proxy"].delay = 1.5
        view.status_filter.setCurrentIndex(view.status_filter.findData(""))  # «все»: the answer is held back
        qtbot.wait(200)
        view.status_filter.setCurrentIndex(view.status_filter.findData(waiting))  # changed the mind
        qtbot.wait(3000)  # both answers have arrived by now
        assert view.status_filter.currentData() == waiting
        shown = set(_shown(view.table))
        assert first in shown
        assert other not in shown, f"a row «{decided}» shown under «{waiting}»"
    finally:
        served["proxy"].delay = 0.0
        vault.close()


def test_the_first_ten_thousand_warning_goes_with_its_list(
        qtbot: QtBot, served: dict[str, Any], tmp_path: Path) -> None:
    vault = _vault(served, tmp_path)
    try:
        view = ApplicationsView(vault)
        qtbot.addWidget(view)
        view.show()
        qtbot.waitUntil(lambda: view.table.model().rowCount() > 0 or view.status.isVisible(), timeout=20_000)
        qtbot.wait(300)
        # the list as the server's answer would give it: a full queue, then a short one
        cells, ids, hays = _queue(applications(QUEUE_LIMIT, seed=3))
        view._loaded((cells, ids, hays))
        assert view.status.isVisible() and str(QUEUE_LIMIT) in view.status.text()
        view._loaded((cells[:5], ids[:5], hays[:5]))
        assert view.table.model().rowCount() == 5
        assert not (view.status.isVisible() and str(QUEUE_LIMIT) in view.status.text()), view.status.text()
    finally:
        vault.close()
