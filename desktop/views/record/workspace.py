"""The doctor's workspace: the sections of a medical worker's own record.

Found by the shell (``views/shell/registry.py``). Each factory imports its own section's
module: when the record opens before the background preload got to them (Enter pressed at
once), importing all of them at once was one 50–90 ms stretch of the GUI thread; one per
section keeps each stretch to a section build (see ``Session._build_next_section``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QBoxLayout, QWidget

from desktop.i18n import N_
from desktop.views.record.record_table_model import RecordTableModel
from desktop.views.shell.events import SETTINGS_CHANGED
from desktop.views.shell.registry import Section, SectionContext

if TYPE_CHECKING:
    from desktop.views.workflows.notices_panel import NoticesFeed

DOCTOR = frozenset({"doctor"})


def profile(ctx: SectionContext) -> QWidget:
    from desktop.views.record.profile_view import ProfileView

    return ProfileView(ctx.store)


def education(ctx: SectionContext) -> QWidget:
    from desktop.views.record.education_view import EducationView

    return EducationView(RecordTableModel(ctx.store, "education", order_by="end_date"))


def qualification(ctx: SectionContext) -> QWidget:
    from desktop.views.record.qualification_view import QualificationView

    store = ctx.store
    return QualificationView(
        RecordTableModel(store, "certificate", order_by="issue_date"),
        RecordTableModel(store, "accreditation", order_by="protocol_date"),
        RecordTableModel(store, "category", order_by="begin_date"),
        RecordTableModel(store, "application", order_by="submitted_at"))


def employment(ctx: SectionContext) -> QWidget:
    from desktop.views.record.employment_view import EmploymentView, employment_model
    from desktop.views.workflows.workspace import confirm_button

    view = EmploymentView(employment_model(ctx.store))
    layout = view.layout()
    if isinstance(layout, QBoxLayout):  # «Подтвердить документом» for the selected card (issue 14)
        layout.insertWidget(1, confirm_button(ctx.store, view.table.current_row, view))
    return view


def nmo(ctx: SectionContext) -> QWidget:
    from desktop.views.record.nmo_view import NmoView

    view = NmoView(RecordTableModel(ctx.store, "nmo", order_by="event_date"), ctx.settings)
    # The cycle rule is a setting: totals follow a saved change at once.
    ctx.events.subscribe(SETTINGS_CHANGED, lambda _s: view.refresh_totals(), view)
    return view


def documents(ctx: SectionContext) -> QWidget:
    from desktop.views.documents.documents_model import DocumentsModel
    from desktop.views.documents.documents_view import DocumentsView, cert_reminder

    notifications = ctx.notifications
    view = DocumentsView(DocumentsModel(ctx.store))
    # The signing certificate's expiry (known after a vault read) joins the reminders.
    # The answer comes from the DB worker and may arrive after a lock deleted the model.
    view.certificate_status.connect(
        lambda cert: notifications.set_extra("signing_certificate", cert_reminder(cert))
        if shiboken6.isValid(notifications) else None)
    return view


def requests(ctx: SectionContext) -> QWidget:
    from desktop.views.workflows.workspace import requests as workflow_requests

    return workflow_requests(ctx)  # answering, offline too (issue 14)


class _Count(QObject):
    """A badge's counter owned by the page (through its event bus): the store outlives the page,
    and a slot of a deleted object is disconnected by Qt instead of called."""

    def __init__(self, parent: QObject, fn: Callable[[], None]) -> None:
        super().__init__(parent)
        self.fn = fn

    def count(self, *_args: object) -> None:
        self.fn()


def requests_badge(ctx: SectionContext, set_count: Callable[[int], None]) -> None:
    """The requests still waiting for the person's first answer (issue 14)."""
    store = ctx.store
    counter = _Count(ctx.events, lambda: set_count(
        sum(1 for r in store.rows("request") if r.get("status") in ("new", None))))
    store.changed.connect(counter.count)
    counter.count()


def _feed(ctx: SectionContext) -> NoticesFeed:
    """The notices sync brought (issue 14): one feed per open record, shared by view and badge."""
    from desktop.views.workflows.notices_panel import NoticesFeed

    feed = ctx.store.findChild(NoticesFeed)
    if feed is None:
        feed = NoticesFeed(ctx.store)
        feed.refresh()
    return feed


def reminders(ctx: SectionContext) -> QWidget:
    from desktop.views.shell.notifications_view import NotificationsView
    from desktop.views.workflows.notices_panel import NoticesPanel

    view = NotificationsView(ctx.notifications)
    panel = NoticesPanel(_feed(ctx))

    def open_section(section_id: str, row_id: str) -> None:
        page = view.parent()
        while page is not None and not hasattr(page, "select"):
            page = page.parent()
        if page is not None and section_id in getattr(page, "ids", ()):
            widget = page.select(section_id)  # type: ignore[attr-defined]
            if row_id and hasattr(widget, "select_id"):
                widget.select_id(row_id)

    panel.open_section = open_section
    layout = view.layout()
    if layout is not None:
        layout.addWidget(panel)
    return view


def reminders_badge(ctx: SectionContext, set_count: Callable[[int], None]) -> None:
    notifications = ctx.notifications
    feed = _feed(ctx)

    def count() -> None:
        set_count(notifications.rowCount() + feed.unread())

    notifications.modelReset.connect(count)
    feed.updated.connect(_Count(ctx.events, count).count)
    count()


SECTIONS: tuple[Section, ...] = (
    Section("profile", N_("Профиль"), DOCTOR, profile, order=10),
    Section("education", N_("Образование"), DOCTOR, education, order=20),
    Section("qualification", N_("Квалификация"), DOCTOR, qualification, order=30),
    Section("employment", N_("Трудовая деятельность"), DOCTOR, employment, order=40),
    Section("nmo", N_("НМО"), DOCTOR, nmo, order=50),
    Section("documents", N_("Документы"), DOCTOR, documents, order=60),
    Section("requests", N_("Запросы"), DOCTOR, requests, badge=requests_badge, order=70),
    Section("reminders", N_("Уведомления"), DOCTOR, reminders, badge=reminders_badge, order=80),
)
