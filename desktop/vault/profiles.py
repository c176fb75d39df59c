"""Profiles: one vault per person on a shared workstation, each in its own folder.

The folder name is random so that nothing personal appears in paths; the label the person
chooses is kept in ``profile.json`` beside non-personal settings.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.i18n import tr
from desktop.vault.atomic import atomic_write_bytes
from desktop.vault.errors import ProfileError
from desktop.vault.layout import DB_NAME, KEYS_NAME

PROFILE_FILE = "profile.json"
SETTINGS_FILE = "settings.json"



@dataclass
class Profile:
    folder: Path
    name: str
    demo: bool = False
    demo_passphrase: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def has_vault(self) -> bool:
        return (self.folder / KEYS_NAME).exists() and (self.folder / DB_NAME).exists()


def read_profile(folder: Path) -> Profile:
    folder = Path(folder)
    try:
        raw = json.loads((folder / PROFILE_FILE).read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raise ValueError
    except FileNotFoundError:
        raw = {}
    except (ValueError, UnicodeDecodeError):
        raw = {"name": folder.name}
    return Profile(folder, str(raw.get("name") or folder.name), bool(raw.get("demo")),
                   raw.get("demo_passphrase"), raw)


def write_profile(p: Profile) -> None:
    doc = {**p.extra, "name": p.name, "demo": p.demo}
    if p.demo_passphrase:
        doc["demo_passphrase"] = p.demo_passphrase
    atomic_write_bytes(p.folder / PROFILE_FILE, json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8"))


def list_profiles(root: Path) -> list[Profile]:
    if not root.exists():
        return []
    out = [read_profile(d) for d in sorted(root.iterdir()) if d.is_dir() and (d / PROFILE_FILE).exists()]
    return sorted(out, key=lambda p: (not p.demo, p.name.casefold()))


def create_profile(root: Path, name: str, *, demo: bool = False, demo_passphrase: str | None = None) -> Profile:
    name = name.strip()
    if not name:
        raise ProfileError(tr("Укажите название профиля"))
    if len(name) > 100:
        raise ProfileError(tr("Название профиля — не длиннее 100 символов"))
    if any(p.name.casefold() == name.casefold() for p in list_profiles(root)):
        raise ProfileError(tr("Профиль «{name}» уже есть на этом компьютере").format(name=name))
    folder = root / uuid.uuid4().hex[:12]
    folder.mkdir(parents=True, mode=0o700)
    p = Profile(folder, name, demo, demo_passphrase)
    write_profile(p)
    return p


def read_settings_file(folder: Path) -> tuple[Any, str]:
    """The raw JSON of ``settings.json`` (None when absent) and, if it could not be read, why.

    Unchecked: ``desktop.models.settings`` gives every key its type and default."""
    try:
        return json.loads((Path(folder) / SETTINGS_FILE).read_text(encoding="utf-8")), ""
    except FileNotFoundError:
        return None, ""
    except UnicodeDecodeError:
        return None, "не UTF-8"
    except ValueError as exc:
        return None, f"не JSON: {exc}"
    except OSError as exc:
        return None, type(exc).__name__


def load_settings(folder: Path) -> dict[str, Any]:
    """The file's object as written (empty if unreadable); for tools that rewrite a key or two."""
    raw, _problem = read_settings_file(folder)
    return raw if isinstance(raw, dict) else {}


def save_settings(folder: Path, settings: dict[str, Any]) -> None:
    atomic_write_bytes(Path(folder) / SETTINGS_FILE, json.dumps(settings, ensure_ascii=False, indent=1).encode())
