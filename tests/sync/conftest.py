from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("FRMR_FAST_KDF", "1")

from server.testing import run_server
from tests.sync.proxy import FaultProxy
from tests.sync.world import Org, Replica, ServerDb


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A real frmr-server on loopback (SQLite file), shared by the tests of a module."""
    db = tmp_path_factory.mktemp("server") / "server.sqlite3"
    url = f"sqlite:///{db}"
    with run_server(url) as base:
        sdb = ServerDb(url)
        yield {"url": base, "db": sdb, "database_url": url, "port": int(base.rsplit(":", 1)[1])}
        sdb.close()


@pytest.fixture
def proxy(server: dict[str, Any]) -> Iterator[FaultProxy]:
    with FaultProxy(server["port"]) as p:
        yield p


@pytest.fixture
def org(server: dict[str, Any]) -> Org:
    return server["db"].org()


@pytest.fixture
def replicas(tmp_path: Path) -> Iterator[list[Replica]]:
    made: list[Replica] = []
    yield made
    for r in made:
        r.close()
