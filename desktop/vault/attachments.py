"""Attachments are PDF, JPG or PNG, recognised by their bytes, not empty, at most 5 MB."""

from __future__ import annotations

from desktop.i18n import tr
from desktop.models.validation import ValidationFailed

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024

_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def sniff(data: bytes) -> str | None:
    for magic, mime in _MAGIC:
        if data.startswith(magic):
            return mime
    return None


def check_attachment(data: bytes, limit: int = MAX_ATTACHMENT_BYTES) -> str:
    """The file's MIME type, or ValidationFailed naming what is wrong."""
    if not data:
        raise ValidationFailed({"file": tr("«Файл»: файл пустой")})
    if len(data) > limit:
        raise ValidationFailed(
            {"file": tr(
                "«Файл»: размер {value:.1f} МБ больше допустимых {value2} МБ").format(
                value=len(data) / 1048576, value2=limit // 1048576)}
        )
    mime = sniff(data)
    if mime is None:
        raise ValidationFailed({"file": tr(
            "«Файл»: допустимы только PDF, JPG и PNG (тип определяется по содержимому)")})
    return mime
