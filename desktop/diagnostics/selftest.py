"""``frmr-desktop --self-test``: proves that THIS build (a checkout or the frozen bundle) works.

Each step exercises the real code path a user hits — SQLCipher, Argon2id, the repository,
the Qt plugins, pyHanko, the sync client and the embedded server — because a frozen bundle
fails in exactly those places (a binary extension or a data file the analysis missed), and a
unit test run from the checkout cannot see it.

One line per step: ``[OK] step — detail``, ``[FAIL] step — reason`` or ``[SKIP] step — reason``.
A step is skipped only when the module it needs is not part of the product yet (it is imported
narrowly, by name); everything else that goes wrong is a failure. Exit code 0 only if no step
failed.

Nothing here needs a screen: Qt is forced onto the ``offscreen`` platform before it loads.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Out = Callable[[str], Any]

# A name and a СНИЛС nobody else uses, so finding them in a file can only mean a leak.
NEEDLE_LAST = "Щедровицкая-Самопроверкина"
NEEDLE_FIRST = "Евпраксия"
NEEDLE_SNILS_BODY = "137245869"
PASSPHRASE = "самопроверка-frmr-2026"


class Skip(Exception):
    """The step's module is not in this build yet (not a failure)."""


def _optional(module: str) -> Any:
    """Import ``module`` or skip the step if exactly that module (or its package) is absent.

    A ModuleNotFoundError for anything else — a dependency the bundle forgot — is re-raised,
    because that is precisely the fault the self-test exists to catch.
    """
    import importlib

    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if missing and (module == missing or module.startswith(missing + ".")) and missing.startswith(
            ("desktop", "server")
        ):
            raise Skip(f"модуля {module} ещё нет в этой сборке") from exc
        raise


@dataclass
class Context:
    """State handed from step to step (the vault folder, the record ids…)."""

    tmp: Path
    profile: Path | None = None
    person_id: str | None = None
    snils: str = ""
    employment_ids: list[str] = field(default_factory=list)
    qt_app: Any = None


@dataclass
class Result:
    name: str
    status: str  # "OK" | "FAIL" | "SKIP"
    detail: str
    seconds: float


# -- steps ----------------------------------------------------------------------------------


def step_environment(ctx: Context) -> str:
    from desktop.paths import resource_dir

    res = resource_dir()
    nsi = sorted(p.stem for p in (res / "nsi").glob("*.json"))
    if not nsi:
        raise RuntimeError(f"нет справочников НСИ в {res / 'nsi'}")
    from desktop.vault import store

    migrations = store.migrations()
    if not migrations:
        raise RuntimeError(f"нет миграций хранилища в {store.MIGRATIONS_DIR}")
    frozen = "собранное приложение" if getattr(sys, "frozen", False) else "из исходников"
    from importlib.metadata import version

    return (f"ФРМР Desktop {version('frmr-desktop')}, {frozen}, Python {sys.version.split()[0]}, "
            f"НСИ: {len(nsi)} справочников, "
            f"миграций хранилища: {len(migrations)}")


def step_vault(ctx: Context) -> str:
    import sqlcipher3

    from desktop.vault.keys import KdfParams
    from desktop.vault.profiles import create_profile
    from desktop.vault.store import Vault

    prof = create_profile(ctx.tmp / "profiles", "Самопроверка")
    ctx.profile = prof.folder
    # The minimum Argon2id cost the vault accepts (64 MiB, 3 passes): real KDF, no calibration loop.
    params = KdfParams()
    t0 = time.perf_counter()
    vault, recovery = Vault.create(prof.folder, PASSPHRASE, params)
    vault.close()
    vault = Vault.open(prof.folder, PASSPHRASE)  # unwrap through Argon2id, then SQLCipher with the key
    kdf_s = time.perf_counter() - t0
    try:
        with vault.read() as conn:
            cipher = conn.exec_driver_sql("PRAGMA cipher_version").scalar()
    finally:
        vault.close()
    if not cipher:
        raise RuntimeError("PRAGMA cipher_version пуст: база открыта без SQLCipher")
    if not recovery:
        raise RuntimeError("не выдан ключ восстановления")
    return (f"SQLCipher {cipher} (SQLite {sqlcipher3.sqlite_version}), Argon2id "
            f"{params.memory_kib // 1024} МиБ × {params.time_cost}, создание+открытие {kdf_s:.2f} с")


def _open_vault(ctx: Context) -> Any:
    from desktop.vault.store import Vault

    assert ctx.profile is not None, "хранилище не создано предыдущим шагом"
    return Vault.open(ctx.profile, PASSPHRASE)


def step_record(ctx: Context) -> str:
    from desktop.models.checkdigits import format_snils, make_inn10, make_ogrn, make_snils
    from desktop.models.repository import RecordRepository

    ctx.snils = make_snils(NEEDLE_SNILS_BODY)
    vault = _open_vault(ctx)
    try:
        repo = RecordRepository(vault, user="selftest", host="selftest")
        person = repo.add("person", {
            "snils": format_snils(ctx.snils), "last_name": NEEDLE_LAST, "first_name": "Ольга",
            "patronymic": "Игоревна", "gender": "female", "birth_date": "1979-05-23", "citizenship": "643",
        })
        ctx.person_id = person.id
        repo.edit("person", person.id, {"first_name": NEEDLE_FIRST})
        org = {"org_name": "ГБУЗ «Самопроверочная больница»", "org_inn": make_inn10("770099887"),
               "org_ogrn": make_ogrn("102770099887"), "org_kpp": "770001001"}
        for begin, end, profile in (("2005-09-01", "2010-08-31", "терапия"), ("2010-09-01", None, "терапия")):
            res = repo.add("employment", {
                **org, "position_code": "4", "position_type": "main", "contract_kind": "labor", "rate": "1",
                "begin_date": begin, "end_date": end, "profile": profile, "status": "draft",
            })
            ctx.employment_ids.append(res.id)
        # Read back through a fresh unlock, not the objects we just wrote.
    finally:
        vault.close()
    vault = _open_vault(ctx)
    try:
        repo = RecordRepository(vault, user="selftest", host="selftest")
        people = repo.list("person")
        if len(people) != 1:
            raise RuntimeError(f"ожидалась 1 запись «Персональные данные», прочитано {len(people)}")
        p = people[0]
        got = (p["last_name"], p["first_name"], p["snils"])
        if got[:2] != (NEEDLE_LAST, NEEDLE_FIRST) or "".join(ch for ch in str(got[2]) if ch.isdigit()) != ctx.snils:
            raise RuntimeError(f"прочитано не то, что записано: {got!r}")
        jobs = repo.list("employment", ctx.person_id)
        pending = repo.pending_count()
    finally:
        vault.close()
    if len(jobs) != 2:
        raise RuntimeError(f"ожидалось 2 карточки трудоустройства, прочитано {len(jobs)}")
    return f"добавлено и изменено, прочитано заново: 1 человек, {len(jobs)} карточки, в очереди отправки {pending}"


def step_seniority(ctx: Context) -> str:
    from desktop.models.repository import RecordRepository
    from desktop.models.seniority import compute

    vault = _open_vault(ctx)
    try:
        jobs = RecordRepository(vault, user="selftest", host="selftest").list("employment", ctx.person_id)
    finally:
        vault.close()
    # Two back-to-back periods, 2005-09-01 .. 2015-08-31 inclusive: exactly ten years.
    s = compute(jobs, today=dt.date(2015, 8, 31))
    if (s.total.years, s.total.months, s.total.days) != (10, 0, 0):
        raise RuntimeError(f"стаж на 31.08.2015 должен быть 10 лет 0 мес 0 дн, получено {s.total}")
    return f"стаж на 31.08.2015: {s.total}"


def step_audit(ctx: Context) -> str:
    from desktop.models.repository import RecordRepository

    vault = _open_vault(ctx)
    try:
        rep = RecordRepository(vault, user="selftest", host="selftest").verify_journal()
    finally:
        vault.close()
    if not rep.ok:
        raise RuntimeError("; ".join(rep.problems))
    if rep.entries < 4:
        raise RuntimeError(f"в журнале {rep.entries} записей, ожидалось не меньше 4")
    return f"цепочка журнала цела, записей: {rep.entries}"


def _needles(snils: str) -> dict[str, bytes]:
    from desktop.models.checkdigits import format_snils

    texts = {"фамилия": NEEDLE_LAST, "имя": NEEDLE_FIRST, "СНИЛС": snils, "СНИЛС с разделителями": format_snils(snils)}
    out: dict[str, bytes] = {}
    for label, text in texts.items():
        for enc in ("utf-8", "utf-16-le", "utf-16-be"):
            out[f"{label} ({enc})"] = text.encode(enc)
    return out


def _files(folder: Path) -> Iterator[Path]:
    return (p for p in sorted(folder.rglob("*")) if p.is_file())


def step_no_cleartext(ctx: Context) -> str:
    assert ctx.profile is not None, "хранилище не создано предыдущим шагом"
    needles = _needles(ctx.snils)
    leaks: list[str] = []
    checked: set[str] = set()

    def scan() -> None:
        for path in _files(ctx.profile):  # type: ignore[arg-type]
            data = path.read_bytes()
            checked.add(path.name)
            if path.name == "vault.db" and data.startswith(b"SQLite format 3"):
                leaks.append("vault.db начинается с открытого заголовка SQLite")
            leaks.extend(f"{path.name}: {label}" for label, needle in needles.items() if needle in data)

    # Once while open (the WAL holds the latest pages), once after locking (checkpointed file).
    vault = _open_vault(ctx)
    try:
        from desktop.models.repository import RecordRepository

        RecordRepository(vault, user="selftest", host="selftest").list("person")
        scan()
    finally:
        vault.close()
    scan()
    if leaks:
        raise RuntimeError("открытый текст в файлах профиля: " + "; ".join(sorted(set(leaks))))
    return f"в {len(checked)} файлах профиля ({', '.join(sorted(checked))}) нет ФИО и СНИЛС (UTF-8, UTF-16)"


def step_qt(ctx: Context) -> str:
    # Forced, not defaulted: a self-test run from a desktop session must not open windows either.
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import QSize, qInstallMessageHandler
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

    from desktop.paths import resource_dir

    # The offscreen platform warns about window features it lacks; that noise is not a failure.
    qInstallMessageHandler(_qt_message)
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "frmr-desktop", "-platform",
                                                   "offscreen"])
    ctx.qt_app = app
    platform = QApplication.platformName()
    if platform != "offscreen":
        raise RuntimeError(f"платформа Qt «{platform}», ожидалась offscreen")
    w = QWidget()
    w.setWindowTitle("ФРМР — самопроверка")
    lay = QVBoxLayout(w)
    lay.addWidget(QLabel(f"{NEEDLE_LAST} {NEEDLE_FIRST}"))
    w.resize(320, 120)
    w.show()
    app.processEvents()
    shot = w.grab()
    w.close()
    if shot.isNull() or shot.width() < 1:
        raise RuntimeError("виджет не отрисовался")
    details = [f"PySide6 {pyside_version}, платформа {platform}, виджет отрисован {shot.width()}×{shot.height()}"]
    # The SVG icon needs the svg icon-engine / image-format plugins: a missed plugin gives a null pixmap.
    svgs = sorted((resource_dir() / "icons").glob("*.svg"))
    if not svgs:
        raise RuntimeError(f"нет значков SVG в {resource_dir() / 'icons'}")
    icon = QIcon(str(svgs[0]))
    pm = icon.pixmap(QSize(48, 48))
    if pm.isNull():
        raise RuntimeError(f"значок {svgs[0].name} не отрисован: нет модуля Qt SVG в сборке")
    details.append(f"значок {svgs[0].name} отрисован")
    # Qt's own Russian texts (standard dialogs, context menus), loaded exactly as desktop.app does.
    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator

    qt_tr = QTranslator()
    if not qt_tr.load(QLocale("ru"), "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        raise RuntimeError("нет перевода Qt qtbase_ru.qm в сборке")
    details.append("перевод Qt (ru) загружен")
    return ", ".join(details)


_QT_NOISE = ("propagateSizeHints",)


def _qt_message(mode: Any, context: Any, message: str) -> None:
    if not any(n in message for n in _QT_NOISE):
        print(f"Qt: {message}", file=sys.stderr)


def step_gui_module(ctx: Context) -> str:
    app_mod = _optional("desktop.app")
    if not callable(getattr(app_mod, "main", None)):
        raise RuntimeError("в desktop.app нет функции main")
    return "desktop.app загружается, main() на месте"


def step_documents(ctx: Context) -> str:
    pdf_mod = _optional("desktop.documents.pdf")
    signing = _optional("desktop.documents.signing")
    testpki = _optional("desktop.documents.testpki")
    verify = _optional("desktop.documents.verify")
    from desktop.demo import demo_record

    # A document of the demo person (a full, valid record) — generation needs the shipped font.
    doc = pdf_mod.generate("extract", demo_record(), today=dt.date(2026, 1, 15))
    if not doc.pdf.startswith(b"%PDF-"):
        raise RuntimeError("сформирован не PDF")
    # A CA and a signing certificate made right now; the .p12 round trip is the user's path.
    ca = testpki.issue("ФРМР самопроверка — УЦ", ca=True, key_kind="ec")
    user = testpki.issue("Самопроверка Подписант", issuer=ca, key_kind="ec")
    signer = signing.load_p12(user.p12("selftest"), "selftest", trust_roots=[ca.cert])
    signed = signing.sign_pdf(signer, doc.pdf).data
    report = verify.verify_pdf(signed, [ca.cert])
    if not report.trusted:
        raise RuntimeError("подписанный документ не прошёл проверку: " + report.text().replace("\n", "; "))
    # A verifier that accepts anything proves nothing: one changed byte inside the signed range must fail.
    at = signed.index(b"stream") + 200
    tampered = signed[:at] + bytes([signed[at] ^ 0x01]) + signed[at + 1:]
    if verify.verify_pdf(tampered, [ca.cert]).valid:
        raise RuntimeError("изменённый после подписи PDF признан действительным")
    owner = report.signatures[0].certificate.owner if report.signatures[0].certificate else "?"
    preview = _render_preview(signed)
    return (f"{doc.number}: {len(doc.pdf) // 1024} КиБ, подпись PAdES ({owner}) действительна и доверена, "
            f"изменённая копия отвергнута, {preview}")


def _render_preview(pdf: bytes) -> str:
    """The in-app preview/printing renders pages with PDFium (a native library the bundle must carry)."""
    import pypdfium2

    doc = pypdfium2.PdfDocument(pdf)
    try:
        pages = len(doc)
        bitmap = doc[0].render(scale=0.5)
        data = bytes(bitmap.buffer)
        width, height = bitmap.width, bitmap.height
    finally:
        doc.close()
    # A blank page would mean the font or the content stream did not make it; count dark samples.
    dark = sum(1 for b in data[::97] if b < 128)
    if not dark:
        raise RuntimeError("первая страница PDF отрисовалась пустой")
    return f"просмотр PDFium: {pages} стр., первая {width}×{height}"


def _embedded_module() -> Any:
    """desktop.sync.embedded (the app's own demo server) if this build has it, else None."""
    try:
        return _optional("desktop.sync.embedded")
    except Skip:
        return None


@contextlib.contextmanager
def _server_logged_in(ctx: Context, vault: Any) -> Iterator[str]:
    """A real server on loopback with the replica logged in as the demo doctor; yields its URL.

    Preferably the app's embedded demo server (what `frmr-desktop --demo` runs); otherwise the
    server's test helper. Either way: real uvicorn in a thread of this process (a frozen app cannot
    start `python -m uvicorn`), the Alembic-migrated SQLite database in the temp folder, the
    server's demo seed, and the full OAuth 2.0 + PKCE login with a TOTP code.
    """
    embedded = _embedded_module()
    if embedded is not None:
        demo = embedded.DemoServer(ctx.tmp / "server")
        try:
            base = demo.start()
            demo.login(vault)
            yield base
        finally:
            demo.stop()
        return
    testing = _optional("server.testing")
    seed_mod = _optional("server.seed")
    db = _optional("server.db")
    auth = _optional("desktop.sync.auth")
    url = f"sqlite:///{(ctx.tmp / 'server.sqlite3').as_posix()}"
    _optional("server.migrate").upgrade(url)
    engine = db.make_engine(url)
    try:
        accounts = {a["login"]: a for a in seed_mod.seed_demo(engine, staff_per_org=1)["accounts"]}
    finally:
        engine.dispose()
    doctor = accounts["doctor"]
    with testing.run_server(url, subprocess_=False) as base:
        otp = testing.current_otp(doctor["totp_secret"]) if doctor.get("totp_secret") else ""
        auth.remember_login(vault, base, auth.login_scripted(base, "doctor", doctor["password"], otp))
        yield base


def step_sync(ctx: Context) -> str:
    engine_mod = _optional("desktop.sync.engine")
    _optional("server.app")
    from desktop.models.repository import RecordRepository
    from desktop.vault.keys import KdfParams
    from desktop.vault.store import Vault

    vault, _ = Vault.create(ctx.tmp / "replica", PASSPHRASE, KdfParams())
    try:
        with _server_logged_in(ctx, vault) as base:
            repo = RecordRepository(vault, user="selftest", host="selftest")
            first = engine_mod.SyncEngine(vault, repo=repo, timeout=10).sync()
            if first.outcome != "converged" or first.pulled < 1:
                raise RuntimeError(f"первая синхронизация: {first.outcome} {first.message}, получено {first.pulled}")
            people = repo.list("person")
            if len(people) != 1:
                raise RuntimeError(f"после получения ожидалась 1 запись о человеке, есть {len(people)}")
            repo.edit("person", people[0]["id"], {"phone": "+79990001122"})
            second = engine_mod.SyncEngine(vault, repo=repo, timeout=10).sync()
    finally:
        vault.close()
    if second.outcome != "converged" or second.applied != 1 or second.pending != 0:
        raise RuntimeError(f"отправка правки: {second.outcome} {second.message}, применено {second.applied}, "
                           f"в очереди {second.pending}")
    which = "встроенный демо-сервер" if _embedded_module() is not None else "сервер"
    return (f"{which} на {base.removeprefix('http://')}, вход OAuth PKCE + TOTP, получено {first.pulled} записей, "
            f"отправлена 1 правка, состояние совпало с сервером")


STEPS: list[tuple[str, Callable[[Context], str]]] = [
    ("окружение", step_environment),
    ("хранилище", step_vault),
    ("запись", step_record),
    ("стаж", step_seniority),
    ("журнал", step_audit),
    ("шифрование", step_no_cleartext),
    ("Qt", step_qt),
    ("интерфейс", step_gui_module),
    ("документы и подпись", step_documents),
    ("синхронизация", step_sync),
]


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if isinstance(exc, RuntimeError) and type(exc) is RuntimeError else f"{type(exc).__name__}: {text}"


def run(out: Out = print, *, verbose: bool | None = None) -> int:
    """Run every step, print one line each, return 0 only if none failed."""
    if verbose is None:
        verbose = os.environ.get("FRMR_SELFTEST_VERBOSE") == "1"
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    # The throwaway server of the sync step seeds six accounts; hashing their passwords at full
    # strength would add seconds and prove nothing the vault's own Argon2id step has not.
    # Restored afterwards: a caller's process (a test session) keeps its own setting.
    saved_hash = os.environ.get("FRMR_TEST_FAST_HASH")
    os.environ["FRMR_TEST_FAST_HASH"] = "1"
    try:
        return _run_steps(out, verbose)
    finally:
        if saved_hash is None:
            os.environ.pop("FRMR_TEST_FAST_HASH", None)
        else:
            os.environ["FRMR_TEST_FAST_HASH"] = saved_hash


def _run_steps(out: Out, verbose: bool) -> int:
    results: list[Result] = []
    t_all = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="frmr-selftest-") as tmp:
        ctx = Context(Path(tmp))
        for name, fn in STEPS:
            t0 = time.perf_counter()
            try:
                detail = fn(ctx)
                status = "OK"
            except Skip as exc:
                status, detail = "SKIP", str(exc)
            except Exception as exc:
                status, detail = "FAIL", _reason(exc)
                if verbose:
                    out(traceback.format_exc().rstrip())
            r = Result(name, status, detail, time.perf_counter() - t0)
            results.append(r)
            out(f"[{r.status}] {r.name} — {r.detail} ({r.seconds:.2f} с)")
        _release_qt(ctx)
    failed = [r.name for r in results if r.status == "FAIL"]
    skipped = [r.name for r in results if r.status == "SKIP"]
    summary = f"самопроверка: {len(results) - len(failed) - len(skipped)} OK, {len(failed)} FAIL, {len(skipped)} SKIP"
    out(f"{summary} за {time.perf_counter() - t_all:.1f} с" + (f"; не прошли: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


def _release_qt(ctx: Context) -> None:
    # Leave the QApplication to the caller if it existed before; ours is simply dropped so the
    # interpreter can exit without Qt complaining about widgets outliving it.
    ctx.qt_app = None


if __name__ == "__main__":
    sys.exit(run())
