"""The core never imports Qt: each Qt-free package is imported in a fresh interpreter."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import desktop

ROOT = Path(desktop.__file__).parent
QT_FREE_PACKAGES = ["desktop.models", "desktop.vault", "desktop.sync", "desktop.documents"]
QT_FREE_PACKAGES += ["desktop.cli"]  # the terminal front end is Qt-free too
QT_FREE_MODULES = ["desktop.demo", "desktop.paths", "desktop.i18n", "desktop.diagnostics.crash"]


def _modules() -> list[str]:
    mods = list(QT_FREE_MODULES)
    for pkg in QT_FREE_PACKAGES:
        path = ROOT / pkg.split(".", 1)[1]
        if not path.exists():
            continue
        mods.append(pkg)
        # __main__ runs the CLI when imported: not a module to import in a loop
        mods += [f"{pkg}.{m.name}" for m in pkgutil.iter_modules([str(path)]) if m.name != "__main__"]
    return mods


def test_core_imports_without_qt() -> None:
    mods = _modules()
    assert "desktop.models.repository" in mods and "desktop.vault.store" in mods
    code = (
        "import importlib, sys\n"
        f"for m in {mods!r}:\n"
        "    importlib.import_module(m)\n"
        "bad = sorted(k for k in sys.modules if k.startswith(('PySide6', 'shiboken6', 'PyQt')))\n"
        "print(','.join(bad))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "", f"Qt imported by the core: {r.stdout.strip()}"
