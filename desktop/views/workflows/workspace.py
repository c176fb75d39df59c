"""The doctor's workflow sections (issue 14), found by the shell beside views/record: the
accreditation application and the programmes. «Запросы», «Подтвердить документом» and the
notices join the record's own sections through its workspace (views/record/workspace.py)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QPushButton, QWidget

from desktop.i18n import tr
from desktop.views.record.record_store import RecordStore
from desktop.views.shell.registry import Section, SectionContext

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


SECTIONS: tuple[Section, ...] = (
    Section("application", "Заявление на аккредитацию", DOCTOR, application, order=35),
    Section("programmes", "Образовательные программы", DOCTOR, programmes, order=55),
)
