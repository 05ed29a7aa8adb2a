"""Reading a manifest (CSV or .xlsx) into rows of text, within bounds.

Only reading: what the values mean is archive.imports.validation's job.
Cells are text and nothing else: a cell such as ``=HYPERLINK(...)`` is kept
as those characters (openpyxl is asked for formulas, not their results, and
nothing here evaluates anything).

The manifest as a whole either reads or raises ManifestError with one clear
message, before any row is looked at: an empty file, a header that lacks a
required column, an encoding nothing can read, more rows than the limit.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from archive.errors import ArchiveError
from archive.imports.columns import NAMES, REQUIRED, normalise_header

#: Rows a manifest may hold (TESTIMONIO_IMPORT_MAX_ROWS): above it the whole
#: manifest is refused, before a row is validated, so a runaway export never
#: turns into a day of imports or a report nobody can read.
DEFAULT_MAX_ROWS = 5000
#: Bytes a manifest file may hold (TESTIMONIO_IMPORT_MAX_MANIFEST_BYTES).
DEFAULT_MAX_BYTES = 20 * 1024 * 1024


class ManifestError(ArchiveError):
    """The manifest as a whole cannot be used; nothing was imported."""


@dataclass(frozen=True)
class ManifestRow:
    number: int  # the spreadsheet's row number: the header is row 1
    values: dict[str, str]
    extra_cells: int = 0  # non-empty cells past the header's last column


@dataclass
class Manifest:
    name: str
    columns: tuple[str, ...]
    rows: list[ManifestRow]
    warnings: list[str] = field(default_factory=list)


def max_rows() -> int:
    return int(getattr(settings, "TESTIMONIO_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


def max_bytes() -> int:
    return int(getattr(settings, "TESTIMONIO_IMPORT_MAX_MANIFEST_BYTES", DEFAULT_MAX_BYTES))


def manifest_read(path: Path, *, name: str | None = None) -> Manifest:
    """Read ``path`` (a .xlsx by its suffix or content, else CSV). Raises ManifestError."""
    name = name or path.name
    if not path.is_file():
        raise ManifestError(f"{name}: no such file.")
    size = path.stat().st_size
    if size == 0:
        raise ManifestError(
            f"{name} is empty: a manifest needs a header row and one row a testimony."
        )
    if size > max_bytes():
        raise ManifestError(
            f"{name} is {size / 1024**2:.1f} MB; a manifest may be at most "
            f"{max_bytes() / 1024**2:.0f} MB (TESTIMONIO_IMPORT_MAX_MANIFEST_BYTES): split it."
        )
    warnings: list[str] = []
    if name.lower().endswith(".xlsx") or zipfile.is_zipfile(path):
        lines = _xlsx_lines(path, name)
    else:
        lines = _csv_lines(path.read_bytes(), name, warnings)
    return _rows(lines, name, warnings)


def _rows(lines: Iterator[list[str]], name: str, warnings: list[str]) -> Manifest:
    header: list[str] | None = None
    for raw in lines:
        if any(cell.strip() for cell in raw):
            header = [normalise_header(cell) for cell in raw]
            break
    if header is None:
        raise ManifestError(f"{name} has no header row: the first row must name the columns.")
    while header and not header[-1]:
        header.pop()
    _check_header(header, name, warnings)
    limit = max_rows()
    rows: list[ManifestRow] = []
    for number, raw in enumerate(lines, start=2):
        if not any(cell.strip() for cell in raw):
            continue  # spreadsheets keep blank rows; they are no testimony
        if len(rows) >= limit:
            raise ManifestError(
                f"{name} has more than {limit} rows; the limit is {limit} a manifest "
                "(TESTIMONIO_IMPORT_MAX_ROWS). Nothing was imported: split it into "
                "several manifests."
            )
        values = {
            column: (raw[i].strip() if i < len(raw) else "")
            for i, column in enumerate(header)
            if column
        }
        extra = sum(1 for cell in raw[len(header) :] if cell.strip())
        rows.append(ManifestRow(number=number, values=values, extra_cells=extra))
    if not rows:
        raise ManifestError(f"{name} has a header but no rows: nothing to import.")
    return Manifest(name=name, columns=tuple(header), rows=rows, warnings=warnings)


def _check_header(header: list[str], name: str, warnings: list[str]) -> None:
    seen: set[str] = set()
    for column in header:
        if column and column in seen:
            raise ManifestError(f"{name}: the column {column!r} appears twice in the header.")
        seen.add(column)
    missing = [column for column in REQUIRED if column not in seen]
    if missing:
        raise ManifestError(
            f"{name}: the header lacks the required column(s) {', '.join(missing)}. "
            f"Nothing was imported. Every manifest names at least: {', '.join(REQUIRED)}."
        )
    unknown = sorted(column for column in seen if column and column not in NAMES)
    if unknown:
        warnings.append(f"Unknown column(s) ignored: {', '.join(unknown)}.")


# --- CSV ---------------------------------------------------------------------------------------


def _decode(data: bytes, name: str, warnings: list[str]) -> str:
    """UTF-8 (with or without a byte-order mark), UTF-16 with its mark (Excel's "Unicode
    text"); else Windows-1252/Latin-1, with a warning."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ManifestError(f"{name}: marked as UTF-16 but not readable as it.") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        position = e.start
    for encoding in ("cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        warnings.append(
            f"{name} is not UTF-8 (byte {position} is not valid UTF-8): it was read as "
            f"{'Windows-1252' if encoding == 'cp1252' else 'Latin-1'}. Check accented letters "
            "in the report, or save the manifest as UTF-8 CSV to be sure."
        )
        return text
    raise ManifestError(f"{name}: the text encoding cannot be read; save it as UTF-8 CSV.")


def _csv_lines(data: bytes, name: str, warnings: list[str]) -> Iterator[list[str]]:
    text = _decode(data, name, warnings)
    if "\x00" in text:
        raise ManifestError(f"{name} is not a text file (it holds NUL bytes): export it as CSV.")
    first_line = text.split("\n", 1)[0]
    # Commas; semicolons where a locale's decimal comma took the comma (Spanish Excel);
    # tabs in Excel's "Unicode text". Whichever the header holds most of.
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    return _guarded(reader, name)


def _guarded(reader: Iterable[list[str]], name: str) -> Iterator[list[str]]:
    iterator = iter(reader)
    while True:
        try:
            row = next(iterator)
        except StopIteration:
            return
        except csv.Error as e:
            line = getattr(reader, "line_num", "?")
            raise ManifestError(f"{name}, line {line}: not valid CSV ({e}).") from None
        yield row


# --- .xlsx -------------------------------------------------------------------------------------


def _xlsx_lines(path: Path, name: str) -> Iterator[list[str]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # read_only streams the rows; data_only=False gives a formula's text, never its result.
        workbook = load_workbook(path, read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
        raise ManifestError(f"{name} is not a readable .xlsx workbook ({e}).") from None

    def lines() -> Iterator[list[str]]:
        try:
            sheet = workbook.worksheets[0]
            for row in sheet.iter_rows(values_only=True):
                yield [_cell_text(value) for value in row]
        finally:
            workbook.close()

    return lines()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
