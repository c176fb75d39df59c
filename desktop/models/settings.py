"""The profile's settings, typed: one default and one check per key.

``settings.json`` is a file a person (or a support engineer) can edit by hand, so every value in
it is untrusted. A value of the wrong type or out of range is replaced by its key's default and
named in a Russian warning — the app opens with the default instead of failing after unlock
(a hand-written ``"auto_lock_minutes": "15 мин"`` used to leave the unlock screen stuck).

The file itself is read and written by ``desktop.vault.profiles`` (raw JSON); the meaning of each
key lives here, below every user of it: the GUI, the CLI and the documents.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.i18n import tr
from desktop.vault.profiles import read_settings_file


class BadValue(ValueError):
    """A value that the key's check refused; the message says why, in Russian."""


def _int_in(lo: int, hi: int) -> Callable[[Any], int]:
    def check(v: Any) -> int:
        # bool is an int to Python, never to a person editing the file.
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v != int(v):
            raise BadValue(tr("нужно целое число"))
        if not lo <= int(v) <= hi:
            raise BadValue(tr("нужно число от {lo} до {hi}").format(lo=lo, hi=hi))
        return int(v)
    return check


def _choice(*options: str) -> Callable[[Any], str]:
    def check(v: Any) -> str:
        if v not in options:
            raise BadValue(tr("допустимо: {options}").format(options=", ".join(options)))
        return str(v)
    return check


def _url(v: Any) -> str:
    if not isinstance(v, str):
        raise BadValue(tr("нужен адрес строкой"))
    v = v.strip()
    if v and not v.lower().startswith(("http://", "https://")):
        raise BadValue(tr("адрес должен начинаться с http:// или https://"))
    return v


def _text(v: Any) -> str:
    if not isinstance(v, str):
        raise BadValue(tr("нужна строка"))
    return v.strip()


def _flag(v: Any) -> bool:
    # Only a JSON true/false: "нет" or 0 written by hand would otherwise read as a choice.
    if not isinstance(v, bool):
        raise BadValue(tr("нужно true или false"))
    return v


def _days(v: Any) -> list[int]:
    if not isinstance(v, list) or not v:
        raise BadValue(tr("нужен список дней, например [90, 30, 7]"))
    day = _int_in(1, 366)
    return sorted({day(x) for x in v}, reverse=True)


@dataclass(frozen=True)
class Key:
    name: str
    default: Any
    check: Callable[[Any], Any]


KEYS: tuple[Key, ...] = (
    Key("auto_lock_minutes", 15, _int_in(1, 240)),
    Key("language", "ru", _choice("ru", "en")),
    Key("server_url", "", _url),
    Key("reminder_days", [90, 30, 7], _days),
    Key("nmo_cycle_total", 144, _int_in(0, 10_000)),
    Key("nmo_cycle_program", 74, _int_in(0, 10_000)),
    Key("nmo_cycle_other", 70, _int_in(0, 10_000)),
    Key("tsa_url", "", _url),  # RFC 3161 time-stamping service used when signing; empty: no timestamp
    Key("trust_roots_file", "", _text),  # PEM/DER file with the trust roots for certificate chains
    Key("tray_icon", True, _flag),  # the icon in the system tray, with its messages (desktop/views/tray)
)
BY_NAME = {k.name: k for k in KEYS}


def defaults() -> dict[str, Any]:
    # A fresh copy: the list default must not be shared between profiles' dicts.
    return {k.name: list(k.default) if isinstance(k.default, list) else k.default for k in KEYS}


@dataclass
class LoadedSettings:
    values: dict[str, Any]
    #: one Russian sentence per replaced value (key and the bad value named)
    warnings: list[str] = field(default_factory=list)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def parse_settings(raw: Any) -> LoadedSettings:
    """Every known key with a checked value; unknown keys are kept out (they mean nothing here)."""
    out = LoadedSettings(defaults())
    if not isinstance(raw, Mapping):
        if raw is not None:
            out.warnings.append(tr("Файл настроек не является объектом JSON: использованы значения по умолчанию."))
        return out
    for name, value in raw.items():
        key = BY_NAME.get(str(name))
        if key is None:
            continue
        try:
            out.values[key.name] = key.check(value)
        except BadValue as exc:
            out.warnings.append(tr("Настройка «{key}»: значение {value} не подходит ({why}); "
                                   "используется {default}.").format(
                key=key.name, value=_shown(value), why=exc, default=_shown(key.default)))
    return out


def read_settings(folder: Path) -> LoadedSettings:
    raw, problem = read_settings_file(folder)
    loaded = parse_settings(raw)
    if problem:
        loaded.warnings.insert(0, tr("Файл настроек не прочитан ({why}): использованы значения по умолчанию.").format(
            why=problem))
    return loaded


def load_settings(folder: Path) -> dict[str, Any]:
    """The checked settings as a plain dict (what the views and documents take)."""
    return read_settings(folder).values


def check_value(name: str, value: Any) -> Any:
    """The checked value of one key (raises BadValue): the settings view checks with the same rules."""
    return BY_NAME[name].check(value)
