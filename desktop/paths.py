"""Where the app finds its shipped resources and its profiles (no Qt)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "frmr-desktop"


def resource_dir() -> Path:
    # PyInstaller unpacks data next to the bundle; in a checkout they sit beside the packages.
    base = getattr(sys, "_MEIPASS", None)
    if base:
        return Path(base) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def profiles_root() -> Path:
    override = os.environ.get("FRMR_PROFILES_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "profiles"
