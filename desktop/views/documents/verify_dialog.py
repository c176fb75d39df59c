"""«Проверить подпись»: the verification report, one block per signature.

The verdict is the first thing on screen, green or red; every property that failed is red and
in capitals (the core's own wording), so a tampered document cannot look "mostly fine".
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTextBrowser, QVBoxLayout, QWidget

from desktop.i18n import N_, tr
from desktop.views.widgets import theme

if TYPE_CHECKING:
    from desktop.documents.verify import SignatureReport, VerificationReport

def _ok() -> str:
    return theme.text_style("ok")


def _bad() -> str:
    return theme.text_style("error", "font-weight: bold;")
TRUST = {
    "trusted": N_("доверенный: цепочка доходит до доверенного корневого сертификата"),
    "self_signed": N_("самоподписанный сертификат: издатель не проверен"),
    "unknown_issuer": N_("издатель неизвестен: цепочка не доходит до доверенного корневого сертификата"),
}


def _row(name: str, value: str, ok: bool | None = True) -> str:
    style = _bad() if ok is False else (theme.text_style("warning") if ok is None else "")
    return (f"<tr><td style='padding-right:12px; color:{theme.text_color('muted')}'>{html.escape(name)}</td>"
            f"<td style='{style}'>{html.escape(value)}</td></tr>")


def signature_html(s: SignatureReport) -> str:
    c = s.certificate
    head = tr("Подпись действительна") if s.ok else tr("ПОДПИСЬ НЕДЕЙСТВИТЕЛЬНА")
    name = f" «{s.field_name}»" if s.field_name else ""
    rows = []
    if c:
        rows.append(_row(tr("Подписант"), c.owner))
        rows.append(_row(tr("Сертификат"), tr("№ {serial}, {key}, действителен {validity}").format(
            serial=c.serial, key=c.key, validity=c.validity_text)))
        rows.append(_row(tr("Издатель"), c.issuer))
    else:
        rows.append(_row(tr("Подписант"), tr("не удалось определить"), False))
    if s.signing_time:
        src = tr("штамп времени") if s.time_source == "timestamp" else tr("по часам подписанта")
        rows.append(_row(tr("Время подписания"), f"{s.signing_time:%d.%m.%Y %H:%M:%S} UTC ({src})"))
    rows.append(_row(tr("Подпись математически"), tr("верна") if s.intact and s.valid else tr("НЕ СХОДИТСЯ"),
                     s.intact and s.valid))
    rows.append(_row(tr("Изменения после подписания"), s.changes or tr("не удалось установить"), s.unchanged))
    if s.cert_valid_at_signing is not None:
        rows.append(_row(tr("Сертификат на момент подписания"),
                         tr("действовал") if s.cert_valid_at_signing else tr("НЕ ДЕЙСТВОВАЛ"),
                         s.cert_valid_at_signing))
    if s.timestamp_ok is not None:
        rows.append(_row(tr("Штамп времени"), tr("верен") if s.timestamp_ok else tr("НЕВЕРЕН"), s.timestamp_ok))
    rows.append(_row(tr("Доверие"), tr(TRUST[s.trust]), True if s.trust == "trusted" else None))
    rows += [_row(tr("Ошибка"), e, False) for e in s.errors]
    return (f"<h3 style='{_ok() if s.ok else _bad()}'>{html.escape(head + name)}</h3>"
            f"<table cellspacing='2'>{''.join(rows)}</table>")


def report_html(report: VerificationReport) -> str:
    parts = [f"<p style='{_bad()}'>{html.escape(e)}</p>" for e in report.errors]
    parts += [signature_html(s) for s in report.signatures]
    return "".join(parts)


def verdict(report: VerificationReport) -> tuple[str, bool]:
    if not report.valid:
        tampered = any(not s.unchanged for s in report.signatures)
        text = tr("Подпись недействительна: документ изменён после подписания или повреждён.") if tampered \
            else tr("Подпись недействительна.")
        if not report.signatures:
            # The core's own reason: "no signatures" and "damaged, unreadable" must not look alike.
            text = report.errors[0] if report.errors else tr("Подписи нет или её не прочитать.")
        return text, False
    if report.trusted:
        return tr("Подписи действительны, сертификаты доверенные."), True
    return tr("Подписи действительны; издатель сертификата не подтверждён (см. «Доверие»)."), True


class VerifyDialog(QDialog):
    def __init__(self, title: str, report: VerificationReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Проверка подписи: {title}").format(title=title))
        self.report = report
        text, ok = verdict(report)
        self.verdict = QLabel(text)
        self.verdict.setObjectName("verify_verdict")
        self.verdict.setWordWrap(True)
        self.verdict.setStyleSheet(theme.banner_style("ok" if ok else "error", padding=8, border=1 if ok else 2)
                                   + " font-size: 14px;" + (" font-weight: bold;" if not ok else ""))
        self.details = QTextBrowser()
        self.details.setObjectName("verify_details")
        self.details.setHtml(report_html(report))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.verdict)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)
        self.resize(720, 520)
