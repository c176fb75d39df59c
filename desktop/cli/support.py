"""What every ``frmr`` command shares: finding the profile, unlocking it, reporting errors."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from desktop.i18n import tr
from desktop.paths import profiles_root
from desktop.vault.errors import VaultError
from desktop.vault.layout import DB_NAME, KEYS_NAME
from desktop.vault.profiles import list_profiles
from desktop.vault.store import Vault

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_BAD_INPUT = 2


class CliError(Exception):
    """A message for stderr and an exit code; nothing was changed."""

    def __init__(self, message: str, code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.code = code


def not_utf8(text: str) -> bool:
    """Python decodes undecodable bytes of argv and the environment to lone surrogates."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def passphrase(prompt: str = "", confirm: bool = False) -> str:
    env = os.environ.get("FRMR_PASSPHRASE")
    if env:
        if not_utf8(env):
            raise CliError(tr("Парольная фраза в FRMR_PASSPHRASE не в кодировке UTF-8: "
                           "проверьте кодировку терминала (locale)"))
        return env
    if not sys.stdin.isatty():
        raise CliError(tr("Парольная фраза не задана: укажите её в FRMR_PASSPHRASE или запустите команду в терминале"))
    value = getpass.getpass(prompt or tr("Парольная фраза: "))
    if not value:
        raise CliError(tr("Парольная фраза не введена"))
    if not_utf8(value):
        raise CliError(tr("Парольная фраза не в кодировке UTF-8: проверьте кодировку терминала (locale)"))
    if confirm and getpass.getpass(tr("Повторите парольную фразу: ")) != value:
        raise CliError(tr("Парольные фразы не совпадают"))
    return value


def vault_message(exc: VaultError) -> str:
    """The error and what to do, as one text (the message may already end with a period)."""
    text = str(exc).rstrip()
    if exc.hint:
        text = f"{text.rstrip('.')}. {exc.hint}"
    return text


def profile_dir(args: argparse.Namespace) -> Path:
    if getattr(args, "profile", None):
        folder = Path(args.profile)
        if not folder.is_dir():
            raise CliError(tr(
                "Папка профиля {folder} не найдена: создайте профиль командой «frmr --profile {folder} init»").format(
                folder=folder))
        if not (folder / KEYS_NAME).exists() and not (folder / DB_NAME).exists():
            # Nothing to restore from a backup here: the folder has simply never had a vault.
            raise CliError(tr(
                "В папке {folder} нет хранилища: создайте его командой «frmr --profile {folder} init»").format(
                folder=folder))
        return folder
    profiles = [p for p in list_profiles(profiles_root()) if p.has_vault]
    if len(profiles) == 1:
        return profiles[0].folder
    if not profiles:
        raise CliError(tr("Профиль не найден: создайте его командой «frmr init» или укажите --profile ПАПКА"))
    names = ", ".join(f"{p.name} ({p.folder})" for p in profiles)
    raise CliError(tr("На компьютере несколько профилей, укажите нужный через --profile: {names}").format(names=names))


def open_vault(args: argparse.Namespace) -> Vault:
    """Unlock the profile's vault; the unlock (and the failed attempts before it) goes into the
    person's journal as the window's unlock does — «Мой журнал» shows both."""
    from desktop.models.journal import failed_unlocks

    folder = profile_dir(args)
    before = failed_unlocks(folder)
    try:
        vault = Vault.open(folder, passphrase())
    except VaultError as exc:
        raise CliError(vault_message(exc)) from exc
    from desktop.models.journal import record_unlock
    from desktop.models.repository import RecordRepository

    record_unlock(RecordRepository(vault), before, "cli")
    return vault
