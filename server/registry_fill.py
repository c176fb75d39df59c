"""A submitted application never lacks its confirmation number or date (issue 14).

The number is the registry's: ``submit_application`` gives it, but a doctor may also file by an
edit (status ``draft`` → ``submitted``, allowed offline by desktop/models/workflow.py), through
/sync/push or the REST records endpoint, and the operator may create or move rows by hand. Rather
than trust every one of those paths to remember, the fill runs where they all meet: the flush
of any session that writes a ``Record``. The fields get the row's current version, so the
feed gives them to the desktops with the status that called for them.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from server.models import Record

#: statuses of an application that has been filed with the registry
FILED = frozenset({"submitted", "in_review", "approved", "rejected"})


def confirmation_number() -> str:
    return f"А-{dt.date.today().year}-{secrets.randbelow(900000) + 100000}"


def missing_fields(data: dict[str, Any]) -> dict[str, str]:
    """What a filed application still lacks ({} for any other row)."""
    if data.get("status") not in FILED:
        return {}
    out: dict[str, str] = {}
    if not data.get("confirmation_number"):
        out["confirmation_number"] = confirmation_number()
    if not data.get("submitted_at"):
        out["submitted_at"] = dt.date.today().isoformat()
    return out


def _fill(session: Session, _ctx: Any, _instances: Any) -> None:
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, Record) or obj.entity != "application" or obj.deleted:
            continue
        add = missing_fields(dict(obj.data or {}))
        if add:
            # new dicts, not in-place changes: the JSON columns notice assignment only
            obj.data = {**(obj.data or {}), **add}
            obj.field_versions = {**(obj.field_versions or {}), **{k: obj.version for k in add}}


event.listen(Session, "before_flush", _fill)
