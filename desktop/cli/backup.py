"""``frmr backup [--out FILE|FOLDER] [--keep N]`` and ``frmr restore FILE``.

The copy is one file (``desktop/vault/backup.py``): the encrypted vault and its key file. A
restore checks it whole (``desktop/vault/restore.py``, the ``frmr audit verify`` check) before
it replaces anything, and refuses a copy of another profile or a vault that is open.

    frmr backup --out /media/usb            # frmr-2026-12-02-140501.frmrbak in that folder
    frmr backup --out /media/usb --keep 5   # and only the 5 newest copies of this profile kept
    frmr restore /media/usb/frmr-….frmrbak  # into the profile of that vault, or a new profile
    frmr --profile DIR restore FILE         # into that profile folder (same vault or empty)

Exit codes: 0 done; 1 the copy failed its check; 2 bad input (wrong passphrase, another
profile's copy, an open vault, a folder that cannot be written).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from desktop.cli.support import EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_OK, CliError, passphrase, profile_dir
from desktop.i18n import tr
from desktop.models.formatting import fmt_timestamp
from desktop.paths import profiles_root
from desktop.vault.backup import BackupError, write_backup
from desktop.vault.backup_schedule import prune
from desktop.vault.errors import VaultError
from desktop.vault.profiles import read_profile
from desktop.vault.restore import restore
from desktop.vault.store import Vault


def _message(exc: VaultError) -> str:
    text = str(exc).rstrip()
    return f"{text.rstrip('.')}. {exc.hint}" if exc.hint else text


def cmd_backup(args: argparse.Namespace) -> int:
    folder = profile_dir(args)
    out = Path(args.out) if args.out else Path.cwd()
    if args.keep is not None and args.keep < 1:
        raise CliError(tr("--keep: число копий — не меньше 1"))
    try:
        with Vault.open(folder, passphrase()) as vault:
            path, man = write_backup(vault, out, read_profile(folder).name)
        removed = prune(path.parent, man.vault_id, args.keep) if args.keep else []
    except VaultError as exc:
        raise CliError(_message(exc)) from exc
    print(tr("Резервная копия создана: {path}").format(path=path))
    if man.pending:
        print(tr(
            "В копии неотправленных изменений: {pending} (отправятся при синхронизации один раз)").format(
            pending=man.pending))
    for p in removed:
        print(tr("Удалена старая копия: {p}").format(p=p))
    return EXIT_OK


def _recovery_key() -> str:
    env = os.environ.get("FRMR_RECOVERY_KEY")
    if env:
        return env
    if not sys.stdin.isatty():
        raise CliError(tr("Ключ восстановления не задан: укажите его в FRMR_RECOVERY_KEY "
                       "или запустите команду в терминале"))
    import getpass

    return getpass.getpass(tr("Ключ восстановления: ")).strip()


def cmd_restore(args: argparse.Namespace) -> int:
    target = Path(args.profile) if args.profile else None
    try:
        if args.recovery_key:
            done = restore(Path(args.file), profiles_root(), recovery_key=_recovery_key(), target=target)
        else:
            done = restore(Path(args.file), profiles_root(),
                           passphrase=passphrase(tr("Парольная фраза копии: ")), target=target)
    except BackupError as exc:
        raise CliError(_message(exc), EXIT_CHECK_FAILED if exc.damaged else EXIT_BAD_INPUT) from exc
    except VaultError as exc:
        raise CliError(_message(exc)) from exc
    made = fmt_timestamp(done.manifest.created)
    if done.created:
        print(tr(
            "Копия от {made} восстановлена как новый профиль «{name}»: {folder}").format(
            made=made, name=done.name, folder=done.folder))
    else:
        print(tr(
            "Профиль «{name}» восстановлен из копии от {made}: {folder}").format(
            name=done.name, made=made, folder=done.folder))
    if done.previous is not None:
        print(tr("Прежние файлы хранилища сохранены в {previous}").format(previous=done.previous))
    if done.manifest.pending:
        print(tr(
            "Неотправленных изменений в копии: {pending} — они отправятся при следующей синхронизации, каждое один "
            "раз").format(
            pending=done.manifest.pending))
    return EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("backup", help=tr("резервная копия профиля: зашифрованное хранилище и ключи одним файлом"))
    p.add_argument("--out", metavar="FILE", help=tr("файл копии или папка для неё (по умолчанию — текущая папка)"))
    p.add_argument("--keep", type=int, metavar="N", help=tr("оставить в папке только N последних копий этого профиля"))
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help=tr("восстановить профиль из резервной копии (с проверкой)"))
    p.add_argument("file", metavar="FILE", help=tr("файл копии (*.frmrbak)"))
    p.add_argument("--recovery-key", action="store_true",
                   help=tr("открыть копию ключом восстановления (FRMR_RECOVERY_KEY или запрос), а не фразой"))
    p.set_defaults(func=cmd_restore)
