"""Print preview and save-as for paperwork PDFs; pages are rasterised off the GUI thread."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QRect, QRunnable, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPaintDevice, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QFileDialog, QWidget

# 200 dpi keeps small print crisp at about 15 MB per Letter page in memory.
PRINT_DPI = 200


class PdfError(RuntimeError):
    """The PDF could not be opened or rendered."""


def render_pages(pdf_bytes: bytes, dpi: int = PRINT_DPI) -> list[QImage]:
    """Every page of a PDF as an image at `dpi`; safe to call from a worker thread (no widgets)."""
    with tempfile.TemporaryDirectory(prefix="cso-print-") as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(pdf_bytes)
        document = QPdfDocument(None)
        try:
            error = document.load(str(path))
            if error != QPdfDocument.Error.None_:
                raise PdfError(f"The PDF could not be opened ({error.name}).")
            images = []
            for index in range(document.pageCount()):
                points = document.pagePointSize(index)
                size = QSize(round(points.width() * dpi / 72), round(points.height() * dpi / 72))
                rendered = document.render(index, size)
                if rendered.isNull():
                    raise PdfError(f"Page {index + 1} could not be rendered.")
                # QtPdf leaves the paper transparent; printers and previews expect white.
                image = QImage(size, QImage.Format.Format_RGB32)
                image.fill(Qt.GlobalColor.white)
                painter = QPainter(image)
                painter.drawImage(0, 0, rendered)
                painter.end()
                image.setDotsPerMeterX(round(dpi / 0.0254))
                image.setDotsPerMeterY(round(dpi / 0.0254))
                images.append(image)
            return images
        finally:
            document.close()
            document.deleteLater()


def fit_rect(image_size: QSize, target: QRect) -> QRect:
    """The largest rectangle with the image's proportions, centred in the target."""
    scaled = image_size.scaled(target.size(), Qt.AspectRatioMode.KeepAspectRatio)
    x = target.x() + (target.width() - scaled.width()) // 2
    y = target.y() + (target.height() - scaled.height()) // 2
    return QRect(x, y, scaled.width(), scaled.height())


def paint_pages(device: QPaintDevice, images: Sequence[QImage]) -> int:
    """Paint page images onto a printer (one sheet each) or any paint device; returns pages painted."""
    if not images:
        return 0
    painter = QPainter()
    if not painter.begin(device):
        raise PdfError("The printer could not be started.")
    try:
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        for index, image in enumerate(images):
            if index and isinstance(device, QPrinter) and not device.newPage():
                raise PdfError("The printer refused a new page.")
            painter.drawImage(fit_rect(image.size(), painter.viewport()), image)
    finally:
        painter.end()
    return len(images)


def configure_printer(printer: QPrinter, images: Sequence[QImage], title: str) -> None:
    """Paper and orientation from the document's first page; the PDF carries its own margins."""
    printer.setDocName(title)
    if images:
        first = images[0]
        landscape = first.width() > first.height()
        printer.setPageLayout(
            QPageLayout(
                QPageSize(QPageSize.PageSizeId.Letter),
                QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait,
                printer.pageLayout().margins(),
            )
        )
    # After the layout: setting a layout resets full-page mode.
    printer.setFullPage(True)


class _Relay(QObject):
    """Lives on the GUI thread; worker threads emit through it (queued into the GUI thread)."""

    done = Signal(list)
    failed = Signal(str)


class _RenderTask(QRunnable):
    def __init__(self, pdf_bytes: bytes, dpi: int, relay: _Relay) -> None:
        super().__init__()
        self._bytes = pdf_bytes
        self._dpi = dpi
        self._relay = relay

    def run(self) -> None:
        try:
            images = render_pages(self._bytes, self._dpi)
        except Exception as exc:  # reported to the GUI, never raised on a pool thread
            self._relay.failed.emit(str(exc) or type(exc).__name__)
            return
        self._relay.done.emit(images)


class _WriteTask(QRunnable):
    def __init__(self, path: Path, data: bytes, relay: _Relay) -> None:
        super().__init__()
        self._path = path
        self._data = data
        self._relay = relay

    def run(self) -> None:
        try:
            write_pdf_file(self._path, self._data)
        except OSError as exc:
            self._relay.failed.emit(f"Could not save {self._path}: {exc.strerror or exc}")
            return
        self._relay.done.emit([str(self._path)])


def write_pdf_file(path: Path, data: bytes) -> Path:
    """Write a PDF atomically (a half-written file never replaces a good one)."""
    path = Path(path)
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(data)
    partial.replace(path)
    return path


class PdfPrintJob(QObject):
    """Renders a PDF's pages in the background, then shows Qt's print preview for them."""

    rendered = Signal(int)  # page count, on the GUI thread
    failed = Signal(str)
    printed = Signal()

    def __init__(self, pdf_bytes: bytes, title: str, parent: QObject | None = None, *, dpi: int = PRINT_DPI) -> None:
        super().__init__(parent)
        self.title = title
        self.images: list[QImage] = []
        self.dialog: QPrintPreviewDialog | None = None
        self._bytes = pdf_bytes
        self._dpi = dpi
        self._relay = _Relay()
        self._relay.done.connect(self._on_relay_done)
        self._relay.failed.connect(self.failed)

    def start(self) -> None:
        QThreadPool.globalInstance().start(_RenderTask(self._bytes, self._dpi, self._relay))

    def _on_relay_done(self, images: list[QImage]) -> None:
        self.images = images
        self.rendered.emit(len(images))

    def paint(self, printer: QPrinter) -> int:
        """Paint the rendered pages onto a printer (what the preview and the real print both call)."""
        return paint_pages(printer, self.images)

    def open_preview(self, parent: QWidget | None) -> QPrintPreviewDialog:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        configure_printer(printer, self.images, self.title)
        dialog = QPrintPreviewDialog(printer, parent)
        dialog.setWindowTitle(f"Print {self.title}")
        dialog.paintRequested.connect(self.paint)
        dialog.accepted.connect(self.printed)
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        # open(), not exec(): a nested event loop would stall the qasync loop.
        dialog.open()
        return dialog


def print_pdf(parent: QWidget | None, pdf_bytes: bytes, title: str) -> PdfPrintJob:
    """Open the print preview for a PDF once its pages are rendered off the GUI thread."""
    job = PdfPrintJob(pdf_bytes, title, parent)
    job.rendered.connect(lambda _count: job.open_preview(parent))
    job.start()
    return job


class PdfSaver(QObject):
    """A save-as dialog for a PDF; the file is written off the GUI thread."""

    saved = Signal(str)
    failed = Signal(str)

    def __init__(self, parent: QWidget | None, pdf_bytes: bytes, suggested_name: str) -> None:
        super().__init__(parent)
        self._bytes = pdf_bytes
        self._relay = _Relay()
        self._relay.done.connect(lambda paths: self.saved.emit(paths[0]))
        self._relay.failed.connect(self.failed)
        self.dialog = QFileDialog(parent, "Save PDF", suggested_name, "PDF files (*.pdf)")
        self.dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        self.dialog.setDefaultSuffix("pdf")
        self.dialog.fileSelected.connect(self.write)
        self.dialog.finished.connect(self.dialog.deleteLater)

    def write(self, path: str) -> None:
        QThreadPool.globalInstance().start(_WriteTask(Path(path), self._bytes, self._relay))


def save_pdf(parent: QWidget | None, pdf_bytes: bytes, suggested_name: str) -> PdfSaver:
    """Ask where to save a PDF (non-blocking dialog) and write it there."""
    saver = PdfSaver(parent, pdf_bytes, suggested_name)
    saver.dialog.open()
    return saver
