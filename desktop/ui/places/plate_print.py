"""Printing door-plate labels from the client: one label per page on the system printer (a label
printer or a sheet), drawn with Qt from the signed payload (the QR modules come from
services/doorplates.plate_matrix, the same code the PDF sticker sheet uses)."""
from __future__ import annotations

from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter

from desktop.services.doorplates import Label, plate_matrix

LABEL_MM = QSizeF(70, 37)  # the sticker stock of services/doorplates.LabelLayout


def label_printer(pdf_path: str | None = None) -> QPrinter:
    """A printer set to the label size; writing a PDF file when `pdf_path` is given."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageLayout(QPageLayout(QPageSize(LABEL_MM, QPageSize.Unit.Millimeter, "门牌标签"),
                                      QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0)))
    if pdf_path:
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(pdf_path)
    return printer


def paint_label(painter: QPainter, area: QRectF, label: Label) -> None:
    """The QR code on the left (a quiet zone around it), the plate and address on the right."""
    painter.fillRect(area, QColor("white"))
    side = min(area.height(), area.width() * 0.5)
    matrix = plate_matrix(label.payload)
    cell = side / len(matrix)  # the matrix carries its quiet zone
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("black"))
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                painter.drawRect(QRectF(area.left() + x * cell,
                                        area.top() + (area.height() - side) / 2 + y * cell,
                                        cell, cell))
    text = QRectF(area.left() + side, area.top() + area.height() * 0.1,
                  area.width() - side - area.width() * 0.04, area.height() * 0.8)
    painter.setPen(QColor("black"))
    font = QFont()
    font.setPixelSize(max(1, int(area.height() * 0.14)))
    font.setBold(True)
    painter.setFont(font)
    flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop) | \
        int(Qt.TextFlag.TextWordWrap)
    plate = painter.boundingRect(text, flags, label.door_plate)
    painter.drawText(text, flags, label.door_plate)
    if label.address:
        font.setBold(False)
        font.setPixelSize(max(1, int(area.height() * 0.09)))
        painter.setFont(font)
        painter.drawText(text.adjusted(0, plate.height() + area.height() * 0.05, 0, 0), flags,
                         label.address)


def print_labels(printer: QPrinter, labels: list[Label]) -> int:
    """One label per page; the number of pages printed."""
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("printer_unavailable")
    try:
        for i, label in enumerate(labels):
            if i:
                printer.newPage()
            paint_label(painter, QRectF(printer.pageLayout().paintRectPixels(
                printer.resolution())), label)
    finally:
        painter.end()
    return len(labels)


def label_image(label: Label, width: int = 700) -> QImage:
    """The label drawn into an image (a preview, and what tests decode)."""
    image = QImage(width, int(width * LABEL_MM.height() / LABEL_MM.width()),
                   QImage.Format.Format_RGB32)
    painter = QPainter(image)
    paint_label(painter, QRectF(image.rect()), label)
    painter.end()
    return image
