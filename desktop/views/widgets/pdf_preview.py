"""«Просмотр» and «Печать» of a PDF inside the app.

PySide6-Essentials has no QtPdf, so pages are rendered by pypdfium2 (PDFium) into QImages in
a pool thread — QImage, unlike QPixmap, may be built outside the GUI thread. PDFium itself is
not thread-safe, so one lock serialises every render. Printing paints those page images onto
the printer in Qt's print preview dialog.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import tr
from desktop.views.widgets import theme

_PDFIUM_LOCK = threading.Lock()
PREVIEW_DPI = 110
PRINT_DPI = 200
MAX_PAGES = 200  # a preview of a 1000-page upload would eat memory for nothing


class PreviewError(Exception):
    """The file cannot be shown; the message is for the person."""


def render_pdf(data: bytes, dpi: float = PREVIEW_DPI, max_pages: int = MAX_PAGES,
               dpr: float = 1.0) -> list[QImage]:
    """Pages as RGB images (pool thread). ``dpr``: the screen's device pixel ratio — the pages are
    rendered with that many more pixels and marked so, to look sharp at 150 % or 200 %."""
    import pypdfium2 as pdfium

    images: list[QImage] = []
    with _PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise PreviewError(tr("PDF повреждён или защищён паролем: его нельзя показать.")) from exc
        try:
            # Without a form environment PDFium skips widget annotations — and the visible
            # signature stamp is one: a signed document would preview as if unsigned.
            pdf.init_forms()
            for i in range(min(len(pdf), max_pages)):
                page = pdf[i]
                try:
                    bitmap = page.render(scale=dpi * dpr / 72, rev_byteorder=True)
                    try:
                        w, h, stride = bitmap.width, bitmap.height, bitmap.stride
                        fmt = QImage.Format.Format_RGB888 if bitmap.n_channels == 3 else QImage.Format.Format_RGBA8888
                        # copy(): the QImage must own its pixels; PDFium frees the bitmap below.
                        image = QImage(bytes(bitmap.buffer), w, h, stride, fmt).copy()
                        image.setDevicePixelRatio(dpr)
                        images.append(image)
                    finally:
                        bitmap.close()
                finally:
                    page.close()
        finally:
            pdf.close()
    return images


def load_image(data: bytes) -> list[QImage]:
    """A JPG/PNG scan as one "page"."""
    img = QImage.fromData(data)
    if img.isNull():
        raise PreviewError(tr("Изображение повреждено: его нельзя показать."))
    return [img]


def render_document(data: bytes, dpi: float = PREVIEW_DPI, dpr: float = 1.0) -> list[QImage]:
    if data.lstrip()[:5].startswith(b"%PDF-"):
        return render_pdf(data, dpi, dpr=dpr)
    return load_image(data)


def paint_pages(printer: QPrinter, images: list[QImage]) -> int:
    """Each image on its own sheet, scaled to the printable area, aspect kept. Returns pages."""
    painter = QPainter()
    if not painter.begin(printer):
        return 0
    try:
        for i, img in enumerate(images):
            if i:
                printer.newPage()
            area = painter.viewport()
            size = img.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(area.x() + (area.width() - size.width()) // 2, area.y(), size.width(), size.height())
            painter.drawImage(target, img)
    finally:
        painter.end()
    return len(images)


def print_preview(images: list[QImage], title: str, parent: QWidget | None = None) -> QPrintPreviewDialog:
    """Qt's print preview with the pages; the caller keeps the returned dialog alive."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(title)
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setWindowTitle(tr("Печать: {title}").format(title=title))
    dialog.paintRequested.connect(lambda p: paint_pages(p, images))
    dialog.finished.connect(dialog.deleteLater)
    dialog.resize(900, 760)
    dialog.open()
    return dialog


def _logical_width(img: QImage) -> float:
    return img.width() / (img.devicePixelRatio() or 1.0)


class PreviewDialog(QDialog):
    """Pages one under another in a scroll area. «Печать…» asks the owner (``print_requested``)
    to render the pages again at print resolution; the preview's images are screen-sized."""

    print_requested = Signal()

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Просмотр: {title}").format(title=title))
        self.title = title
        self.images: list[QImage] = []
        self.page_labels: list[QLabel] = []
        self.status = QLabel(tr("Загрузка страниц…"))
        self.status.setObjectName("preview_status")
        self.pages = QWidget()
        self.pages.setStyleSheet("background: palette(dark);")
        self._pages_layout = QVBoxLayout(self.pages)
        self._pages_layout.setSpacing(12)
        self._pages_layout.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidget(self.pages)
        self.scroll_area.setWidgetResizable(True)
        self.zoom = 1.0
        zoom_in = QPushButton(tr("Крупнее"))
        zoom_out = QPushButton(tr("Мельче"))
        zoom_in.clicked.connect(lambda: self.set_zoom(self.zoom * 1.25))
        zoom_out.clicked.connect(lambda: self.set_zoom(self.zoom / 1.25))
        self.print_button = QPushButton(tr("Печать…"))
        self.print_button.setEnabled(False)
        self.print_button.clicked.connect(self.print_requested)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(zoom_out)
        top.addWidget(zoom_in)
        top.addWidget(self.print_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.scroll_area, 1)
        layout.addWidget(buttons)
        # As tall as the screen allows: a page is taller than wide and should be read whole.
        screen = self.screen()
        if screen is not None:
            area = screen.availableGeometry()
            self.resize(min(860, area.width() - 40), min(1000, area.height() - 60))
        else:
            self.resize(860, 900)

    def set_pages(self, images: list[QImage]) -> None:
        self.images = images
        n = len(images)
        self.status.setText(tr("Страниц: {n}").format(n=n))
        self.print_button.setEnabled(bool(images))
        for _img in images:
            label = QLabel()
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self._pages_layout.addWidget(label)
            self.page_labels.append(label)
        if images:
            # Start at the page width that fits the window, so nothing is cut at the right edge.
            margins = self._pages_layout.contentsMargins()
            scrollbar = self.scroll_area.verticalScrollBar().sizeHint().width()
            room = self.scroll_area.viewport().width() - margins.left() - margins.right() - scrollbar - 4
            self.zoom = min(1.0, max(0.3, room / max(1.0, _logical_width(images[0]))))
        self.set_zoom(self.zoom)

    def set_error(self, text: str) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(theme.text_style("error", "font-weight: bold;"))

    def set_zoom(self, zoom: float) -> None:
        self.zoom = min(3.0, max(0.3, zoom))
        for label, img in zip(self.page_labels, self.images, strict=True):
            # Scaled in device pixels and marked with the image's ratio: sharp on a HiDPI screen.
            ratio = img.devicePixelRatio()
            width = round(_logical_width(img) * self.zoom * ratio)
            pix = QPixmap.fromImage(img).scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
            pix.setDevicePixelRatio(ratio)
            label.setPixmap(pix)
