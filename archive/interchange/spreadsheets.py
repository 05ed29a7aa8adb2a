"""CSV exports that a spreadsheet cannot run: cells beginning = + - @ (or a tab or carriage
return) are prefixed with an apostrophe, so Excel or LibreOffice shows them as text.

Wagtail's list exports write values as they are in CSV (its .xlsx export already
forces text). An audit detail or a title may hold what a storyteller, a
manifest or an attacker typed, e.g. ``=HYPERLINK("http://x","y")``.
"""

from __future__ import annotations

from typing import Any

from wagtail.admin.views.generic.models import IndexView

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """``value`` unchanged unless it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class SafeCsvIndexView(IndexView):
    """A ModelViewSet's index whose CSV export escapes formula-looking cells."""

    def write_csv_row(self, writer: Any, row_dict: dict[str, Any]) -> Any:
        return writer.writerow(
            {
                field: spreadsheet_safe(self.preprocess_field_value(field, value, self.FORMAT_CSV))
                for field, value in row_dict.items()
            }
        )
