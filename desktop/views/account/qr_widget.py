"""The enrolment QR code, drawn from the ``otpauth://`` URI (no image library, no file)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop.i18n import tr


class QrWidget(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.matrix: list[list[bool]] = []
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setAccessibleName(tr("QR-код для приложения-аутентификатора"))

    def set_uri(self, uri: str) -> None:
        if uri:
            # Imported here, when a code is drawn: ``qrcode`` brings Pillow's drawers with it, a
            # 120 ms import the start-up preloader ran on the GUI thread in one turn (a stall).
            import qrcode

            qr = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
            qr.add_data(uri)
            qr.make(fit=True)
            self.matrix = [list(map(bool, row)) for row in qr.get_matrix()]
        else:
            self.matrix = []
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(240, 240) if self.matrix else QSize(0, 0)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self.matrix:
            return
        p = QPainter(self)
        # dark on white whatever the theme: scanners need the contrast
        p.fillRect(self.rect(), QColor("white"))
        n = len(self.matrix)
        cell = min(self.width(), self.height()) / n
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("black"))
        for y, row in enumerate(self.matrix):
            for x, dark in enumerate(row):
                if dark:
                    p.drawRect(QRectF(x * cell, y * cell, cell + 0.3, cell + 0.3))
        p.end()
