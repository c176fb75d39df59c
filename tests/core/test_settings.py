"""Typed settings: every hand-edited value of ``settings.json`` either checks or falls back to its
default with a Russian warning naming the key and the value — never an exception."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.i18n import set_language
from desktop.models.settings import KEYS, defaults, parse_settings, read_settings


@pytest.fixture(autouse=True)
def _russian() -> None:
    set_language("ru")


def test_a_missing_file_gives_every_default_without_a_warning(tmp_path: Path) -> None:
    loaded = read_settings(tmp_path)
    assert loaded.values == defaults() and loaded.warnings == []
    assert set(loaded.values) == {k.name for k in KEYS}


@pytest.mark.parametrize(("key", "bad"), [
    ("auto_lock_minutes", "15 мин"), ("auto_lock_minutes", 0), ("auto_lock_minutes", True),
    ("auto_lock_minutes", 1e400), ("auto_lock_minutes", 2.5), ("language", "de"), ("language", None),
    ("server_url", "ftp://x"), ("server_url", 42), ("reminder_days", "90,30"), ("reminder_days", []),
    ("reminder_days", [90, "тридцать"]), ("reminder_days", [0]), ("nmo_cycle_total", -1),
    ("tsa_url", ["http://x"]), ("trust_roots_file", {"a": 1}),
])
def test_a_bad_value_is_replaced_by_its_default_and_named(tmp_path: Path, key: str, bad: object) -> None:
    (tmp_path / "settings.json").write_text(json.dumps({key: bad, "nmo_cycle_total": 200} if key != "nmo_cycle_total"
                                                       else {key: bad}), encoding="utf-8")
    loaded = read_settings(tmp_path)
    assert loaded.values[key] == defaults()[key]
    assert len(loaded.warnings) == 1
    assert f"«{key}»" in loaded.warnings[0] and "используется" in loaded.warnings[0]
    if key != "nmo_cycle_total":  # the good neighbour is kept
        assert loaded.values["nmo_cycle_total"] == 200


def test_the_warning_quotes_the_bad_value(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text('{"auto_lock_minutes": "15 мин"}', encoding="utf-8")
    [warning] = read_settings(tmp_path).warnings
    assert "'15 мин'" in warning and "auto_lock_minutes" in warning and "15" in warning


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe\x00", b"[1, 2]", b'"text"'])
def test_a_broken_file_gives_defaults_and_one_warning(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "settings.json").write_bytes(content)
    loaded = read_settings(tmp_path)
    assert loaded.values == defaults()
    assert len(loaded.warnings) == 1 and "Файл настроек" in loaded.warnings[0]


def test_a_folder_in_place_of_the_file_gives_defaults(tmp_path: Path) -> None:
    (tmp_path / "settings.json").mkdir()
    loaded = read_settings(tmp_path)
    assert loaded.values == defaults() and loaded.warnings


def test_good_values_are_kept_and_normalised() -> None:
    loaded = parse_settings({"auto_lock_minutes": 30.0, "reminder_days": [7, 30, 30, 90], "language": "en",
                             "server_url": " https://frmr.example ", "unknown": "ignored"})
    assert loaded.warnings == []
    assert loaded.values["auto_lock_minutes"] == 30 and isinstance(loaded.values["auto_lock_minutes"], int)
    assert loaded.values["reminder_days"] == [90, 30, 7]
    assert loaded.values["server_url"] == "https://frmr.example"
    assert "unknown" not in loaded.values


def test_defaults_are_not_shared_between_loads() -> None:
    a = parse_settings(None).values
    a["reminder_days"].append(1)
    assert parse_settings(None).values["reminder_days"] == [90, 30, 7]
