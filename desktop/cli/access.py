"""What ``frmr`` does as the window's first start and unlock screen do (issue 16 item 11):
the passphrase policy (``desktop/vault/passphrase.py``, the GUI's), the 152-ФЗ consent recorded
like the GUI records it, and ``frmr recover`` — unlock with the recovery key, set a new phrase.

    frmr init --consent                   # consent given on the command line (no terminal)
    frmr init                             # in a terminal: the consent text, then «да»/«нет»
    FRMR_RECOVERY_KEY=… FRMR_NEW_PASSPHRASE=… frmr recover
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from desktop.cli.support import EXIT_OK, CliError, not_utf8, profile_dir, vault_message
from desktop.i18n import tr
from desktop.models.consent import CONSENT_TEXT
from desktop.models.formatting import fmt_timestamp
from desktop.models.repository import RecordRepository
from desktop.vault.errors import VaultError, WrongPassphrase
from desktop.vault.passphrase import personal_inputs, refusal
from desktop.vault.profiles import read_profile
from desktop.vault.store import Vault

_YES = {"да", "д", "yes", "y"}


def check_new_passphrase(new: str, person: dict[str, Any] | None = None, *extra: str) -> None:
    """The GUI's rule for a new passphrase; refused with the reason in Russian."""
    why = refusal(new, personal_inputs(person, *extra))
    if why:
        raise CliError(why)


def consent_given(args: argparse.Namespace) -> bool:
    """``--consent``, or «да» typed after the text in a terminal. Asked before anything is
    created: without consent there is no record to keep, as in the window."""
    if getattr(args, "consent", False):
        return True
    if not sys.stdin.isatty():
        raise CliError(tr("Нужно согласие на обработку персональных данных (152-ФЗ): прочитайте его текст "
                       "(«frmr consent-text») и повторите команду с --consent. Ничего не создано."))
    print(CONSENT_TEXT, end="\n\n")
    answer = input(tr("Даю согласие на обработку персональных данных (да/нет): ")).strip().casefold()
    if answer not in _YES:
        raise CliError(tr("Без согласия на обработку персональных данных вести запись нельзя. Ничего не создано."))
    return True


def record_consent(vault: Vault) -> str:
    """The consent's time in the vault and its journal, as the window's consent screen does."""
    return RecordRepository(vault).record_consent()


def _person(vault: Vault) -> dict[str, Any] | None:
    repo = RecordRepository(vault)
    rows = repo.snapshot().get("person") or []
    return dict(rows[0]) if rows else None


def change_passphrase(folder: Path, old: str, new: str) -> None:
    """``frmr passwd``: the old phrase opens the vault, the new one meets the policy (the
    person's own name and birth date count for little), the key file is re-wrapped."""
    with Vault.open(folder, old) as vault:
        check_new_passphrase(new, _person(vault), read_profile(folder).name)
        vault.change_passphrase(old, new)


def _secret(env: str, prompt: str, confirm: bool = False) -> str:
    value = os.environ.get(env)
    if not value:
        if not sys.stdin.isatty():
            raise CliError(tr("Не задано: укажите в {env} или запустите команду в терминале").format(env=env))
        value = getpass.getpass(prompt)
        if confirm and getpass.getpass(tr("Повторите: ")) != value:
            raise CliError(tr("Парольные фразы не совпадают"))
    if not_utf8(value):
        raise CliError(tr(
            "{rstrip} не в кодировке UTF-8: проверьте кодировку терминала (locale)").format(
            rstrip=prompt.rstrip(': ')))
    return value


def cmd_recover(args: argparse.Namespace) -> int:
    from desktop.vault.unlock import recover_data_key

    folder = profile_dir(args)
    recovery = _secret("FRMR_RECOVERY_KEY", tr("Ключ восстановления: "))
    try:
        key, kf, counter = recover_data_key(folder, recovery)
    except WrongPassphrase as exc:
        raise CliError(tr(
            "{exc}. Проверьте ключ: 32 знака группами по 4, как он был показан при создании профиля (буквы без О и "
            "I, цифры без 0 и 1)").format(
            exc=exc)) from exc
    except VaultError as exc:
        raise CliError(vault_message(exc)) from exc
    new = _secret("FRMR_NEW_PASSPHRASE", tr("Новая парольная фраза: "), confirm=True)
    try:
        with Vault(folder, key) as vault:
            check_new_passphrase(new, _person(vault), read_profile(folder).name)
        kf.rewrap(key, new)
        counter.reset()
    except VaultError as exc:
        raise CliError(vault_message(exc)) from exc
    print(tr("Новая парольная фраза задана; ключ восстановления остаётся прежним"))
    return EXIT_OK


def cmd_consent_text(args: argparse.Namespace) -> int:
    print(CONSENT_TEXT)
    return EXIT_OK


def consent_line(ts: str) -> str:
    return tr(
        "Согласие на обработку персональных данных (152-ФЗ) записано: {fmt_timestamp}").format(
        fmt_timestamp=fmt_timestamp(ts))


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("recover", help=tr("забыта парольная фраза: открыть ключом восстановления и задать новую"))
    p.set_defaults(func=cmd_recover)
    p = sub.add_parser("consent-text", help=tr("текст согласия на обработку персональных данных (152-ФЗ)"))
    p.set_defaults(func=cmd_consent_text)
