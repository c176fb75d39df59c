"""``frmr-desktop [--profile DIR] [--demo] [--lang ru|en]`` — the Qt cabinet.

Start-up order matters: core dumps off and the crash hook in place before anything can hold
a key; the language chosen before the first widget is built.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from desktop.diagnostics.crash import disable_core_dumps
from desktop.diagnostics.logging_setup import app_version, start_logging, trace_native_crashes
from desktop.i18n import LANG_ENV, LANGUAGES, language_from_argv, set_language, tr
from desktop.paths import profiles_root
from desktop.views.runtime.crash import install_excepthook


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="frmr-desktop", description=tr("ФРМР — кабинет медицинского работника"))
    ap.add_argument("--profile", metavar="DIR", help=tr("папка профиля (по умолчанию — выбор профиля)"))
    ap.add_argument("--demo", action="store_true", help=tr("открыть демонстрационный профиль"))
    ap.add_argument("--lang", choices=sorted(LANGUAGES),
                    help=tr("язык интерфейса: ru или en (по умолчанию — из настроек профиля, иначе "
                            "переменная FRMR_LANG, иначе ru)"))
    ap.add_argument("--version", action="version", version=f"%(prog)s {app_version()}",
                    help=tr("показать версию программы и выйти"))
    return ap.parse_args(argv)


def _language(args: argparse.Namespace, folder: Path | None) -> str:
    if args.lang:
        return str(args.lang)
    if folder is not None:
        from desktop.models.settings import load_settings

        return str(load_settings(folder)["language"])
    return os.environ.get(LANG_ENV) or "ru"


def main(argv: list[str] | None = None) -> int:
    if "--self-test" in (sys.argv[1:] if argv is None else argv):
        from desktop.diagnostics import selftest

        return selftest.run()
    disable_core_dumps()
    install_excepthook()
    # The help texts are translated as the parser is built: the language of the command line first.
    set_language(language_from_argv(sys.argv[1:] if argv is None else argv))
    args = parse_args(argv)
    trace_native_crashes()  # at once; the rotating log starts once the core is loaded (below)

    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    from desktop.diagnostics import startup_probe

    startup_probe.arm(app)  # FRMR_STARTUP_PROBE=1: print time to the main window and quit (bench)
    root = profiles_root()
    from desktop.views.shell.single_instance import InstanceServer, bring_to_front, hand_over, server_name

    instance_name = server_name(root)
    if hand_over(instance_name):  # already running: its window comes to the front instead
        print(tr("ФРМР уже запущен: его окно выведено на передний план."), file=sys.stderr)
        return 0
    folder: Path | None = Path(args.profile).expanduser() if args.profile else None
    if args.demo:
        from desktop.demo import ensure_demo_profile

        folder = ensure_demo_profile(root)
    lang = set_language(_language(args, folder))

    # Qt's own texts (context menus, standard dialogs) in the same language.
    qt_tr = QTranslator(app)
    if qt_tr.load(QLocale(lang), "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt_tr)

    from desktop.views.runtime.prewarm import Preloader
    from desktop.views.shell.main_window import APP_TITLE, MainWindow, app_icon
    from desktop.views.shell.session import Session

    scheme = os.environ.get("FRMR_COLOR_SCHEME", "")
    if scheme in ("dark", "light"):  # a platform whose theme Qt cannot read (and the screenshots)
        from desktop.views.widgets import theme

        app.setStyle("Fusion")
        app.setPalette(theme.dark_palette() if scheme == "dark" else app.style().standardPalette())
    app.setApplicationName("frmr-desktop")
    app.setApplicationDisplayName(tr(APP_TITLE))
    app.setWindowIcon(app_icon())
    window = MainWindow()
    InstanceServer(instance_name, lambda: bring_to_front(window), app)
    session = Session(window, root)
    window.session = session  # type: ignore[attr-defined]
    from desktop.views.sync.sync_wiring import attach_sync

    wiring = attach_sync(session, window, demo=args.demo)  # sync, its sections, status bar; --demo: embedded server
    from desktop.views.tray.tray_icon import attach_tray

    attach_tray(session, window, sync=wiring.sync_now)  # where the platform has a tray (issue 14)
    session.help_menu_last()
    session.start(folder)
    window.show()
    if args.demo:  # the HR clerk's and the manager's demo profiles: made once, off the GUI thread (KDF)
        from desktop.demo import ensure_staff_demo_profiles
        from desktop.views.runtime.ops import Op

        Op(None, lambda: ensure_staff_demo_profiles(root), pool=True).failure(
            lambda exc: logging.getLogger("frmr.demo").warning("staff demo profiles not made: %s", type(exc).__name__)
        ).run()
    from desktop.views.runtime import stall

    # FRMR_STALL_LOG=FILE: a line per second with an event-loop stall (nothing installed without it).
    # Each stalled second names what was on screen: the section's stable registry id.
    stall.install(window.section_id)
    # The record and sync stacks load while the unlock screen waits for the passphrase
    # (desktop.views.runtime.prewarm); the first screen does not wait for them.
    preloader = Preloader(app)
    preloader.start()
    from desktop.views.runtime import prewarm

    # The rotating log (desktop.diagnostics.logging_setup) after the first screen: its imports load
    # with the core in the background, and nothing is logged before a vault opens.
    def log_from_now() -> None:
        start_logging("frmr-desktop")

    prewarm.when_core_ready(log_from_now)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
