"""The work behind «Документы», as plain functions the views hand to a worker thread.

Nothing here touches a widget. Functions taking a ``RecordRepository`` run in the DB worker
(the only thread that may use the open vault); the others (PDF generation, signing, reading
files) run in the thread pool. The documents layer (reportlab, pyHanko) is imported lazily:
it costs about a second and the cabinet should open without paying for it.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.i18n import tr
from desktop.models.nsi import NsiRegistry
from desktop.models.repository import RecordRepository
from desktop.models.schema import ENTITIES
from desktop.vault import secrets
from desktop.vault.attachments import MAX_ATTACHMENT_BYTES
from desktop.views.runtime.errors import UserError

if TYPE_CHECKING:
    from desktop.documents.batch import BatchResult
    from desktop.documents.nmo import CycleRule, NmoFilter
    from desktop.documents.pdf import GeneratedDocument
    from desktop.documents.signing import CertCheck, CertInfo, P12Signer
    from desktop.documents.verify import VerificationReport
    from desktop.vault.store import Vault
    from desktop.views.record.record_store import RecordStore

Snapshot = dict[str, list[dict[str, Any]]]


def snapshot_of(store: RecordStore) -> Snapshot:
    """A copy of the record as the GUI holds it: generation runs on it in another thread."""
    return {name: [dict(r) for r in store.rows(name)] for name in ENTITIES}


# ---------------------------------------------------------------- generation


def generate(kind: str, snapshot: Snapshot, nmo_filter: NmoFilter | None = None,
             rule: CycleRule | None = None, nsi: NsiRegistry | None = None) -> GeneratedDocument:
    """``nsi``: the store's registry (the vault's), so a code the person imported prints by name."""
    from desktop.documents.pdf import generate as make

    return make(kind, snapshot, nmo_filter=nmo_filter, rule=rule, nsi=nsi)


def store_generated(repo: RecordRepository, doc: GeneratedDocument) -> str:
    from desktop.documents.archive import store_generated as keep

    return keep(repo, doc)


# ---------------------------------------------------------------- files


def read_upload(path: str, limit: int = MAX_ATTACHMENT_BYTES) -> bytes:
    """The file's bytes; an oversized file is refused from its size before it is read whole."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise UserError(tr("Не удалось открыть файл {name}: {reason}").format(
            name=p.name, reason=exc.strerror or exc)) from exc
    if size > limit:
        raise UserError(tr("Файл {name} слишком большой: {size} МБ, допустимо не больше {limit} МБ.").format(
            name=p.name, size=f"{size / 1048576:.1f}".replace(".", ","), limit=limit // 1048576))
    try:
        return p.read_bytes()
    except OSError as exc:
        raise UserError(tr("Не удалось прочитать файл {name}: {reason}").format(
            name=p.name, reason=exc.strerror or exc)) from exc


def store_upload(repo: RecordRepository, title: str, data: bytes) -> str:
    # add_document sniffs the bytes (PDF/JPG/PNG, ≤ 5 МБ): the extension proves nothing.
    return repo.add_document("upload", title, data)


def document_bytes(repo: RecordRepository, row: Mapping[str, Any]) -> bytes:
    sha = str(row.get("blob_sha256") or row.get("sha256") or "")
    data = repo.get_blob(sha) if sha else None
    if data is None:
        raise UserError(tr("Файл документа «{title}» не найден в хранилище.").format(title=row.get("title")))
    return data


# ---------------------------------------------------------------- files kept only on the server

#: how long one download may wait for the server; the person watches a busy dialog meanwhile
DOWNLOAD_TIMEOUT = 20.0


@dataclass(frozen=True)
class Missing:
    """A document whose row was pulled from the server but whose file is not in the vault yet."""

    sha256: str
    title: str


class DownloadCancelled(Exception):
    """The person pressed «Отмена» while files were being downloaded."""


def _sha_of(row: Mapping[str, Any]) -> str:
    return str(row.get("blob_sha256") or row.get("sha256") or "").lower()


def companions(row: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The row plus the archived files verifying it may also read (``verify_archived``): the
    original of a detached signature, or the detached signature of a scan."""
    title = str(row.get("title") or "")
    if row.get("kind") == "signature":
        target = title.removesuffix(".sig")
        others = [r for r in rows if r.get("kind") != "signature" and r.get("title") == target]
    else:
        others = [r for r in rows if r.get("kind") == "signature" and r.get("title") == f"{title}.sig"]
    return [row, *others[:1]]


def missing_files(repo: RecordRepository, rows: Sequence[Mapping[str, Any]]) -> list[Missing]:
    """Which of these documents have their row but not their file here (DB worker)."""
    from sqlalchemy import select

    from desktop.models.tables import Blob

    wanted: dict[str, str] = {}
    for r in rows:
        sha = _sha_of(r)
        if sha and sha not in wanted:
            wanted[sha] = str(r.get("title") or "")
    if not wanted:
        return []
    t = Blob.__table__  # type: ignore[attr-defined]
    with repo.vault.read() as conn:
        have = set(conn.execute(select(t.c.sha256).where(t.c.sha256.in_(list(wanted)))).scalars())
    return [Missing(sha, title) for sha, title in wanted.items() if sha not in have]


def _reason(exc: BaseException) -> str:
    """The sync layer's Russian message, fit for the middle of a sentence: lower-case start and
    no trailing period («Нет связи с сервером» -> «нет связи с сервером»)."""
    text = str(exc).strip().rstrip(".")
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def download_files(vault: Vault, missing: Sequence[Missing], cancel: threading.Event,
                   progress: Callable[[int, int, str], None]) -> int:
    """Download each file with the sync engine's ``fetch_blob`` (thread pool, never the GUI).

    ``fetch_blob`` checks the SHA-256 and stores the whole file in the vault in one
    transaction, so a failure or a cancel leaves no partial file behind; files fetched before
    it are complete and stay. Every failure becomes a Russian ``UserError`` naming the file
    and what went wrong. Returns how many files were downloaded.
    """
    from desktop.sync.api import Cancelled, ClientTooOld, LoginNeeded, ServerProblem, SyncError
    from desktop.sync.engine import SyncEngine

    # Few quick retries: the person is waiting in front of a dialog, not a background sync.
    engine = SyncEngine(vault, timeout=DOWNLOAD_TIMEOUT, max_attempts=2, base_delay=0.3, max_delay=1.0)
    engine.cancel_event = cancel
    if not engine.server:
        raise UserError(tr("Файла документа «{title}» нет на этом компьютере, а сервер, с которого его можно "
                           "загрузить, не задан. Войдите на сервер: меню «Синхронизация» → «Войти на сервер…».")
                        .format(title=missing[0].title if missing else ""))
    for i, item in enumerate(missing):
        if cancel.is_set():
            raise DownloadCancelled()
        progress(i, len(missing), item.title)
        try:
            engine.fetch_blob(item.sha256)
        except Cancelled as exc:
            raise DownloadCancelled() from exc
        except LoginNeeded as exc:
            raise UserError(tr("Файл документа «{title}» хранится на сервере, а вход на сервер истёк. Войдите снова: "
                               "меню «Синхронизация» → «Войти на сервер…».").format(title=item.title)) from exc
        except ServerProblem as exc:
            if exc.status == 404:
                raise UserError(tr("Файл документа «{title}» не найден на сервере: его ещё не отправили с другого "
                                   "компьютера, или у вас нет к нему доступа.").format(title=item.title)) from exc
            raise UserError(tr("Сервер не отдал файл документа «{title}»: {reason}").format(
                title=item.title, reason=exc)) from exc
        except ClientTooOld as exc:
            raise UserError(tr("Файл документа «{title}» не загружен: версия приложения устарела, обновите "
                               "ФРМР Desktop.").format(title=item.title)) from exc
        except SyncError as exc:  # Transient: offline, timeout, 5xx, a damaged answer
            raise UserError(tr("Файл документа «{title}» есть только на сервере, и загрузить его не удалось: "
                               "{reason}. Проверьте подключение к сети и повторите.").format(
                title=item.title, reason=_reason(exc))) from exc
        if cancel.is_set():  # pressed while the last answer was arriving: the file is kept, whole
            raise DownloadCancelled()
    progress(len(missing), len(missing), "")
    return len(missing)


def suggested_filename(row: Mapping[str, Any]) -> str:
    title = str(row.get("title") or "документ")
    safe = "".join("_" if c in '\\/:*?"<>|' else c for c in title).strip() or "документ"
    ext = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(str(row.get("mime")), "")
    return safe if safe.lower().endswith(ext) or not ext else safe + ext


def save_file(path: str, data: bytes) -> str:
    from desktop.documents.atomic import atomic_write

    try:
        atomic_write(path, data)
    except OSError as exc:
        raise UserError(tr("Не удалось сохранить файл {path}: {reason}").format(
            path=path, reason=exc.strerror or exc)) from exc
    return path


# ---------------------------------------------------------------- certificate


@dataclass(frozen=True)
class CertSummary:
    owner: str
    serial: str
    not_before: dt.datetime
    not_after: dt.datetime

    @property
    def validity_text(self) -> str:
        return tr("с {a} по {b}").format(a=f"{self.not_before:%d.%m.%Y}", b=f"{self.not_after:%d.%m.%Y}")


def summary_of(info: CertInfo) -> CertSummary:
    return CertSummary(info.owner, info.serial, info.not_before, info.not_after)


def stored_cert(repo: RecordRepository) -> CertSummary | None:
    """What the reminder needs about the imported certificate (None when none is imported)."""
    from desktop.documents.archive import CERT_INFO_SECRET, P12_SECRET

    if secrets.get_secret(repo.vault, P12_SECRET) is None:
        return None
    raw = secrets.get_secret(repo.vault, CERT_INFO_SECRET)
    if raw is None:
        return None
    try:
        d = json.loads(raw.decode("utf-8"))
        return CertSummary(str(d["owner"]), str(d["serial"]), dt.datetime.fromisoformat(d["not_before"]),
                           dt.datetime.fromisoformat(d["not_after"]))
    except (ValueError, KeyError, UnicodeDecodeError):
        return None


@dataclass
class Imported:
    info: CertInfo
    check: CertCheck
    signer: P12Signer | None  # kept for the session when asked


def read_key_file(path: str) -> bytes:
    """The certificate file's bytes, or the message on what to pick instead when it cannot be a
    key here (gost_keys.key_source_message, the check ``frmr sign --p12`` makes too)."""
    from desktop.documents.gost_keys import key_source_message

    msg = key_source_message(path)
    if msg:
        raise UserError(tr(msg))
    return read_any(path, 1024 * 1024)


def import_certificate(repo: RecordRepository, data: bytes, password: str, keep: bool) -> Imported:
    """Check and keep the .p12 (archive.import_p12), and its public details for the reminder.

    import_p12 opens the container and checks the certificate before it writes anything, so
    a wrong password or an expired certificate leaves the vault as it was.
    """
    from desktop.documents.archive import import_p12
    from desktop.documents.signing import load_p12

    info = import_p12(repo.vault, data, password)
    signer = load_p12(data, password)
    return Imported(info, signer.check(), signer if keep else None)


# ---------------------------------------------------------------- signing


@dataclass
class ToSign:
    rows: list[dict[str, Any]]
    files: list[bytes]
    p12: bytes | None


def fetch_for_signing(repo: RecordRepository, rows: Sequence[Mapping[str, Any]]) -> ToSign:
    from desktop.documents.archive import P12_SECRET

    return ToSign([dict(r) for r in rows], [document_bytes(repo, r) for r in rows],
                  secrets.get_secret(repo.vault, P12_SECRET))


@dataclass
class Signed:
    signer: P12Signer
    result: BatchResult
    rows: list[dict[str, Any]] = field(default_factory=list)
    files: list[bytes] = field(default_factory=list)


def trust_roots(path: str | None) -> list[Any]:
    """The trust roots configured in «Настройки» (a PEM bundle or one DER certificate)."""
    if not path:
        return []
    from desktop.documents.signing import SignatureError, load_certificates

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise UserError(tr("Файл доверенных корневых сертификатов не открывается: {path}").format(path=path)) from exc
    try:
        return load_certificates(data)
    except SignatureError as exc:
        raise UserError(str(exc)) from exc


def open_signer(p12: bytes | None, password: str, roots_file: str | None = None) -> P12Signer:
    from desktop.documents.signing import load_p12

    if p12 is None:
        raise UserError(tr("Сертификат для подписи не импортирован: нажмите «Импорт сертификата (.p12)»."))
    return load_p12(p12, password, trust_roots(roots_file))


def sign_documents(todo: ToSign, signer: P12Signer | None, password: str, visible: bool,
                   tsa_url: str | None, progress: Callable[[int, int, str], None],
                   roots_file: str | None = None, cancel: threading.Event | None = None) -> Signed:
    """Open the key once (one password for the whole batch), check the certificate, sign all.

    A refused certificate (expired, not yet valid, wrong key usage) raises before any file is
    signed; a damaged file fails alone (BatchItem.error) and the others go on. ``cancel`` stops
    the batch between documents: the ones signed by then are kept, the rest stay unsigned.
    """
    from desktop.documents.batch import sign_batch
    from desktop.documents.signing import PdfSignOptions

    signer = signer or open_signer(todo.p12, password, roots_file)
    docs = [(str(r.get("title") or ""), data) for r, data in zip(todo.rows, todo.files, strict=True)]
    result = sign_batch(signer, docs, PdfSignOptions(visible=visible, tsa_url=tsa_url or None), progress, cancel)
    return Signed(signer, result, todo.rows, todo.files)


def store_signed(repo: RecordRepository, signed: Signed) -> list[str]:
    """Every successful result becomes a new document (the unsigned original stays): a signed
    PDF, or for a scan the detached .sig beside it."""
    from desktop.documents.archive import store_detached_signature
    from desktop.documents.archive import store_signed as keep
    from desktop.models.journal import record_signature

    ids = []
    done = len(signed.result.items)  # fewer than the rows when the batch was cancelled
    for row, original, item in zip(signed.rows[:done], signed.files[:done], signed.result.items, strict=True):
        if not item.ok or item.data is None:
            continue
        title = str(row.get("title") or "")
        if item.detached:
            ids.append(store_detached_signature(repo, title, original, item.data))
        else:
            ids.append(keep(repo, str(row.get("kind") or "upload"), title, item.data, "application/pdf"))
        # «Мой журнал»: the signature itself, not only the new document it produced
        record_signature(repo, "document", "cades" if item.detached else "pades", str(row.get("id") or ""))
    return ids


# ---------------------------------------------------------------- verification


def verify_bytes(data: bytes, sig: bytes | None, roots_file: str | None = None) -> VerificationReport:
    from desktop.documents.verify import verify

    return verify(data, sig, trust_roots(roots_file))


def verify_archived(repo: RecordRepository, row: Mapping[str, Any], rows: Sequence[Mapping[str, Any]],
                    roots_file: str | None = None) -> VerificationReport:
    """A PDF on its own; a detached .sig with the archived file it was made for (same title)."""
    from desktop.documents.signing import is_pdf

    data = document_bytes(repo, row)
    if row.get("kind") == "signature":
        target = str(row.get("title") or "").removesuffix(".sig")
        original = next((r for r in rows if r.get("kind") != "signature" and r.get("title") == target), None)
        if original is None:
            raise UserError(tr("Не найден файл «{title}», к которому относится эта подпись.").format(title=target))
        return verify_bytes(document_bytes(repo, original), data, roots_file)
    if not is_pdf(data):
        sig_title = f"{row.get('title')}.sig"
        sig_row = next((r for r in rows if r.get("kind") == "signature" and r.get("title") == sig_title), None)
        if sig_row is None:
            raise UserError(tr("Этот файл не PDF и для него нет открепленной подписи (.sig) в «Документах»."))
        return verify_bytes(data, document_bytes(repo, sig_row), roots_file)
    return verify_bytes(data, None, roots_file)


def verify_files(path: str, sig_path: str | None, roots_file: str | None = None) -> VerificationReport:
    from desktop.documents.signing import is_pdf

    data = read_any(path)
    if sig_path is None and not is_pdf(data):
        default = Path(f"{path}.sig")
        if not default.is_file():
            raise UserError(tr("Файл не PDF: выберите и файл подписи (.sig)."))
        sig_path = str(default)
    return verify_bytes(data, read_any(sig_path) if sig_path else None, roots_file)


def read_any(path: str, limit: int = 200 * 1024 * 1024) -> bytes:
    return read_upload(path, limit)
