"""``frmr``: the same core as the window, from a terminal.

Exit codes: 0 done; 1 a check failed (invalid value, tampered journal); 2 bad input or usage.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import sqlalchemy.exc
import sqlcipher3

from desktop.cli.support import (
    EXIT_BAD_INPUT,
    EXIT_CHECK_FAILED,
    EXIT_OK,
    CliError,
    not_utf8,
    open_vault,
    passphrase,
    vault_message,
)
from desktop.i18n import LANGUAGES, N_, language_from_argv, set_language, tr, trn
from desktop.models.formatting import display
from desktop.models.nsi import NsiImportError, NsiRegistry, parse_export, shipped
from desktop.models.repository import RecordRepository
from desktop.models.schema import ENTITIES, entity
from desktop.models.seniority import compute
from desktop.models.validation import FieldError, ValidationFailed, check_identifier
from desktop.paths import profiles_root
from desktop.vault.errors import DamagedVault, VaultError, describe_os_error
from desktop.vault.hardening import disable_core_dumps
from desktop.vault.layout import DB_NAME, KEYS_NAME
from desktop.vault.profiles import create_profile, read_profile, write_profile
from desktop.vault.store import Vault

#: Modules that add their own subcommands via ``register(subparsers)``, with the commands they
#: add. Only the module of the command being run is imported (the sync one pulls in httpx, the
#: documents one pyHanko), unless help or an unknown command needs the whole list.
PLUGINS: dict[str, tuple[str, ...]] = {
    "desktop.cli.documents": ("doc", "sign", "verify", "cert", "export"),
    "desktop.cli.sync": ("login", "logout", "sync", "status", "conflicts", "resolve", "rejected", "discard",
                         "resubmit", "fetch-blob"),
    "desktop.cli.actions": ("action", "actions"),
    "desktop.cli.account": ("account",),
    "desktop.cli.journal": ("journal",),
    "desktop.cli.staff": ("staff",),
    "desktop.cli.confirmations": ("confirmations",),
    "desktop.cli.requests": ("request",),
    "desktop.cli.confirm": ("confirm",),
    "desktop.cli.application": ("application",),
    "desktop.cli.programmes": ("programmes",),
    "desktop.cli.notifications": ("notifications",),
    "desktop.cli.backup": ("backup", "restore"),
    "desktop.cli.access": ("recover", "consent-text"),
    "desktop.cli.report": ("report",),
    "desktop.cli.admin": ("admin",),
}


def _pairs(items: Sequence[str], entity_name: str) -> dict[str, str]:
    spec = entity(entity_name)
    out: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise CliError(tr("Ожидается ПОЛЕ=ЗНАЧЕНИЕ, получено «{item}»").format(item=item))
        k, v = item.split("=", 1)
        k = k.strip()
        if k not in spec.names:
            raise CliError(tr(
                "Неизвестное поле «{k}» для «{entity_name}». Поля: {items}").format(
                k=k, entity_name=entity_name, items=', '.join(spec.names)))
        if k in out:
            # Which of the two was meant is a guess; a silent "last one wins" saved the wrong one.
            raise CliError(tr("Поле «{k}» указано дважды: «{value}» и «{v}»").format(k=k, value=out[k], v=v))
        out[k] = v
    return out


def _entity_arg(name: str) -> str:
    if name not in ENTITIES:
        raise CliError(tr("Неизвестный раздел «{name}». Разделы: {items}").format(name=name, items=', '.join(ENTITIES)))
    return name


def cmd_init(args: argparse.Namespace) -> int:
    # Every refusal comes before the first write: a second «init» on a working profile used
    # to rename it, and a short passphrase left a half-made profile folder behind.
    if args.profile:
        folder = Path(args.profile)
        if folder.exists() and not folder.is_dir():
            raise CliError(tr(
                "{folder} — это файл, а не папка: укажите в --profile папку профиля").format(
                folder=folder))
        if (folder / DB_NAME).exists() or (folder / KEYS_NAME).exists():
            raise CliError(tr(
                "В папке {folder} уже есть хранилище: повторно «init» не нужен. Чтобы начать заново, укажите "
                "другую папку").format(
                folder=folder))
    from desktop.cli.access import check_new_passphrase, consent_given, consent_line, record_consent

    pw = passphrase(tr("Новая парольная фраза: "), confirm=True)
    check_new_passphrase(pw, None, args.name)  # the window's rule; the profile's name counts for little
    consent_given(args)
    try:
        if args.profile:
            folder.mkdir(parents=True, exist_ok=True)
            prof = read_profile(folder)
            prof.name = args.name
            write_profile(prof)
        else:
            folder = create_profile(profiles_root(), args.name).folder
        vault, recovery = Vault.create(folder, pw)
    except VaultError as exc:
        raise CliError(str(exc)) from exc
    except OSError as exc:
        raise CliError(tr(
            "Не удалось создать профиль в {value}: {describe_os_error}").format(
            value=folder if args.profile else profiles_root(), describe_os_error=describe_os_error(exc))) from exc
    try:
        consented = record_consent(vault)
    finally:
        vault.close()
    print(tr("Профиль создан: {folder}").format(folder=folder))
    print(consent_line(consented))
    print(tr(
        "Ключ восстановления (сохраните его в надёжном месте, он показывается один раз): {recovery}").format(
        recovery=recovery))
    return EXIT_OK


def _show_rows(spec_name: str, rows: list[dict[str, Any]], as_json: bool, nsi: NsiRegistry | None = None) -> None:
    spec = entity(spec_name)
    if as_json:
        print(json.dumps([{"id": r["id"], **{n: r[n] for n in spec.names}} for r in rows],
                         ensure_ascii=False, indent=1))
        return
    print(f"== {tr(spec.plural)} ({len(rows)})")
    for r in rows:
        parts = []
        for f in spec.fields:
            v = r.get(f.name)
            if v is None or not f.column:
                continue
            # the formatter the GUI and the PDFs use: НСИ codes by name (the vault's registry)
            parts.append(f"{tr(f.label)}: {display(f, v, nsi or shipped())}")
        print(f"  [{r['id']}] " + "; ".join(parts))


def cmd_show(args: argparse.Namespace) -> int:
    from desktop.cli.person_scope import person_rows

    names = [_entity_arg(args.entity)] if args.entity else list(ENTITIES)
    with open_vault(args) as vault:
        repo = RecordRepository(vault)
        if args.json and args.entity:
            _show_rows(args.entity, person_rows(repo, args, args.entity), True)
            return EXIT_OK
        data = {n: person_rows(repo, args, n) for n in names}
        nsi = repo.nsi()
    if args.json:
        print(json.dumps({n: [{"id": r["id"], **{k: r[k] for k in entity(n).names}} for r in rows]
                          for n, rows in data.items()}, ensure_ascii=False, indent=1))
    else:
        for n, rows in data.items():
            _show_rows(n, rows, False, nsi)
    return EXIT_OK


def _report_saved(res: Any) -> None:
    for w in res.warnings:
        print(tr("Внимание: {w}").format(w=w), file=sys.stderr)


def cmd_add(args: argparse.Namespace) -> int:
    name = _entity_arg(args.entity)
    values = _pairs(args.values, name)
    from desktop.cli.person_scope import scoped_person

    with open_vault(args) as vault:
        repo = RecordRepository(vault)
        res = repo.add(name, values, person_id=None if name == "person" else scoped_person(repo, args))
    _report_saved(res)
    print(res.id)
    return EXIT_OK


def cmd_edit(args: argparse.Namespace) -> int:
    name = _entity_arg(args.entity)
    values = _pairs(args.values, name)
    if not values:
        raise CliError(tr("Укажите хотя бы одно ПОЛЕ=ЗНАЧЕНИЕ"))
    from desktop.cli.person_scope import check_row_person

    with open_vault(args) as vault:
        repo = RecordRepository(vault)
        if repo.get(name, args.id) is None:
            raise CliError(tr(
                "Запись {id} не найдена в разделе «{plural}»").format(
                id=args.id, plural=entity(name).plural))
        check_row_person(repo, args, name, args.id)
        res = repo.edit(name, args.id, values)
    _report_saved(res)
    print(tr("Изменено: ") + (", ".join(res.changed) if res.changed else tr("ничего")))
    return EXIT_OK


def cmd_delete(args: argparse.Namespace) -> int:
    name = _entity_arg(args.entity)
    with open_vault(args) as vault:
        repo = RecordRepository(vault)
        if repo.get(name, args.id) is None:
            raise CliError(tr(
                "Запись {id} не найдена в разделе «{plural}»").format(
                id=args.id, plural=entity(name).plural))
        repo.delete(name, args.id)
    print(tr("Удалено"))
    return EXIT_OK


def cmd_seniority(args: argparse.Namespace) -> int:
    from desktop.cli.person_scope import person_rows

    with open_vault(args) as vault:
        cards = person_rows(RecordRepository(vault), args, "employment")
    s = compute(cards)
    if args.json:
        print(json.dumps(s.as_dict(), ensure_ascii=False))
    else:
        print(tr("Медицинский стаж: {total}").format(total=s.total))
        for prof, span in s.by_profile.items():
            print(f"  {prof}: {span}")
    return EXIT_OK


def cmd_audit(args: argparse.Namespace) -> int:
    """The journal's chain and every page of the file (SQLCipher's HMAC, then SQLite's b-trees):
    damage to pages no command reads passed this check while only the journal was verified."""
    from desktop.cli.support import profile_dir
    from desktop.vault.integrity import WHAT_TO_DO, check_profile
    from desktop.vault.unlock import unwrap_data_key

    folder = profile_dir(args)
    try:
        key = unwrap_data_key(folder, passphrase())
        result = check_profile(folder, key)
    except VaultError as exc:
        raise CliError(vault_message(exc)) from exc
    if args.json:
        print(json.dumps({**result.as_dict(), "hint": "" if result.ok else WHAT_TO_DO},
                         ensure_ascii=False, indent=1))
        return EXIT_OK if result.ok else EXIT_CHECK_FAILED
    # What is intact goes to stdout, as before; each finding to stderr.
    if not result.journal_problems:
        n = int(result.journal_entries or 0)
        print(trn("Журнал цел: {n} запись", "Журнал цел: {n} записи", "Журнал цел: {n} записей", n).format(n=n))
    if result.file.ok:
        print(tr(
            "Файл хранилища цел: проверены все страницы ({pages}) и структура базы").format(
            pages=result.file.pages))
    for p in result.problems:
        print(p, file=sys.stderr)
    if result.journal_entries is not None and result.journal_problems:
        n = len(result.journal_problems)
        print(trn("Журнал нарушен: {n} нарушение", "Журнал нарушен: {n} нарушения", "Журнал нарушен: {n} нарушений",
                  n).format(n=n), file=sys.stderr)
    if not result.file.ok:
        damaged = result.file.damaged_pages
        print(tr("Файл хранилища повреждён") + (tr(
            ": повреждено страниц — {n} из {pages}").format(
            n=len(damaged), pages=result.file.pages)
                                            if damaged else ""), file=sys.stderr)
    if result.ok:
        return EXIT_OK
    print(WHAT_TO_DO, file=sys.stderr)
    return EXIT_CHECK_FAILED


def cmd_validate(args: argparse.Namespace) -> int:
    names = {"snils": N_("СНИЛС"), "inn": N_("ИНН"), "ogrn": N_("ОГРН/ОГРНИП"), "kpp": N_("КПП")}
    label = tr(names[args.kind])
    try:
        check_identifier(args.kind, args.value)
    except FieldError as exc:
        print(tr("{label} {value}: неверен — {exc}").format(label=label, value=args.value, exc=exc))
        return EXIT_CHECK_FAILED
    print(tr("{label} {value}: верен").format(label=label, value=args.value))
    return EXIT_OK


def cmd_nsi_import(args: argparse.Namespace) -> int:
    with open_vault(args) as vault:
        repo = RecordRepository(vault)
        try:
            key, rows = parse_export(Path(args.file), repo.nsi())
        except NsiImportError as exc:
            raise CliError(str(exc)) from exc
        n = repo.import_nsi(key, rows)
        title = repo.nsi().get(key).name
    print(tr("Загружено записей: {n} (справочник {title})").format(n=n, title=title))
    return EXIT_OK


def cmd_passwd(args: argparse.Namespace) -> int:
    from desktop.cli.support import profile_dir

    folder = profile_dir(args)
    old = passphrase(tr("Текущая парольная фраза: "))
    import getpass as gp

    new = gp.getpass(tr("Новая парольная фраза: ")) if sys.stdin.isatty() else (args.new or "")
    from desktop.cli.access import change_passphrase

    try:
        change_passphrase(folder, old, new)
    except VaultError as exc:
        raise CliError(str(exc)) from exc
    print(tr("Парольная фраза изменена"))
    return EXIT_OK


def damaged_text(exc: Exception) -> str:
    orig = getattr(exc, "orig", None) or exc
    if "locked" in str(orig) or "busy" in str(orig):
        return tr("Хранилище занято другой программой: закройте окно ФРМР или другую команду frmr и повторите")
    return tr("Файл хранилища повреждён: часть данных не читается")


def _command_of(argv: Sequence[str]) -> str | None:
    """The subcommand named in ``argv`` (skipping ``--profile DIR``), if any."""
    it = iter(argv)
    for tok in it:
        if tok in ("--profile", "--lang"):
            next(it, None)
        elif not tok.startswith("-"):
            return tok
    return None


class RuArgumentParser(argparse.ArgumentParser):
    """Usage errors worded like every other message of ``frmr`` (exit code 2 as before); argparse's
    own texts come in the interface language from its gettext catalog (desktop/i18n.py)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, tr("Ошибка: {message}. Справка: {prog} --help").format(
            message=message, prog=self.prog) + "\n")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    ap = RuArgumentParser(prog="frmr", description=tr("ФРМР — кабинет медицинского работника (командная строка)"))
    ap.add_argument("--profile", metavar="DIR", help=tr("папка профиля (по умолчанию — единственный профиль)"))
    ap.add_argument("--lang", choices=sorted(LANGUAGES),
                    help=tr("язык сообщений: ru или en (по умолчанию — переменная FRMR_LANG, иначе ru)"))
    from desktop.diagnostics.logging_setup import app_version

    ap.add_argument("--version", action="version", version=f"%(prog)s {app_version()}",
                    help=tr("показать версию программы и выйти"))
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("init", help=tr("создать профиль и зашифрованное хранилище"))
    p.add_argument("--name", default="Мой профиль")
    p.add_argument("--consent", action="store_true",
                   help=tr("согласие на обработку персональных данных (152-ФЗ) дано (текст: frmr consent-text)"))
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("show", help=tr("показать записи"))
    p.add_argument("entity", nargs="?")
    p.add_argument("--json", action="store_true")
    p.add_argument("--person", metavar="ID", help=tr("чьи записи (в хранилище кадровика — обязательно)"))
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("add", help=tr("добавить запись: add ENTITY ПОЛЕ=ЗНАЧЕНИЕ…"))
    p.add_argument("entity")
    p.add_argument("values", nargs="*")
    p.add_argument("--person", metavar="ID", help=tr("чья запись (в хранилище кадровика — обязательно)"))
    p.set_defaults(func=cmd_add)

    p = sub.add_parser("edit", help=tr("изменить запись: edit ENTITY ID ПОЛЕ=ЗНАЧЕНИЕ…"))
    p.add_argument("entity")
    p.add_argument("id")
    p.add_argument("values", nargs="*")
    p.add_argument("--person", metavar="ID", help=tr("чья запись (в хранилище кадровика — обязательно)"))
    p.set_defaults(func=cmd_edit)

    p = sub.add_parser("delete", help=tr("удалить запись"))
    p.add_argument("entity")
    p.add_argument("id")
    p.set_defaults(func=cmd_delete)

    p = sub.add_parser("seniority", help=tr("медицинский стаж"))
    p.add_argument("--json", action="store_true")
    p.add_argument("--person", metavar="ID", help=tr("чей стаж (в хранилище кадровика — обязательно)"))
    p.set_defaults(func=cmd_seniority)

    p = sub.add_parser("audit", help=tr("проверка хранилища: журнал изменений и каждая страница файла"))
    p.add_argument("action", choices=["verify"])
    p.add_argument("--json", action="store_true", help=tr("результат в JSON"))
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("validate", help=tr("проверить СНИЛС, ИНН, ОГРН или КПП"))
    p.add_argument("kind", choices=["snils", "inn", "ogrn", "kpp"])
    p.add_argument("value")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("nsi", help=tr("справочники НСИ"))
    nsub = p.add_subparsers(dest="nsi_command", required=True)
    pi = nsub.add_parser("import", help=tr("загрузить полную выгрузку справочника (JSON или CSV)"))
    pi.add_argument("file")
    pi.set_defaults(func=cmd_nsi_import)

    p = sub.add_parser("passwd", help=tr("сменить парольную фразу (ключ данных перешифровывается, база — нет)"))
    p.add_argument("--new", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_passwd)

    command = _command_of(argv) if argv is not None else None
    for mod, commands in PLUGINS.items():
        if command is not None and command not in commands and command in sub.choices:
            continue  # a core command: this plugin's imports are not needed
        try:
            module = importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name != mod:
                raise
            continue
        module.register(sub)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    disable_core_dumps()
    from_terminal = argv is None
    argv = list(sys.argv[1:] if argv is None else argv)
    # Before the parser is built: its help texts are translated as it is built.
    set_language(language_from_argv(argv))
    for arg in argv:
        if not_utf8(arg):
            print(tr(
                "Ошибка: аргумент «{decode}» не в кодировке UTF-8: проверьте кодировку терминала (locale). Ничего "
                "не изменено.").format(
                decode=arg.encode('utf-8', 'surrogateescape').decode('utf-8', 'replace')),
                  file=sys.stderr)
            return EXIT_BAD_INPUT
    from desktop.cli.person_scope import person_first

    argv = person_first(argv)
    ap = build_parser(argv)
    args = ap.parse_args(argv)
    if from_terminal:  # the running log (sync retries, failures); not when a test or tool calls main()
        from desktop.diagnostics.logging_setup import start_logging

        start_logging("frmr")
    try:
        code = int(args.func(args))
        # Flushed here, not at exit: a reader gone (``frmr show --json | head -c 10``) is met below.
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        _stdout_gone()
        return EXIT_OK
    except CliError as exc:
        print(tr("Ошибка: {exc}").format(exc=exc), file=sys.stderr)
        return exc.code
    except ValidationFailed as exc:
        for msg in exc.errors.values():
            print(tr("Ошибка: {msg}").format(msg=msg), file=sys.stderr)
        print(tr("Ничего не сохранено."), file=sys.stderr)
        return EXIT_CHECK_FAILED
    except VaultError as exc:
        print(tr("Ошибка: {vault_message}").format(vault_message=vault_message(exc)), file=sys.stderr)
        return EXIT_BAD_INPUT
    except (sqlcipher3.DatabaseError, sqlalchemy.exc.DBAPIError) as exc:
        # A page damaged past the first one opens fine and fails on the read that reaches it.
        print(tr(
            "Ошибка: {vault_message}").format(
            vault_message=vault_message(DamagedVault(damaged_text(exc)))), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(tr("Прервано"), file=sys.stderr)
        return EXIT_BAD_INPUT


def _stdout_gone() -> None:
    """The reader of our output has closed the pipe: what it wanted it has. Point stdout at the
    null device so the interpreter's own flush at exit does not print a traceback."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())
