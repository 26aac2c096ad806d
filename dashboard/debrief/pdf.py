"""The debrief as a PDF on A4, made by Qt's own PDF writer (QPdfWriter) from the same
HTML page (page.py), laid out by Qt's rich-text engine (QTextDocument).

QtWebEngine is not needed: QTextDocument lays out tables, lists and images, which is all
the page uses; the page breaks between parts and sections, which a browser takes from the
print stylesheet's `break-inside: avoid`, are placed here (keep_parts_whole). The
document is laid out at 96 units per inch on the printable width of an A4 page, so images
are given that width, and one document unit is one device pixel of the writer (resolution 96 dpi):
what `layout_document` measures is what is printed. Rendered offscreen (plots.ensure_qapp).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtCore, QtGui

from .page import PART_TITLES
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
    font.setPointSizeF(8.5)
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
    keep_parts_whole(doc)
    return doc


def _sections(doc: QtGui.QTextDocument) -> list[tuple[QtGui.QTextBlock, float, float]]:
    """Each section (from one <h2> to the next) with the top of its heading and the
    bottom of its last line, in document units; what comes before the first <h2> (the
    title and the meta table) is not one."""
    lay = doc.documentLayout()
    out: list[list] = []
    block = doc.begin()
    while block.isValid():
        rect = lay.blockBoundingRect(block)
        if block.blockFormat().headingLevel() == 2:
            out.append([block, rect.top(), rect.bottom()])
        elif out and block.text().strip():
            out[-1][2] = max(out[-1][2], rect.bottom())
        block = block.next()
    return [(b, top, bottom) for b, top, bottom in out]


def _break_before(block: QtGui.QTextBlock, on: bool) -> None:
    fmt = QtGui.QTextBlockFormat()
    fmt.setPageBreakPolicy(QtGui.QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore if on
                           else QtGui.QTextFormat.PageBreakFlag.PageBreak_Auto)
    QtGui.QTextCursor(block).mergeBlockFormat(fmt)


def keep_parts_whole(doc: QtGui.QTextDocument,
                     part_titles: Sequence[str] = PART_TITLES) -> int:
    """The print stylesheet's `break-inside: avoid` on parts and sections, which Qt's rich
    text does not do itself. A part (page.PART_TITLES) that would be split between two
    pages and fits on one starts on a new page; then a section that would be split and
    fits on a page starts on one if that costs no extra page. Decided in document order,
    each on the layout the earlier breaks made; a part or section longer than a page
    flows on. Returns the number of breaks."""
    height = doc.pageSize().height()

    def split(top: float, bottom: float) -> bool:
        return (int(top // height) != int((bottom - 1) // height)
                and bottom - top <= height and top % height > 1)

    made = 0
    # Parts: a part runs from its <h2> to the last line before the next part's.
    for title in part_titles:
        sections = _sections(doc)
        at = next((i for i, (b, _, _) in enumerate(sections) if b.text() == title), None)
        if at is None:
            continue
        after = next((i for i in range(at + 1, len(sections))
                      if sections[i][0].text() in part_titles), len(sections))
        bottom = max(b for _, _, b in sections[at:after])
        if split(sections[at][1], bottom):
            _break_before(sections[at][0], True)
            made += 1
    # Sections: only where the break is free.
    i = 0
    while i < len(_sections(doc)):
        block, top, bottom = _sections(doc)[i]
        i += 1
        if block.text() in part_titles or not split(top, bottom):
            continue
        pages = doc.pageCount()
        _break_before(block, True)
        if doc.pageCount() > pages:
            _break_before(block, False)
        else:
            made += 1
    return made


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
