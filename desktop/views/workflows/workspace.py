"""The doctor's workflow sections (issue 14), found by the shell beside views/record: the
accreditation application and the programmes, each with a badge of the unread notices about it
(a decision, a refusal) — the notice is read in «Уведомления», or by opening the section.
«Запросы», «Подтвердить документом» and the notices join the record's own sections through its
workspace (views/record/workspace.py)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QPushButton, QWidget

from desktop.i18n import N_, tr
from desktop.views.record.record_store import RecordStore
from desktop.views.shell.registry import Badge, Section, SectionContext

DOCTOR = frozenset({"doctor"})


def application(ctx: SectionContext) -> QWidget:
    from desktop.views.workflows.application_view import ApplicationView

    return ApplicationView(ctx.store)


def programmes(ctx: SectionContext) -> QWidget:
    from desktop.views.workflows.programmes_view import ProgrammesModel, ProgrammesView

    return ProgrammesView(ProgrammesModel(ctx.store))


def requests(ctx: SectionContext) -> QWidget:
    from desktop.views.workflows.requests_model import RequestsModel
    from desktop.views.workflows.requests_view import RequestsView

    return RequestsView(RequestsModel(ctx.store))


def confirm_button(store: RecordStore, current_card: Callable[[], dict | None], parent: QWidget) -> QPushButton:
    """«Подтвердить документом» for the card selected in «Трудовая деятельность»."""
    button = QPushButton(tr("Подтвердить документом…"), parent)
    button.setObjectName("confirm_by_document")

    def open_dialog() -> None:
        from desktop.views.workflows.confirm_dialog import ConfirmDialog

        card = current_card()
        if card is None:
            return
        dialog = ConfirmDialog(store, card, parent)
        dialog.open()

    button.clicked.connect(open_dialog)
    return button


class _UnreadAbout(QObject):
    """A section's badge: the feed's unread notices about one entity. Owned by the page (through
    its event bus), so a slot of a page that went is disconnected by Qt instead of called."""

    def __init__(self, ctx: SectionContext, section_id: str, entity: str, set_count: Callable[[int], None]) -> None:
        super().__init__(ctx.events)
        from desktop.views.workflows.notices_panel import feed_of

        self.feed = feed_of(ctx.store)
        self.entity = entity
        self.section_id = section_id
        self.set_count = set_count
        self.feed.updated.connect(self.count)
        self.count()

    def unread(self) -> list[str]:
        return [str(n["id"]) for n in self.feed.items if not n["read"] and n.get("entity") == self.entity]

    def count(self) -> None:
        self.set_count(len(self.unread()))

    def seen(self, section_id: str) -> None:
        """The section was opened: what its badge counted has been seen."""
        ids = self.unread()
        if section_id == self.section_id and ids:
            self.feed.mark(set(ids))


def unread_badge(section_id: str, entity: str) -> Badge:
    def badge(ctx: SectionContext, set_count: Callable[[int], None]) -> None:
        counter = _UnreadAbout(ctx, section_id, entity, set_count)
        page = ctx.events.parent()
        changed = getattr(page, "section_changed", None)
        if changed is not None:
            changed.connect(counter.seen)
    return badge


SECTIONS: tuple[Section, ...] = (
    Section("application", N_("Заявление на аккредитацию"), DOCTOR, application,
            badge=unread_badge("application", "application"), order=35),
    Section("programmes", N_("Образовательные программы"), DOCTOR, programmes,
            badge=unread_badge("programmes", "programme"), order=55),
)
