"""What the record page is made of: each section's widget, built from the open store.

Kept out of ``session`` so that the first screen (profile chooser, unlock) does not import
the section views and the record stack behind them. Each factory imports its own section's
module: when the record opens before the background preload got to them (Enter pressed at
once), importing all nine here was one 50–90 ms stretch of the GUI thread; one per section
keeps each stretch to a section build (see ``Session._build_next_section``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtWidgets import QWidget

from desktop.vault.store import Vault
from desktop.views.record.record_store import RecordStore
from desktop.views.record.record_table_model import RecordTableModel
from desktop.views.shell.notifications_view import NotificationsModel

__all__ = ["NotificationsModel", "section_factories"]


def section_factories(
    store: RecordStore,
    vault: Vault,
    folder: Path,
    settings_dict: dict[str, Any],
    notifications: NotificationsModel,
    on_settings_changed: Callable[[dict[str, Any]], None],
    refresh_nmo: Callable[[], None],
) -> dict[str, Callable[[], QWidget]]:
    """Section name (Russian, as in ``session.SECTIONS``) -> a factory of its widget."""

    def profile() -> QWidget:
        from desktop.views.record.profile_view import ProfileView

        return ProfileView(store)

    def education() -> QWidget:
        from desktop.views.record.education_view import EducationView

        return EducationView(RecordTableModel(store, "education", order_by="end_date"))

    def qualification() -> QWidget:
        from desktop.views.record.qualification_view import QualificationView

        return QualificationView(
            RecordTableModel(store, "certificate", order_by="issue_date"),
            RecordTableModel(store, "accreditation", order_by="protocol_date"),
            RecordTableModel(store, "category", order_by="begin_date"),
            RecordTableModel(store, "application", order_by="submitted_at"))

    def employment() -> QWidget:
        from desktop.views.record.employment_view import EmploymentView, employment_model

        return EmploymentView(employment_model(store))

    def nmo() -> QWidget:
        from desktop.views.record.nmo_view import NmoView

        return NmoView(RecordTableModel(store, "nmo", order_by="event_date"), settings_dict)

    def documents() -> QWidget:
        from desktop.views.documents.documents_model import DocumentsModel
        from desktop.views.documents.documents_view import DocumentsView, cert_reminder

        view = DocumentsView(DocumentsModel(store))
        # The signing certificate's expiry (known after a vault read) joins the reminders.
        # The answer comes from the DB worker and may arrive after a lock deleted the model.
        view.certificate_status.connect(
            lambda cert: notifications.set_extra("signing_certificate", cert_reminder(cert))
            if shiboken6.isValid(notifications) else None)
        return view

    def requests() -> QWidget:
        from desktop.views.record.requests_view import RequestsView

        return RequestsView(RecordTableModel(store, "request", order_by="received_at"))

    def reminders() -> QWidget:
        from desktop.views.shell.notifications_view import NotificationsView

        return NotificationsView(notifications)

    def settings() -> QWidget:
        from desktop.vault.integrity import check_vault
        from desktop.views.access.settings_view import SettingsView

        repo = store.repo

        def start_check(done: Callable[[Any], None], failed: Callable[[BaseException], None]) -> None:
            # The DB worker: every page of the file is read, which the GUI thread must not wait on.
            store.worker.submit(lambda: check_vault(vault, repo), done, failed)

        view = SettingsView(folder, settings_dict, vault.change_passphrase, check_vault=start_check)
        view.settings_changed.connect(on_settings_changed)
        view.settings_changed.connect(lambda _s: notifications.reload())
        view.settings_changed.connect(lambda _s: refresh_nmo())
        return view

    return {
        "Профиль": profile,
        "Образование": education,
        "Квалификация": qualification,
        "Трудовая деятельность": employment,
        "НМО": nmo,
        "Документы": documents,
        "Запросы": requests,
        "Уведомления": reminders,
        "Настройки": settings,
    }
