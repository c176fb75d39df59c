"""Move a test's database to a migration revision, as an operator's ``frmr-server migrate`` would
move a real one (the tests of what a migration backfills start from an older schema)."""

from __future__ import annotations

from alembic import command
from sqlalchemy.engine import Engine

from server.migrate import alembic_config


def move_to(engine: Engine, url: str, revision: str, *, down: bool = False) -> None:
    """Upgrade (or, ``down``, downgrade) the database at ``url`` to ``revision``."""
    with engine.connect() as conn:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)
        conn.commit()
