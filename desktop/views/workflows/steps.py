"""Running a doctor's step (desktop/sync/doctor.py) from a view: on the DB worker, through the
record store (so the rows it changed are re-read), the outcome shown in the view's banner."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QWidget

from desktop.i18n import N_, tr
from desktop.models.repository import RecordRepository
from desktop.sync import doctor
from desktop.views.record.record_store import RecordStore
from desktop.views.runtime.errors import describe_error
from desktop.views.runtime.ops import Op
from desktop.views.widgets.entity_table import Banner

QUEUED = N_("Сохранено: отправится при синхронизации")


def run_step(store: RecordStore, entity: str, fn: Callable[[RecordRepository], doctor.Outcome], owner: QWidget,
             banner: Banner, done_text: str = QUEUED, then: Callable[[doctor.Outcome], None] | None = None) -> Op:
    """``fn(repo)`` on the DB worker; «done_text» or the step's reasons in ``banner``."""

    def shown(out: Any) -> None:
        if not isinstance(out, doctor.Outcome):
            return
        if out.ok:
            banner.show_message(tr(done_text), "ok")
        else:
            banner.show_message("\n".join(out.errors), "error")
        if then is not None:
            then(out)

    return store.write_with(entity, fn, owner).success(shown).failure(
        lambda exc: banner.show_message(describe_error(exc), "error"))
