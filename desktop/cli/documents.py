"""``frmr doc|sign|verify|export``: documents, signatures and НМО exports from the command line.

Registered into the main parser by desktop.cli (``register(subparsers)``). Every bad input ends
with a Russian message and exit code 2, a failed check (invalid signature, refused
certificate) with 1; never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.cli.support import EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_OK, CliError
from desktop.i18n import tr

if TYPE_CHECKING:
    from cryptography import x509

    from desktop.documents.nmo import NmoFilter
    from desktop.documents.signing import CertCheck, P12Signer
    from desktop.models.nsi import NsiRegistry

# The documents layer (pyHanko, reportlab) costs about a second to import: it is loaded inside
# the handlers, so `frmr --help` and the other commands do not pay for it.

Snapshot = dict[str, list[dict[str, Any]]]
_MAX_INPUT = 200 * 1024 * 1024  # a sanity bound; a bigger "document" is a mistake


def _read(path: str, what: str) -> bytes:
    p = Path(path)
    if not p.exists():
        raise CliError(tr("{what} не найден: {path}").format(what=what, path=path))
    if not p.is_file():
        raise CliError(tr("{what} — не файл: {path}").format(what=what, path=path))
    try:
        if p.stat().st_size > _MAX_INPUT:
            raise CliError(tr("{what} слишком велик: {path}").format(what=what, path=path))
        return p.read_bytes()
    except OSError as exc:
        raise CliError(tr("Не удалось прочитать {path}: {strerror}").format(path=path, strerror=exc.strerror)) from exc


def _write(path: str, data: bytes) -> None:
    from desktop.documents.atomic import atomic_write

    try:
        atomic_write(path, data)
    except OSError as exc:
        raise CliError(tr("Не удалось записать {path}: {value}").format(path=path, value=exc.strerror or exc)) from exc


def _p12_password() -> str:
    env = os.environ.get("FRMR_P12_PASSWORD")
    if env is not None:
        return env
    if not sys.stdin.isatty():
        raise CliError(
            tr("Пароль к сертификату не задан: укажите его в FRMR_P12_PASSWORD или запустите команду в терминале")
        )
    return getpass.getpass(tr("Пароль к файлу сертификата: "))


def _trust_roots(args: argparse.Namespace) -> list[x509.Certificate]:
    from desktop.documents.signing import SignatureError, load_certificates

    roots: list[x509.Certificate] = []
    for path in getattr(args, "trust_root", None) or []:
        try:
            roots += load_certificates(_read(path, tr("Файл корневого сертификата")))
        except SignatureError as exc:
            raise CliError(f"{path}: {exc}") from exc
    return roots


def _container(path: str) -> bytes:
    """The key container's bytes; a КриптоПро container, a folder, a token or a certificate
    without its key gets its own message (gost_keys.key_source_message, as in the GUI)."""
    from desktop.documents.gost_keys import key_source_message

    msg = key_source_message(path)
    if msg:
        raise CliError(msg)
    return _read(path, tr("Файл сертификата"))


def _signer(args: argparse.Namespace) -> P12Signer:
    from desktop.documents.signing import SignatureError, load_p12

    data = _container(args.p12)
    try:
        return load_p12(data, _p12_password(), _trust_roots(args))
    except SignatureError as exc:
        raise CliError(str(exc)) from exc


def _warn(check: CertCheck) -> None:
    for w in check.warnings:
        print(tr("Внимание: {w}").format(w=w), file=sys.stderr)


def _date(value: str | None, flag: str) -> dt.date | None:
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise CliError(tr(
        "{flag}: дата «{value}» не распознана, ожидается дд.мм.гггг или ГГГГ-ММ-ДД").format(
        flag=flag, value=value))


def _nmo_filter(args: argparse.Namespace) -> NmoFilter:
    from desktop.documents.nmo import NmoFilter

    flt = NmoFilter(
        _date(args.date_from, "--from"),
        _date(args.date_to, "--to"),
        frozenset(args.nmo_kind or ()),
        frozenset(args.status or ()),
    )
    if flt.date_from and flt.date_to and flt.date_from > flt.date_to:
        raise CliError(tr("--from позже --to: период пуст"))
    return flt


def _add_nmo_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="date_from", metavar=tr("ДАТА"), help=tr("начало периода (дд.мм.гггг)"))
    p.add_argument("--to", dest="date_to", metavar=tr("ДАТА"), help=tr("конец периода (дд.мм.гггг)"))
    p.add_argument("--type", dest="nmo_kind", action="append", choices=["iom", "event", "program"],
                   help=tr("тип начисления (можно несколько раз)"))
    p.add_argument("--status", action="append", choices=["pending", "confirmed", "rejected"],
                   help=tr("статус подтверждения (можно несколько раз)"))


def _guard(func: Any) -> Any:
    """Map the documents layer's errors to CLI errors (exit 2) or check failures (exit 1)."""

    def run(args: argparse.Namespace) -> int:
        from desktop.documents.fonts import FontMissingError
        from desktop.documents.pdf import DocumentError
        from desktop.documents.signing import CertificateRefused, SignatureError

        try:
            return int(func(args))
        except CertificateRefused as exc:
            print(tr("Ошибка: {exc}").format(exc=exc), file=sys.stderr)
            return EXIT_CHECK_FAILED
        except (SignatureError, DocumentError, FontMissingError) as exc:
            raise CliError(str(exc)) from exc

    return run


# ---------------------------------------------------------------- handlers


def cmd_generate(args: argparse.Namespace) -> int:
    from desktop.documents.pdf import generate
    from desktop.documents.signing import PdfSignOptions, sign_pdf

    if args.sign and args.demo:
        raise CliError(tr("--sign подписывает сертификатом из хранилища: с --demo укажите --p12"))
    signer = _signer(args) if args.p12 else None  # ask the password before any work
    vault = None
    if not args.demo:
        from desktop.cli.support import open_vault

        vault = open_vault(args)
    try:
        if signer is None and args.sign and vault is not None:
            signer = _vault_signer(vault)
        if vault is None:
            from desktop.demo import demo_record

            snapshot: Snapshot = demo_record()
            nsi = None
        else:
            from desktop.models.repository import RecordRepository

            repo = RecordRepository(vault)
            snapshot, nsi = repo.snapshot(), repo.nsi()
        rule = None
        if vault is not None:  # the НМО rule the person set in «Настройки», as the app uses it
            from desktop.documents.nmo import rule_from_settings
            from desktop.models.settings import load_settings

            rule = rule_from_settings(load_settings(vault.folder))
        doc = generate(args.kind, snapshot, nmo_filter=_nmo_filter(args) if args.kind == "nmo" else None, rule=rule,
                       nsi=nsi)
        data = doc.pdf
        if signer is not None:
            res = sign_pdf(signer, data, PdfSignOptions(visible=not args.invisible, tsa_url=args.tsa))
            _warn(res.check)
            data = res.data
        _write(args.out, data)
        if vault is not None:
            from desktop.models.journal import record_export, record_signature
            from desktop.models.repository import RecordRepository

            record_export(RecordRepository(vault), args.kind, "pdf")
            if signer is not None:
                record_signature(RecordRepository(vault), args.kind, "pades")
        if vault is not None and args.archive:
            from desktop.documents.archive import store_generated
            from desktop.models.repository import RecordRepository

            store_generated(RecordRepository(vault), doc, data if signer else None)
    finally:
        if vault is not None:
            vault.close()
    print(f"{doc.title} № {doc.number} → {args.out}")
    print(tr("SHA-256 содержания (в QR-коде): {sha256}").format(sha256=doc.sha256))
    return EXIT_OK


def cmd_sign(args: argparse.Namespace) -> int:
    from desktop.documents.signing import PdfSignOptions, is_pdf, sign_detached, sign_pdf

    data = _read(args.file, tr("Файл"))
    signer = _signer(args)
    if args.detached:
        sig, check = sign_detached(signer, data, tsa_url=args.tsa)
        out = args.out or f"{args.file}.sig"
        _write(out, sig)
        _warn(check)
        print(tr("Открепленная подпись (CAdES-BES, DER) → {out}").format(out=out))
        return EXIT_OK
    if not args.out:
        raise CliError(tr("Укажите --out ФАЙЛ для подписанного PDF (или --detached для открепленной подписи)"))
    if not is_pdf(data):
        raise CliError(tr("Файл не является PDF: для других файлов используйте --detached (подпись .sig)"))
    res = sign_pdf(signer, data, PdfSignOptions(visible=args.visible, tsa_url=args.tsa))
    _write(args.out, res.data)
    _warn(res.check)
    print(tr(
        "Подписано: {owner}, сертификат {serial} → {out}").format(
        owner=res.check.info.owner, serial=res.check.info.serial, out=args.out))
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    from desktop.documents.signing import is_pdf
    from desktop.documents.verify import verify

    data = _read(args.file, tr("Файл"))
    sig = _read(args.sig, tr("Файл подписи")) if args.sig else None
    if sig is None and not is_pdf(data) and Path(f"{args.file}.sig").is_file():
        sig = _read(f"{args.file}.sig", tr("Файл подписи"))
    report = verify(data, sig, _trust_roots(args))
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(report.text())
    return EXIT_OK if report.valid else EXIT_CHECK_FAILED


def cmd_cert_import(args: argparse.Namespace) -> int:
    """Keep a .p12/.pfx in the vault (still under its own password) for signing from the vault."""
    from desktop.cli.support import open_vault
    from desktop.documents.archive import import_p12
    from desktop.documents.signing import load_p12

    data = _container(args.p12)
    password = _p12_password()
    load_p12(data, password).check()  # refuse before the vault passphrase is even asked
    vault = open_vault(args)
    try:
        info = import_p12(vault, data, password)
    finally:
        vault.close()
    ids = f", {info.ids_text}" if info.ids_text else ""
    print(tr(
        "Сертификат импортирован в хранилище: {owner}{ids}, № {serial}, {key}, действителен {validity_text}").format(
        owner=info.owner, ids=ids, serial=info.serial, key=info.key, validity_text=info.validity_text))
    return EXIT_OK


def _vault_signer(vault: Any) -> P12Signer:
    from desktop.documents.archive import open_signer

    return open_signer(vault, _p12_password())


def cmd_export_nmo(args: argparse.Namespace) -> int:
    from desktop.documents.pdf import generate
    from desktop.documents.xlsx import nmo_history_xlsx

    flt = _nmo_filter(args)

    def build(snapshot: Snapshot, nsi: NsiRegistry | None) -> None:
        if args.format == "xlsx":
            data = nmo_history_xlsx(snapshot, flt)
        else:
            data = generate("nmo_history", snapshot, nmo_filter=flt, nsi=nsi).pdf
        _write(args.out, data)

    if getattr(args, "demo", False):
        from desktop.demo import demo_record

        build(demo_record(), None)
    else:
        from desktop.cli.support import open_vault
        from desktop.models.journal import record_export
        from desktop.models.repository import RecordRepository

        with open_vault(args) as vault:
            repo = RecordRepository(vault)
            build(repo.snapshot(), repo.nsi())
            record_export(repo, "nmo", args.format)
    print(tr("История начислений НМО ({upper}) → {out}").format(upper=args.format.upper(), out=args.out))
    return EXIT_OK


# ---------------------------------------------------------------- parser


def _add_signing_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tsa", metavar="URL", help=tr("служба штампов времени RFC 3161"))
    p.add_argument("--trust-root", action="append", metavar="PEM",
                   help=tr("доверенный корневой сертификат (PEM/DER; можно несколько раз)"))


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("doc", help=tr("документы: справки и выписки в PDF"))
    dsub = p.add_subparsers(dest="doc_command", required=True, metavar=tr("ДЕЙСТВИЕ"))
    g = dsub.add_parser("generate", help=tr("сформировать документ"))
    g.add_argument("kind", choices=["extract", "seniority", "nmo", "application"],
                   help=tr("extract — выписка, seniority — справка о стаже, nmo — отчёт НМО, application — заявление"))
    g.add_argument("--out", required=True, metavar=tr("ФАЙЛ"))
    g.add_argument("--demo", action="store_true", help=tr("по демонстрационной записи, без хранилища"))
    g.add_argument("--no-archive", dest="archive", action="store_false",
                   help=tr("не сохранять копию в «Документах» хранилища"))
    g.add_argument("--p12", metavar="P12", help=tr("сразу подписать этим сертификатом (видимый штамп)"))
    g.add_argument("--sign", action="store_true",
                   help=tr("подписать сертификатом, импортированным в хранилище (frmr cert import)"))
    g.add_argument("--invisible", action="store_true", help=tr("подпись без видимого штампа"))
    _add_signing_opts(g)
    _add_nmo_filters(g)
    g.set_defaults(func=_guard(cmd_generate))

    s = subparsers.add_parser("sign", help=tr("подписать файл сертификатом .p12/.pfx (RSA, ECDSA, ГОСТ Р 34.10-2012)"))
    s.add_argument("file", metavar=tr("ФАЙЛ"))
    s.add_argument("--p12", required=True, metavar="P12",
                   help=tr("файл сертификата с закрытым ключом: .p12/.pfx или PEM (ключ PKCS#8 + сертификат)"))
    s.add_argument("--out", metavar=tr("ФАЙЛ"), help=tr("подписанный PDF (для --detached: файл .sig)"))
    s.add_argument("--visible", action="store_true", help=tr("видимый штамп подписи на последней странице"))
    s.add_argument("--detached", action="store_true", help=tr("открепленная подпись CMS в ФАЙЛ.sig"))
    _add_signing_opts(s)
    s.set_defaults(func=_guard(cmd_sign))

    v = subparsers.add_parser("verify", help=tr("проверить подпись PDF или файла с .sig"))
    v.add_argument("file", metavar=tr("ФАЙЛ"))
    v.add_argument("--sig", metavar="SIG", help=tr("открепленная подпись (по умолчанию ФАЙЛ.sig для не-PDF)"))
    v.add_argument("--json", action="store_true")
    v.add_argument("--trust-root", action="append", metavar="PEM", help=tr("доверенный корневой сертификат"))
    v.set_defaults(func=_guard(cmd_verify))

    c = subparsers.add_parser("cert", help=tr("сертификат электронной подписи в хранилище"))
    csub = c.add_subparsers(dest="cert_command", required=True, metavar=tr("ДЕЙСТВИЕ"))
    ci = csub.add_parser("import", help=tr("импортировать .p12/.pfx (пароль: FRMR_P12_PASSWORD или запрос)"))
    ci.add_argument("p12", metavar="P12", help=tr("файл сертификата с закрытым ключом"))
    ci.set_defaults(func=_guard(cmd_cert_import))

    e = subparsers.add_parser("export", help=tr("выгрузки"))
    esub = e.add_subparsers(dest="export_command", required=True, metavar=tr("ЧТО"))
    n = esub.add_parser("nmo", help=tr("История начислений НМО"))
    n.add_argument("--format", required=True, choices=["xlsx", "pdf"])
    n.add_argument("--out", required=True, metavar=tr("ФАЙЛ"))
    n.add_argument("--demo", action="store_true", help=tr("по демонстрационной записи, без хранилища"))
    _add_nmo_filters(n)
    n.set_defaults(func=_guard(cmd_export_nmo))


def main(argv: Sequence[str] | None = None) -> int:
    """Standalone entry (tests, before desktop.cli wires ``register``)."""
    ap = argparse.ArgumentParser(prog="frmr")
    ap.add_argument("--profile", metavar="DIR")
    register(ap.add_subparsers(dest="command", required=True))
    args = ap.parse_args(argv)
    try:
        return int(args.func(args))
    except CliError as exc:
        print(tr("Ошибка: {exc}").format(exc=exc), file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print(tr("Прервано"), file=sys.stderr)
        return EXIT_BAD_INPUT
