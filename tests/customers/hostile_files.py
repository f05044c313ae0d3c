"""Real hostile uploads, written as a stream so the test process never holds them unpacked:
workbooks without a `<dimension>`, with a giant cell, with a shared-strings bomb; CSV files a
million columns wide. The tests and the benchmark of the customer import use them."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

PROLOG = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
SPREADSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _override(part: str, kind: str) -> str:
    return f'<Override PartName="{part}" ContentType="{SPREADSHEET}.{kind}+xml"/>'


def _relationship(number: int, kind: str, target: str) -> str:
    return f'<Relationship Id="rId{number}" Type="{DOC_RELS}/{kind}" Target="{target}"/>'


CONTENT_TYPES = (
    PROLOG + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    + _override("/xl/workbook.xml", "sheet.main")
    + _override("/xl/worksheets/sheet1.xml", "worksheet")
    + _override("/xl/sharedStrings.xml", "sharedStrings") + "</Types>").encode()
PACKAGE_RELS = (PROLOG + f'<Relationships xmlns="{RELS}">'
                + _relationship(1, "officeDocument", "xl/workbook.xml")
                + "</Relationships>").encode()
WORKBOOK = (PROLOG + f'<workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}"><sheets>'
            '<sheet name="Klanten" sheetId="1" r:id="rId1"/></sheets></workbook>').encode()
WORKBOOK_RELS = (PROLOG + f'<Relationships xmlns="{RELS}">'
                 + _relationship(1, "worksheet", "worksheets/sheet1.xml")
                 + _relationship(2, "sharedStrings", "sharedStrings.xml")
                 + "</Relationships>").encode()
SHEET_START = (PROLOG + f'<worksheet xmlns="{MAIN}"><sheetData>').encode()
SHEET_END = b"</sheetData></worksheet>"
STRINGS_START = (PROLOG + f'<sst xmlns="{MAIN}">').encode()
STRINGS_END = b"</sst>"

HEADER_ROW = (b'<row r="1"><c r="A1" t="inlineStr"><is><t>customer_number</t></is></c>'
              b'<c r="B1" t="inlineStr"><is><t>name</t></is></c></row>')


def workbook(rows: Iterable[bytes], strings: Iterable[bytes] = (), *,
             parts: dict[str, bytes] | None = None, level: int = 6) -> bytes:
    """A minimal XLSX package whose sheet and shared strings are written chunk by chunk."""
    fixed = {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": PACKAGE_RELS,
             "xl/workbook.xml": WORKBOOK, "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
             **(parts or {})}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as package:
        for name, data in fixed.items():
            package.writestr(name, data)
        for name, start, chunks, end in (
                ("xl/sharedStrings.xml", STRINGS_START, strings, STRINGS_END),
                ("xl/worksheets/sheet1.xml", SHEET_START, rows, SHEET_END)):
            with package.open(name, "w", force_zip64=True) as part:
                part.write(start)
                for chunk in chunks:
                    part.write(chunk)
                part.write(end)
    return buffer.getvalue()


def _repeated(piece: bytes, count: int, per_chunk: int = 10_000) -> Iterator[bytes]:
    block = piece * per_chunk
    for _ in range(count // per_chunk):
        yield block
    yield piece * (count % per_chunk)


def many_rows_without_dimension(rows: int) -> bytes:
    """No `<dimension>`, no row numbers: only reading tells how many rows there are."""
    row = (b'<row><c t="inlineStr"><is><t>C1</t></is></c>'
           b'<c t="inlineStr"><is><t>Klant BV</t></is></c></row>')

    def chunks():
        yield HEADER_ROW
        yield from _repeated(row, rows)

    return workbook(chunks(), level=9)


def one_huge_cell(chars: int) -> bytes:
    def chunks():
        yield HEADER_ROW
        yield (b'<row r="2"><c r="A2" t="inlineStr"><is><t>1</t></is></c>'
               b'<c r="B2" t="inlineStr"><is><t>')
        yield from _repeated(b"x", chars, per_chunk=1 << 20)
        yield b"</t></is></c></row>"

    return workbook(chunks(), level=9)


def shared_strings_bomb(strings: int) -> bytes:
    """A sheet of two cells and a shared-strings part of millions of entries."""
    def sheet():
        yield HEADER_ROW
        yield b'<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>1</v></c></row>'

    return workbook(sheet(), _repeated(b"<si><t>Klant BV</t></si>", strings), level=9)


def cells_in_one_row(cells: int) -> bytes:
    def chunks():
        yield HEADER_ROW
        yield b'<row r="2">'
        yield from _repeated(b"<c><v>1</v></c>", cells)
        yield b"</row>"

    return workbook(chunks(), level=9)


def csv_columns(columns: int) -> bytes:
    """One header line `columns` wide, then one customer."""
    return b"customer_number;name;" + b"x;" * (columns - 2) + b"\n1;Klant BV\n"


def csv_cells_in_one_row(cells: int) -> bytes:
    return b"customer_number;name\n1;Klant BV" + b";1" * cells + b"\n"


def many_parts(parts: int) -> bytes:
    """A zip of tens of thousands of empty entries: listing them is what costs memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for index in range(parts):
            package.writestr(f"x/{index}", b"")
    return buffer.getvalue()
