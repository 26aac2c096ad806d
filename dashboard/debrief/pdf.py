"""The debrief as a PDF on A4, made by Qt's own PDF writer (QPdfWriter) from the same
HTML page (page.py), laid out by Qt's rich-text engine (QTextDocument).

QtWebEngine is not needed: QTextDocument lays out tables, lists, images and the
`page-break-before` of each part, which is all the page uses. The document is laid out
at 96 units per inch on the printable width of an A4 page, so images are given that
width, and one document unit is one device pixel of the writer (resolution 96 dpi):
what `layout_document` measures is what is printed. Rendered offscreen (plots.ensure_qapp).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtCore, QtGui

from .plots import Figure, ensure_qapp

DPI = 96
MARGIN_MM = 12.0
A4_MM = (210.0, 297.0)


def page_size_px() -> QtCore.QSizeF:
    """The printable area of an A4 page at DPI, in document units."""
    w = (A4_MM[0] - 2 * MARGIN_MM) / 25.4 * DPI
    h = (A4_MM[1] - 2 * MARGIN_MM) / 25.4 * DPI
    return QtCore.QSizeF(w, h)


def layout_document(html: str, figures: Sequence[Figure]) -> QtGui.QTextDocument:
    """The page laid out on A4 pages (images scaled to the printable width)."""
    ensure_qapp()
    size = page_size_px()
    width = int(size.width()) - 4
    doc = QtGui.QTextDocument()
    doc.setDocumentMargin(0)
    font = doc.defaultFont()
    font.setFamily("DejaVu Sans")
    font.setPointSizeF(9.0)
    doc.setDefaultFont(font)
    for f in figures:
        image = QtGui.QImage.fromData(f.png, "PNG")
        if image.isNull():
            raise RuntimeError(f"plot {f.name} is not a PNG")
        height = round(image.height() * width / image.width())
        # Drawn at `width` units but kept at full resolution: the PDF stays sharp in print.
        doc.addResource(QtGui.QTextDocument.ResourceType.ImageResource, QtCore.QUrl(f.name),
                        image)
        html = html.replace(f'src="{f.name}" width="{f.width}"',
                            f'src="{f.name}" width="{width}" height="{height}"')
    doc.setHtml(html)
    doc.setPageSize(size)
    return doc


def render_pdf(html: str, figures: Sequence[Figure]) -> tuple[bytes, int]:
    """(PDF bytes, number of pages)."""
    doc = layout_document(html, figures)
    buf = QtCore.QBuffer()
    buf.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    writer = QtGui.QPdfWriter(buf)
    writer.setResolution(DPI)
    writer.setPageSize(QtGui.QPageSize(QtGui.QPageSize.PageSizeId.A4))
    writer.setPageMargins(QtCore.QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM),
                          QtGui.QPageLayout.Unit.Millimeter)
    writer.setTitle("Debrief \u2014 ICU ECMO replay (training simulator)")
    writer.setCreator("icu-dashboard debrief")
    doc.print_(writer)
    pages = doc.pageCount()
    del writer  # finishes the PDF
    buf.close()
    return bytes(buf.data()), pages


def text_line_rects(doc: QtGui.QTextDocument) -> list[tuple[QtCore.QRectF, str]]:
    """Every laid-out line of text, in document coordinates, with its text: to check
    that nothing overlaps and nothing runs past the page (tests, and a self-check)."""
    out = []
    layout = doc.documentLayout()
    block = doc.begin()
    while block.isValid():
        lay = block.layout()
        origin = layout.blockBoundingRect(block).topLeft()
        text = block.text()
        for i in range(lay.lineCount()):
            line = lay.lineAt(i)
            if line.textLength() == 0:
                continue
            r = line.naturalTextRect().translated(origin)
            piece = text[line.textStart(): line.textStart() + line.textLength()]
            if piece.strip() and piece.strip() != "\ufffc":  # not an image placeholder
                out.append((r, piece))
        block = block.next()
    return out
