"""Print preview, print and save-as for paperwork PDFs (Qt); pages are rasterised off the GUI thread.

The builders beside this module are pure ReportLab; this and `actions` are the package's only Qt modules.

QPrintPreviewDialog is not used: it does not own its QPrinter (a printer held only by a local
variable is deleted while the dialog still paints on it: the segfault of the shift-change prints),
and its Print button runs QPrintDialog and QFileDialog in nested ``exec()`` loops under the qasync
loop. ``PrintPreview`` owns its printer for its whole life and opens every dialog with ``open()``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QRect, QRunnable, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage, QKeySequence, QPageLayout, QPageSize, QPaintDevice, QPainter, QPixmap, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from console.paperwork.files import save_folder, write_pdf_file
from widgets.inline import InlineMessage

# 200 dpi keeps small print crisp at about 15 MB per Letter page in memory.
PRINT_DPI = 200


class PdfError(RuntimeError):
    """The PDF could not be opened or rendered."""


def render_pages(pdf_bytes: bytes, dpi: int = PRINT_DPI) -> list[QImage]:
    """Every page of a PDF as an image at `dpi`; safe to call from a worker thread (no widgets)."""
    with tempfile.TemporaryDirectory(prefix="cso-print-") as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(pdf_bytes)
        document = QPdfDocument()
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
            # Python owns the document; deleteLater() would wait for an event loop this thread lacks.
            document.close()


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

    done = Signal(object)
    failed = Signal(str)


class _PoolTask(QRunnable):
    """Runs `work` on a pool thread and hands its result, or the text of its failure, to the relay."""

    def __init__(self, work: Callable[[], object], relay: _Relay, failure: Callable[[Exception], str]) -> None:
        super().__init__()
        self._work = work
        self._relay = relay
        self._failure = failure

    def run(self) -> None:
        try:
            result = self._work()
        except Exception as exc:  # reported to the GUI, never raised on a pool thread
            self._relay.failed.emit(self._failure(exc))
            return
        self._relay.done.emit(result)


def default_printer() -> QPrinter:
    return QPrinter(QPrinter.PrinterMode.HighResolution)


class PrintPreview(QDialog):
    """The pages of one PDF, with Print… (Ctrl+P) and Save as PDF… (Ctrl+S); nothing here blocks the loop.

    ``reported(kind, text)`` says what happened, once it has: "done" after the printer took the pages or
    the file is on disk, "failed" with the reason otherwise. The dialog stays open after a failure.
    A printer set to PDF output receives the document itself (text stays text), not pictures of its pages.
    """

    reported = Signal(str, str)  # kind ("done", "failed", "info"), text
    rendered = Signal(int)  # page count
    finished_printing = Signal(str)  # where it went: a printer name or a file path

    PREVIEW_WIDTH = 720

    def __init__(
        self,
        pdf_bytes: bytes,
        title: str,
        *,
        file_name: str = "",
        printer: QPrinter | None = None,
        folder: Path | None = None,
        parent: QWidget | None = None,
        dpi: int = PRINT_DPI,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("printPreview")
        self.setWindowTitle(f"Print preview: {title}")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.title = title
        self.pdf_bytes = pdf_bytes
        self.file_name = file_name or "paperwork.pdf"
        self.folder = folder or save_folder()
        # Owned here for the dialog's whole life: Qt's print dialogs only borrow it.
        self.printer = printer if printer is not None else default_printer()
        self.images: list[QImage] = []
        self.print_dialog: QPrintDialog | None = None
        self.save_dialog: QFileDialog | None = None
        self.busy = False
        # Parentless: a render finishing after the dialog closed emits into a live object, not a deleted one.
        self._relay = _Relay()
        self._relay.done.connect(self._on_rendered)
        self._relay.failed.connect(self._on_render_failed)
        self._writer = _Relay()
        self._writer.done.connect(self._on_written)
        self._writer.failed.connect(self._on_failed)
        self._build()
        QThreadPool.globalInstance().start(
            _PoolTask(lambda: render_pages(pdf_bytes, dpi), self._relay, lambda exc: str(exc) or type(exc).__name__)
        )

    def _build(self) -> None:
        self.pages_label = QLabel("Preparing the pages…", self)
        self.pages_label.setObjectName("panelCount")
        self.pages = QWidget(self)
        self.pages_layout = QVBoxLayout(self.pages)
        self.pages_layout.setSpacing(12)
        self.pages_layout.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        scroll = QScrollArea(self)
        scroll.setWidget(self.pages)
        scroll.setWidgetResizable(True)
        scroll.setAccessibleName("Pages")
        self.scroll_area = scroll
        self.message = InlineMessage(self)
        self.print_button = QPushButton("&Print…  Ctrl+P", self)
        self.print_button.setDefault(True)
        self.print_button.setEnabled(False)
        self.save_button = QPushButton("&Save as PDF…  Ctrl+S", self)
        self.close_button = QPushButton("Close  Esc", self)
        self.close_button.setAutoDefault(False)
        self.save_button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.pages_label, 1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.print_button)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.print_button.clicked.connect(self.open_print_dialog)
        self.save_button.clicked.connect(self.open_save_dialog)
        self.close_button.clicked.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+P"), self, self.open_print_dialog)
        QShortcut(QKeySequence("Ctrl+S"), self, self.open_save_dialog)
        self.resize(self.PREVIEW_WIDTH + 80, 860)

    # Pages -------------------------------------------------------------------------------------
    def _on_rendered(self, images: list[QImage]) -> None:
        self.images = images
        for number, image in enumerate(images, start=1):
            label = QLabel(self.pages)
            label.setPixmap(
                QPixmap.fromImage(image).scaledToWidth(self.PREVIEW_WIDTH, Qt.TransformationMode.SmoothTransformation)
            )
            label.setAccessibleName(f"Page {number} of {len(images)}")
            label.setStyleSheet("border: 1px solid #888;")
            self.pages_layout.addWidget(label)
        count = len(images)
        self.pages_label.setText(f"{self.title} · {count} page{'s' if count != 1 else ''}")
        self.print_button.setEnabled(count > 0)
        self.print_button.setFocus()
        self.rendered.emit(count)

    def _on_render_failed(self, reason: str) -> None:
        self.pages_label.setText("No preview")
        text = f"{self.title} cannot be shown or printed: {reason}"
        self.message.show_message(text, "error")
        self.reported.emit("failed", text)

    # Printing ----------------------------------------------------------------------------------
    def open_print_dialog(self) -> QPrintDialog | None:
        """Qt's print dialog (printer, copies, print to file), opened without a nested event loop."""
        if not self.images or self.busy:
            return None
        configure_printer(self.printer, self.images, self.title)
        if self.printer.outputFormat() == QPrinter.OutputFormat.PdfFormat and not self.printer.outputFileName():
            self.printer.setOutputFileName(str(self.folder / self.file_name))
        dialog = QPrintDialog(self.printer, self)
        dialog.setWindowTitle(f"Print {self.title}")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.accepted.connect(self.print_now)
        self.print_dialog = dialog
        QDialog.open(dialog)  # QPrintDialog.open() in PySide wants a receiver; the plain one is QDialog's
        return dialog

    def print_now(self) -> None:
        """Send the pages to the printer the print dialog set up."""
        if self.busy:
            return
        printer = self.printer
        if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat:
            target = printer.outputFileName()
            if not target:
                self._on_failed("Choose a file to print to.")
                return
            self._write(Path(target))
            return
        try:
            count = paint_pages(printer, self.images)
        except PdfError as exc:
            self._on_failed(f"{self.title} was not printed: {exc}")
            return
        where = printer.printerName() or "the printer"
        self._finish(f"Printed {self.title} on {where} ({count} page{'s' if count != 1 else ''})", where)

    # Saving ------------------------------------------------------------------------------------
    def open_save_dialog(self) -> QFileDialog | None:
        if self.busy:
            return None
        dialog = QFileDialog(self, f"Save {self.title} as PDF", str(self.folder), "PDF files (*.pdf)")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("pdf")
        dialog.selectFile(self.file_name)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.fileSelected.connect(self._on_file_selected)
        self.save_dialog = dialog
        dialog.open()
        return dialog

    def _on_file_selected(self, path: str) -> None:
        self.folder = Path(path).parent
        self._write(Path(path))

    def _write(self, path: Path) -> None:
        self.busy = True
        self.message.show_message(f"Saving to {path}…", "info")
        data = self.pdf_bytes
        QThreadPool.globalInstance().start(
            _PoolTask(
                lambda: str(write_pdf_file(path, data)),
                self._writer,
                lambda exc: f"Could not save {path}: {getattr(exc, 'strerror', None) or exc}",
            )
        )

    def _on_written(self, path: str) -> None:
        self.busy = False
        self._finish(f"Saved {self.title} to {path}", path)

    def _on_failed(self, text: str) -> None:
        self.busy = False
        self.message.show_message(text, "error")
        self.reported.emit("failed", text)

    def _finish(self, text: str, where: str) -> None:
        self.reported.emit("done", text)
        self.finished_printing.emit(where)
        self.accept()


PrinterFactory = Callable[[], QPrinter]


__all__ = [
    "PRINT_DPI",
    "PdfError",
    "PrintPreview",
    "PrinterFactory",
    "configure_printer",
    "default_printer",
    "fit_rect",
    "paint_pages",
    "render_pages",
]
