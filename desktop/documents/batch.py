"""Signing many documents with one unlocked key: progress, cancel between documents, results
written as they are made (``sign_files``). The single-document signing is ``desktop.documents.signing``."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from desktop.documents.signing import (
    CertCheck,
    PdfSignOptions,
    SignatureError,
    Signer,
    is_pdf,
    sign_detached,
    sign_pdf,
)


@dataclass
class BatchItem:
    name: str
    ok: bool
    data: bytes | None = None
    detached: bool = False
    error: str | None = None


@dataclass
class BatchResult:
    items: list[BatchItem] = field(default_factory=list)
    check: CertCheck | None = None
    #: the batch stopped on ``cancel`` before its end: ``items`` holds the documents done
    cancelled: bool = False
    #: how many documents the batch was given
    total: int = 0
    #: the files ``sign_files`` wrote, one per successful item, in order
    written: list[Path] = field(default_factory=list)

    @property
    def failed(self) -> list[BatchItem]:
        return [i for i in self.items if not i.ok]

    @property
    def signed(self) -> list[BatchItem]:
        return [i for i in self.items if i.ok]


def sign_batch(
    signer: Signer,
    documents: Iterable[tuple[str, bytes]],
    options: PdfSignOptions | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    cancel: threading.Event | None = None,
    sink: Callable[[BatchItem], None] | None = None,
) -> BatchResult:
    """Sign many documents with one unlocked key (one password entry).

    The certificate is checked once: a refusal (expired…) stops the whole batch before any
    file is touched. A damaged file fails alone and the batch goes on. PDFs get PAdES, other
    files a detached .sig. ``progress(done, total, name)`` runs after each document; the GUI
    runs this in a worker thread and marshals the callback to its own.

    ``cancel`` is looked at between documents: once set, the batch stops before the next one
    and returns what is done (``cancelled``). A document being signed is finished first (one
    signature takes well under a second), so nothing is ever half-signed. ``sink`` receives
    each successful item as soon as it is signed (``sign_files`` writes it to disk there).
    """
    options = options or PdfSignOptions()
    docs = list(documents)
    check = signer.check(options.now)
    result = BatchResult(check=check, total=len(docs))
    for i, (name, data) in enumerate(docs, 1):
        if cancel is not None and cancel.is_set():
            result.cancelled = True
            break
        try:
            if is_pdf(data):
                signed = sign_pdf(signer, data, options).data
                item = BatchItem(name, True, signed)
            else:
                sig, _ = sign_detached(
                    signer, data, tsa_url=options.tsa_url, timestamper=options.timestamper, now=options.now
                )
                item = BatchItem(name, True, sig, detached=True)
        except SignatureError as exc:
            item = BatchItem(name, False, error=str(exc))
        result.items.append(item)
        if sink is not None and item.ok:
            sink(item)
        if progress:
            progress(i, len(docs), name)
    return result


def signed_file_name(name: str, detached: bool) -> str:
    """``справка.pdf`` → ``справка.signed.pdf``; any file's detached signature → ``name.sig``."""
    if detached:
        return f"{name}.sig"
    stem = name[:-4] if name.lower().endswith(".pdf") else name
    return f"{stem}.signed.pdf"


def sign_files(
    signer: Signer,
    paths: Sequence[str | Path],
    out_dir: str | Path,
    options: PdfSignOptions | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    cancel: threading.Event | None = None,
) -> BatchResult:
    """``sign_batch`` over files on disk, each result written to ``out_dir`` as soon as it is
    signed, atomically (desktop.documents.atomic): a cancel or a crash leaves the finished
    files whole and nothing for the document in progress."""
    from desktop.documents.atomic import atomic_write

    folder = Path(out_dir)
    written: list[Path] = []

    def docs() -> Iterable[tuple[str, bytes]]:
        for p in paths:
            yield Path(p).name, Path(p).read_bytes()

    def write(item: BatchItem) -> None:
        assert item.data is not None
        written.append(atomic_write(folder / signed_file_name(item.name, item.detached), item.data))

    result = sign_batch(signer, docs(), options, progress, cancel, write)
    result.written = written
    return result


