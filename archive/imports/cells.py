"""A manifest row's cells read one by one, each problem named by its row and column.

The helpers the validation's parts share (archive.imports.validation,
archive.imports.consent_cells): text within a length, yes/no, real dates,
paths under the media folder.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from django.utils import timezone

from archive.imports.manifest import ManifestRow
from archive.imports.paths import PathRefused, path_inside

_YES = {"yes", "y", "true", "1", "x", "si", "sí"}
_NO = {"no", "n", "false", "0", ""}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
LANGUAGE = re.compile(r"^[a-z]{2}$")


@dataclass(frozen=True)
class Problem:
    row: int | None  # None: the manifest as a whole
    column: str
    message: str
    warning: bool = False

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row is not None else "manifest"
        column = f", {self.column}" if self.column else ""
        kind = "warning" if self.warning else "error"
        return f"{where}{column}: {kind}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class RowCells:
    """Collects one row's problems while its cells are read."""

    def __init__(self, row: ManifestRow) -> None:
        self.row = row
        self.problems: list[Problem] = []

    def get(self, column: str) -> str:
        return self.row.values.get(column, "").strip()

    def error(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.row.number, column, message))

    def warn(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.row.number, column, message, warning=True))

    @property
    def failed(self) -> bool:
        return any(not p.warning for p in self.problems)


def flag(row: RowCells, column: str, default: bool = False) -> bool:
    raw = row.get(column).casefold()
    if raw == "":
        return default
    if raw in _YES:
        return True
    if raw in _NO:
        return False
    row.error(column, f"{row.get(column)!r} is not yes or no.")
    return default


def date_cell(row: RowCells, column: str, *, past_only: bool) -> date | None:
    raw = row.get(column)
    if not raw:
        return None
    if not _DATE.match(raw):
        row.error(column, f"{raw!r} is not a date written YYYY-MM-DD.")
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError as e:
        row.error(column, f"{raw} is not a date that exists ({e}).")
        return None
    if past_only and value > timezone.localdate():
        row.error(column, f"{raw} is in the future: a recording cannot have been made then.")
        return None
    return value


def text(row: RowCells, column: str, *, limit: int, required: bool = False) -> str:
    value = row.get(column)
    if required and not value:
        row.error(column, "is empty; every testimony needs it.")
    if len(value) > limit:
        row.error(column, f"is {len(value)} characters long; at most {limit}.")
    return value


def inside(row: RowCells, column: str, base: Path) -> Path | None:
    """The file a cell names, only if it lies under the media folder."""
    try:
        return path_inside(base, row.get(column))
    except PathRefused as e:
        row.error(column, str(e))
        return None
