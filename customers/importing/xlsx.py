"""The first sheet of an XLSX workbook, read as a stream with the import's limits.

openpyxl (even read-only) expands every shared string into memory and sizes a sheet by its
`<dimension>`, which a hostile file leaves out or fakes. Here the package parts are read
from the zip in chunks, each counted against the unpacked-size limit, and parsed by an lxml
target parser that resolves no entities, loads no DTD (a DOCTYPE is refused outright) and
keeps only the row being read. Shared strings are kept in one UTF-8 buffer with an array
of offsets, so their memory stays below the size of their XML.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
import zlib
from array import array
from collections.abc import Iterator
from math import isfinite

from django.utils.translation import gettext_lazy as _
from lxml import etree

from customers.importing.limits import Limits
from customers.importing.problems import FileProblem

UNREADABLE = _("The file is not an Excel workbook (.xlsx) we can read.")
NO_TABLE = _("The workbook's first sheet holds no table.")

CHUNK = 64 * 1024
# An XLSX has a dozen parts; tens of thousands of (empty) entries only cost memory to list.
MAX_PARTS = 1000
END_OF_DIRECTORY = b"PK\x05\x06"

REL_OFFICE_DOCUMENT = "/officeDocument"
REL_WORKSHEET = "/worksheet"
REL_SHARED_STRINGS = "/sharedStrings"


def unreadable() -> FileProblem:
    return FileProblem(UNREADABLE)


_LOCAL_NAMES: dict[str, str] = {}


def _local(tag) -> str:
    # Transitional and strict OOXML name the same elements in different namespaces.
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = tag.rpartition("}")[2] if isinstance(tag, str) else ""
        if len(_LOCAL_NAMES) < 1000:
            _LOCAL_NAMES[tag] = name
    return name


def _relationship_id(attrib) -> str | None:
    for name, value in attrib.items():
        if name.startswith("{") and _local(name) == "id":
            return value
    return None


class _Target:
    """Base of the parser targets: a DOCTYPE (the way to entities) makes the file unreadable."""

    def start(self, tag, attrib):
        pass

    def end(self, tag):
        pass

    def data(self, text):
        pass

    def doctype(self, *args):
        raise unreadable()

    def close(self):
        return None


class _Relationships(_Target):
    def __init__(self) -> None:
        self.found: dict[str, tuple[str, str]] = {}

    def start(self, tag, attrib):
        if _local(tag) == "Relationship":
            self.found[attrib.get("Id", "")] = (attrib.get("Type", ""), attrib.get("Target", ""))


class _Workbook(_Target):
    def __init__(self) -> None:
        self.sheets: list[str | None] = []
        self.active = 0

    def start(self, tag, attrib):
        name = _local(tag)
        if name == "sheet":
            self.sheets.append(_relationship_id(attrib))
        elif name == "workbookView":
            tab = attrib.get("activeTab", "0")
            self.active = int(tab) if tab.isascii() and tab.isdigit() else 0


class _SharedStrings(_Target):
    """Every `<si>`: its text without phonetic runs; one longer than a cell may be is kept
    as a mark, and only refused if the sheet uses it."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.buffer = bytearray()
        self.ends = array("q")
        self.too_long: set[int] = set()
        self.parts: list[str] | None = None
        self.chars = 0
        self.in_text = False
        self.phonetic = 0

    def start(self, tag, attrib):
        name = _local(tag)
        if name == "si":
            self.parts, self.chars = [], 0
        elif name == "t" and self.parts is not None and not self.phonetic:
            self.in_text = True
        elif name == "rPh":
            self.phonetic += 1

    def data(self, text):
        if self.in_text and self.parts is not None:
            self.chars += len(text)
            if self.chars <= self.limits.cell_chars:
                self.parts.append(text)

    def end(self, tag):
        name = _local(tag)
        if name == "t":
            self.in_text = False
        elif name == "rPh":
            self.phonetic -= 1
        elif name == "si" and self.parts is not None:
            if self.chars > self.limits.cell_chars:
                self.too_long.add(len(self.ends))
            else:
                self.buffer += "".join(self.parts).encode()
            self.ends.append(len(self.buffer))
            self.parts = None

    def get(self, index: int) -> str | None:
        """The string, or None when it is longer than a cell may be."""
        if index in self.too_long:
            return None
        start = self.ends[index - 1] if index else 0
        return self.buffer[start:self.ends[index]].decode()

    def __len__(self) -> int:
        return len(self.ends)


def column_index(reference: str) -> int:
    """"C7" -> 2; -1 for a reference without letters."""
    index = 0
    for char in reference:
        if "A" <= char <= "Z":
            index = index * 26 + ord(char) - ord("A") + 1
        elif "a" <= char <= "z":
            index = index * 26 + ord(char) - ord("a") + 1
        else:
            break
        if index > 1_000_000:
            break
    return index - 1


def _number_text(text: str) -> str:
    # Excel stores every number as a double: 12345678 may be written 1.2345678E7.
    try:
        number = float(text)
    except ValueError:
        return text
    if isfinite(number) and number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return text


class _Sheet(_Target):
    """Collects finished rows in `ready` as (row number, cells); the reader empties it after
    every chunk it feeds."""

    def __init__(self, limits: Limits, strings: _SharedStrings | None) -> None:
        self.limits = limits
        self.strings = strings
        self.collecting = False
        self.ready: list[tuple[int, list[str]]] = []
        self.row = 0
        self.cells: list[str] | None = None
        self.next_column = 0
        self.column = 0
        self.kind = "n"
        self.parts: list[str] | None = None
        self.chars = 0
        self.in_inline = False
        self.phonetic = 0

    def start(self, tag, attrib):
        name = _local(tag)
        if name == "c" and self.cells is not None:
            reference = attrib.get("r")
            self.column = column_index(reference) if reference else self.next_column
            if self.column < 0:
                raise unreadable()
            self.next_column = self.column + 1
            self.kind = attrib.get("t", "n")
            self.parts, self.chars = [], 0
        elif name == "v" and self.parts is not None:
            self.collecting = True
        elif name == "is":
            self.in_inline = True
        elif name == "t" and self.in_inline and self.parts is not None and not self.phonetic:
            self.collecting = True
        elif name == "rPh":
            self.phonetic += 1
        elif name == "row":
            number = attrib.get("r")
            row = int(number) if number and number.isascii() and number.isdigit() else self.row + 1
            if row <= self.row:
                raise unreadable()
            self.row = row
            self.cells, self.next_column = [], 0

    def data(self, text):
        if self.collecting:
            self.chars += len(text)
            if self.chars > self.limits.cell_chars:
                raise self.limits.cell_too_long(self.row, self.column)
            self.parts.append(text)

    def end(self, tag):
        name = _local(tag)
        if name in ("v", "t"):
            self.collecting = False
        elif name == "is":
            self.in_inline = False
        elif name == "rPh":
            self.phonetic -= 1
        elif name == "c" and self.parts is not None:
            value = self._value("".join(self.parts))
            self.parts = None
            if value:
                self._put(value)
        elif name == "row" and self.cells is not None:
            if self.cells:
                self.limits.check_row(self.row)
                self.ready.append((self.row, self.cells))
            self.cells = None

    def _put(self, value: str) -> None:
        if self.column >= self.limits.columns:
            raise self.limits.too_many_columns(self.row)
        cells = self.cells
        if self.column < len(cells):
            cells[self.column] = value
            return
        cells.extend([""] * (self.column - len(cells)))
        cells.append(value)

    def _value(self, text: str) -> str:
        kind = self.kind
        if kind == "s":
            if self.strings is None or not (text.strip().isascii() and text.strip().isdigit()):
                raise unreadable()
            index = int(text)
            if index >= len(self.strings):
                raise unreadable()
            value = self.strings.get(index)
            if value is None:
                raise self.limits.cell_too_long(self.row, self.column)
            return value
        if kind == "b":
            return "yes" if text.strip() == "1" else "no" if text.strip() else ""
        if kind == "n":
            return _number_text(text.strip())
        return text


class Workbook:
    """One workbook upload; `rows()` gives the first (or active) sheet's rows."""

    def __init__(self, content: bytes, limits: Limits) -> None:
        self.limits = limits
        self.expanded = 0
        _check_directory(content)
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(content))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise unreadable() from exc

    def _parse(self, name: str, target: _Target):
        """Feed one part to the target, counting what it unpacks to. For a sheet this is a
        generator of rows; `_parse_all` runs it through for the other parts."""
        try:
            info = self.zip.getinfo(name)
        except KeyError as exc:
            raise unreadable() from exc
        # The size in the zip's directory may lie; the count below is what holds.
        if self.expanded + info.file_size > self.limits.expanded_bytes:
            raise self.limits.too_large()
        parser = etree.XMLParser(target=target, resolve_entities=False, no_network=True,
                                 load_dtd=False, huge_tree=False)
        try:
            with self.zip.open(info) as stream:
                while chunk := stream.read(CHUNK):
                    self.expanded += len(chunk)
                    if self.expanded > self.limits.expanded_bytes:
                        raise self.limits.too_large()
                    parser.feed(chunk)
                    yield
            parser.close()
        except FileProblem:
            raise
        except (etree.XMLSyntaxError, zipfile.BadZipFile, zlib.error, EOFError, OSError,
                RuntimeError, NotImplementedError, ValueError) as exc:
            # Broken XML anywhere, a CRC mismatch, encryption, an unknown compression.
            raise unreadable() from exc

    def _parse_all(self, name: str, target: _Target):
        for _chunk in self._parse(name, target):
            pass
        return target

    def _relationships(self, part: str) -> dict[str, tuple[str, str]]:
        folder, file = posixpath.split(part)
        name = posixpath.join(folder, "_rels", f"{file}.rels")
        return self._parse_all(name, _Relationships()).found

    @staticmethod
    def _resolve(part: str, target: str) -> str:
        if target.startswith("/"):
            return target.lstrip("/")
        return posixpath.normpath(posixpath.join(posixpath.dirname(part), target))

    def _sheet_parts(self) -> tuple[str, str | None]:
        # Parsed for its well-formedness only: a package whose index is broken is broken.
        self._parse_all("[Content_Types].xml", _Target())
        package = self._relationships("")
        workbook = next((self._resolve("", target) for kind, target in package.values()
                         if kind.endswith(REL_OFFICE_DOCUMENT)), None)
        if workbook is None:
            raise unreadable()
        book = self._parse_all(workbook, _Workbook())
        relationships = self._relationships(workbook)
        if not book.sheets:
            raise FileProblem(NO_TABLE)
        active = book.sheets[book.active] if book.active < len(book.sheets) else book.sheets[0]
        kind, target = relationships.get(active or "", ("", ""))
        if not kind.endswith(REL_WORKSHEET):
            raise FileProblem(NO_TABLE)
        strings = next((self._resolve(workbook, target) for kind, target
                        in relationships.values() if kind.endswith(REL_SHARED_STRINGS)), None)
        return self._resolve(workbook, target), strings

    def rows(self) -> Iterator[list[str]]:
        """Every row from row 1 on, empty rows included, so row numbers match the sheet."""
        sheet, strings_part = self._sheet_parts()
        strings = None
        if strings_part is not None and strings_part in self.zip.NameToInfo:
            strings = self._parse_all(strings_part, _SharedStrings(self.limits))
        target = _Sheet(self.limits, strings)
        row = 0
        for _chunk in self._parse(sheet, target):
            for number, cells in target.ready:
                while row < number - 1:
                    row += 1
                    yield []
                row = number
                yield cells
            target.ready.clear()


def _check_directory(content: bytes) -> None:
    """Refuse a zip whose central directory lists more entries than a workbook has."""
    end = content.rfind(END_OF_DIRECTORY, max(0, len(content) - 65_557))
    if end < 0 or len(content) < end + 22:
        raise unreadable()
    entries = int.from_bytes(content[end + 10:end + 12], "little")
    if entries > MAX_PARTS:
        raise unreadable()


def xlsx_rows(content: bytes, limits: Limits) -> Iterator[list[str]]:
    return Workbook(content, limits).rows()
