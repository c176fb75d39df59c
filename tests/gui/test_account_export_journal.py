"""«Мой журнал» records exports (issue 18): the НМО history exported from its section is journaled
with its format, never the file's name; then «Мой журнал» in the account section shows it."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop.models.journal import local_entries
from desktop.views.account.account_view import AccountView
from desktop.views.record.nmo_view import NmoView
from desktop.views.shell.session import Session


def test_nmo_export_is_journaled_and_shown(qtbot: QtBot, opened: Session, tmp_path: Path) -> None:
    page = opened.window.current_page()
    nmo = page.select("nmo")  # type: ignore[union-attr]
    assert isinstance(nmo, NmoView)
    out = tmp_path / "история.xlsx"
    with qtbot.waitSignal(nmo.export_bar.exported, timeout=20_000):
        nmo.export_bar.export("xlsx", str(out))
    assert opened.store is not None
    exports = local_entries(opened.store.repo, kind="export")
    assert [(e["action"], e["entity"], e["fields"]) for e in exports] == [("export", "nmo", ["xlsx"])]
    assert "история" not in str(exports)
    account = page.select("account")  # type: ignore[union-attr]
    assert isinstance(account, AccountView)
    account.tabs.setCurrentWidget(account.journal)
    # not signed in to a server: the local journal, and the page says so
    qtbot.waitUntil(lambda: any(r["action"] == "export" for r in account.journal.model.rows), timeout=20_000)
    qtbot.waitUntil(lambda: "только журнал этого компьютера" in account.journal.status.text(), timeout=20_000)
