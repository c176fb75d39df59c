"""Every Russian source string the UI passes to ``tr``: literals found in the code, plus
the texts that reach ``tr`` through a variable (schema labels, section names, table headers)."""

from __future__ import annotations

import ast
from pathlib import Path

from desktop.demo import DEMO_PROFILE_NAME
from desktop.documents import gost_keys
from desktop.models import reminders
from desktop.models.schema import ENTITIES
from desktop.views.access import consent_view, first_start
from desktop.views.record import workspace
from desktop.views.shell import main_window, notifications_view, sections
from desktop.views.sync import sync_wiring
from desktop.views.widgets import record_form

ROOT = Path(__file__).resolve().parents[2]
# The Qt layer, and the Qt-free modules that left it (their texts are shown by the GUI).
SOURCES = [*sorted((ROOT / "desktop" / "views").rglob("*.py")), ROOT / "desktop" / "app.py",
           *(ROOT / "desktop" / rel for rel in ("models/validation.py", "models/formatting.py", "models/reminders.py",
                                                "vault/passphrase.py", "diagnostics/crash.py"))]


def literal_keys() -> set[str]:
    keys: set[str] = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            if (isinstance(node.func, ast.Name) and node.func.id == "tr"
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                keys.add(node.args[0].value)
            # live_text.bind(obj, "source", ...): menus and actions that follow a language change
            if (isinstance(node.func, ast.Attribute) and node.func.attr == "bind" and len(node.args) >= 2
                    and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)):
                keys.add(node.args[1].value)
    return keys


def indirect_keys() -> set[str]:
    keys = {consent_view.CONSENT_TEXT, main_window.APP_TITLE, DEMO_PROFILE_NAME, sync_wiring.CONFLICTS,
            sync_wiring.REJECTED,
            "Пересечение периодов", "пересечение двух основных работ", "пересечение (совместительство)"}
    keys.update(s.title for s in (*workspace.SECTIONS, *sections.COMMON))
    keys.update((sections.PLACEHOLDER_TITLE, *sections.PLACEHOLDER_TEXTS.values(), *sections.ROLE_NAMES.values()))
    keys.update(first_start.STEPS, notifications_view.NotificationsModel.HEADERS)
    keys.update(what for _f, what in reminders.EXPIRING.values())
    keys.update(record_form._PLACEHOLDERS.values())
    keys.update(gost_keys.KEY_SOURCE_MESSAGES)  # shown in the certificate import dialog through tr()
    for spec in ENTITIES.values():
        keys.update((spec.label, spec.plural))
        for f in spec.fields:
            keys.add(f.label)
            keys.update(f.choices.values())
    return keys


def all_keys() -> set[str]:
    return literal_keys() | indirect_keys()
