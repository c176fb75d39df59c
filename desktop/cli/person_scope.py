"""``--person ID`` of ``frmr show | add | edit | seniority``: whose record a command is about.

A doctor's vault holds one person, so the commands need no person. A clerk's (or a manager's)
holds the organization's staff: there a command without ``--person`` used to pick whichever
person came first (a card attached to a stranger, a стаж summed over the whole staff), so it
now refuses and names the way to choose.
"""

from __future__ import annotations

import argparse
from typing import Any

from desktop.cli.support import CliError
from desktop.i18n import N_, tr
from desktop.models.repository import RecordRepository

#: roles whose vault holds many persons
MANY_PERSONS = ("hr", "manager", "admin")
NEED_PERSON = N_("В хранилище кадровой службы несколько человек: укажите, о ком команда — --person ID "
                 "(список сотрудников с их id: frmr staff list)")


def scoped_person(repo: RecordRepository, args: argparse.Namespace) -> str | None:
    """The person named by ``--person`` (checked to be in the vault); None in a one-person vault
    without it (the vault's own person); refused in a vault of many persons without it."""
    pid = getattr(args, "person", None)
    if pid:
        if repo.get("person", pid) is None:
            raise CliError(tr("Человек {pid} не найден в хранилище (список: frmr staff list)").format(pid=pid))
        return str(pid)
    if repo.role() in MANY_PERSONS:
        raise CliError(tr(NEED_PERSON))
    return None


def person_rows(repo: RecordRepository, args: argparse.Namespace, entity_name: str) -> list[dict[str, Any]]:
    """The rows of ``entity_name`` of the scoped person (all rows in a one-person vault without ``--person``)."""
    pid = scoped_person(repo, args)
    if pid is None:
        return repo.list(entity_name)
    if entity_name == "person":
        row = repo.get("person", pid)
        return [row] if row is not None else []
    return repo.list(entity_name, pid)


def check_row_person(repo: RecordRepository, args: argparse.Namespace, entity_name: str, row_id: str) -> None:
    """``edit``: in a vault of many persons the row must be the named person's."""
    pid = scoped_person(repo, args)
    if pid is None:
        return
    row = repo.get(entity_name, row_id)
    owner = row.get("id") if entity_name == "person" and row else (row or {}).get("person_id")
    if owner != pid:
        raise CliError(tr(
            "Запись {row_id} не принадлежит человеку {pid}: ничего не изменено").format(
            row_id=row_id, pid=pid))


def person_first(argv: list[str]) -> list[str]:
    """``--person ID`` written after the ``ПОЛЕ=ЗНАЧЕНИЕ`` list (``frmr edit employment ID rate=1
    --person P``) moved before it: argparse ends a positional list at the first option, and what
    follows the option would be «лишние аргументы»."""
    commands = ("show", "add", "edit", "seniority")
    at = next((i for i, a in enumerate(argv) if a in commands), None)
    if at is None:
        return argv
    head, rest = argv[:at + 1], argv[at + 1:]
    moved: list[str] = []
    out: list[str] = []
    i = 0
    while i < len(rest):
        a = rest[i]
        if a == "--person" and i + 1 < len(rest):
            moved += rest[i:i + 2]
            i += 2
            continue
        if a.startswith("--person="):
            moved.append(a)
        else:
            out.append(a)
        i += 1
    return head + moved + out
