"""Printing helpers (console.paperwork.preview, files): PDF pages rendered with QtPdf off the GUI thread and painted onto a printer."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QColor, QImage
from PySide6.QtPrintSupport import QPrinter

from console.paperwork.citation import build_citation
from console.paperwork.files import write_pdf_file
from console.paperwork.preview import (
    PdfError,
    PrintPreview,
    configure_printer,
    fit_rect,
    paint_pages,
    render_pages,
)
from data import services
from data.services import citations
from tests.console.paperwork_helpers import page_count, pdf_text

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


@pytest.fixture
def citation_pdf(db, dispatcher, supervisor) -> bytes:
    officer = services.create_officer(db, supervisor, badge="C1", name="Ana Díaz")
    c = citations.issue_citation(
        db, dispatcher, officer_id=officer.id, violator_name="Chris Morgan", violations=["9.08.050"], location="Here"
    )
    return build_citation(c, db.pack)


def dark_share(image: QImage) -> float:
    dark = total = 0
    for y in range(0, image.height(), 5):
        for x in range(0, image.width(), 5):
            total += 1
            dark += image.pixelColor(x, y).lightness() < 160
    return dark / total


def test_pages_render_to_images_of_letter_size(qapp, citation_pdf):
    images = render_pages(citation_pdf, dpi=72)
    assert [i.size() for i in images] == [QSize(612, 792)] * 3
    assert all(0.01 < dark_share(i) < 0.5 for i in images)


def test_a_broken_pdf_is_reported(qapp):
    with pytest.raises(PdfError):
        render_pages(b"%PDF-1.4 this is not a pdf", dpi=72)


def test_pages_paint_onto_a_printer_one_sheet_each(qapp, citation_pdf, tmp_path):
    images = render_pages(citation_pdf, dpi=100)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    configure_printer(printer, images, "Citation")
    assert printer.fullPage()
    assert paint_pages(printer, images) == 3
    printed = (tmp_path / "printed.pdf").read_bytes()
    assert page_count(printed) == 3


def test_pages_paint_onto_an_image(qapp, citation_pdf):
    images = render_pages(citation_pdf, dpi=50)
    canvas = QImage(300, 300, QImage.Format.Format_ARGB32)
    canvas.fill(QColor("white"))
    assert paint_pages(canvas, images[:1]) == 1
    assert dark_share(canvas) > 0.005


def test_fit_rect_keeps_the_page_proportions():
    rect = fit_rect(QSize(850, 1100), QRect(0, 0, 1000, 1000))
    assert (rect.x(), rect.y(), rect.width(), rect.height()) == (114, 0, 772, 1000)


def preview_of(qtbot, pdf: bytes, printer: QPrinter | None = None) -> PrintPreview:
    preview = PrintPreview(pdf, "Citation", file_name="citation.pdf", printer=printer)
    qtbot.addWidget(preview)
    preview.show()
    return preview


def pdf_printer(path) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    return printer


def test_preview_renders_in_the_background_and_a_pdf_printer_gets_the_document_itself(qtbot, citation_pdf, tmp_path):
    preview = preview_of(qtbot, citation_pdf, pdf_printer(tmp_path / "job.pdf"))
    with qtbot.waitSignal(preview.rendered, timeout=10_000) as blocker:
        pass
    assert blocker.args == [3] and preview.print_button.isEnabled()
    with qtbot.waitSignal(preview.reported, timeout=10_000) as done:
        preview.print_now()
    assert done.args == ["done", f"Saved Citation to {tmp_path / 'job.pdf'}"]
    assert (tmp_path / "job.pdf").read_bytes() == citation_pdf  # text stays text


def test_a_pdf_that_cannot_be_rendered_is_reported_and_cannot_be_printed(qtbot):
    preview = preview_of(qtbot, b"not a pdf")
    with qtbot.waitSignal(preview.reported, timeout=10_000) as blocker:
        pass
    assert blocker.args[0] == "failed" and "could not be opened" in blocker.args[1]
    assert preview.message.severity == "error" and not preview.print_button.isEnabled()
    assert preview.open_print_dialog() is None


def test_a_printer_that_refuses_is_an_error_and_the_preview_stays(qtbot, citation_pdf, tmp_path):
    printer = pdf_printer(tmp_path / "no-such-folder" / "out.pdf")
    preview = preview_of(qtbot, citation_pdf, printer)
    qtbot.waitUntil(preview.print_button.isEnabled, timeout=10_000)
    with qtbot.waitSignal(preview.reported, timeout=10_000) as blocker:
        preview.print_now()
    assert blocker.args[0] == "failed" and "Could not save" in blocker.args[1]
    assert preview.isVisible() and preview.message.severity == "error"
    # Nothing was written, not even a partial file.
    assert not (tmp_path / "no-such-folder").exists()


@pytest.mark.qt_log_ignore("QPainter::begin")
def test_a_device_that_will_not_start_is_a_pdf_error(qapp, citation_pdf):
    images = render_pages(citation_pdf, dpi=20)
    with pytest.raises(PdfError, match="could not be started"):
        paint_pages(QImage(), images)


def test_saving_writes_the_whole_file(tmp_path, citation_pdf):
    target = write_pdf_file(tmp_path / "out.pdf", citation_pdf)
    assert target.read_bytes() == citation_pdf
    assert "Chris Morgan" in pdf_text(target.read_bytes())
    assert not (tmp_path / "out.pdf.part").exists()
