"""The consent columns of a row -> ConsentTerms, checked by the consent model's own rules.

Every permission is no unless the row says yes, as ConsentTerms defaults it;
an empty access level is missing consent, an error, never a default.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from django.core.exceptions import ValidationError

from archive import access
from archive.consent.services import ConsentTerms
from archive.imports.cells import LANGUAGE, RowCells, date_cell, flag, inside, text
from archive.models import AccessLevel, ConsentMethod, ConsentVersion

_FORM_SUFFIXES = {".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp"}


def consent_cells(row: RowCells, base: Path) -> tuple[ConsentTerms | None, Path | None]:
    level = row.get("access_level").lower()
    if not level:
        row.error(
            "access_level",
            "missing consent: every testimony needs the access level its storyteller agreed "
            f"to ({', '.join(AccessLevel.values)}).",
        )
    elif level not in AccessLevel.values:
        row.error(
            "access_level", f"unknown access level {level!r}: use {', '.join(AccessLevel.values)}."
        )
    method = row.get("consent_method").lower() or ConsentMethod.SIGNED_FORM
    if method not in ConsentMethod.values:
        row.error(
            "consent_method",
            f"unknown consent method {method!r}: use {', '.join(ConsentMethod.values)}.",
        )
    form_language = row.get("consent_form_language").lower()
    if form_language and not LANGUAGE.match(form_language):
        row.error("consent_form_language", f"{form_language!r} is not a code such as en or es.")
    form = None
    if row.get("consent_form_file"):
        form = inside(row, "consent_form_file", base)
        if form is not None:
            if form.suffix.lower() not in _FORM_SUFFIXES:
                row.error(
                    "consent_form_file",
                    f"{form.name}: a signed form is a PDF or an image "
                    f"({', '.join(sorted(_FORM_SUFFIXES))}).",
                )
            elif not form.is_file():
                row.error("consent_form_file", f"{form.name}: no such file.")
            elif form.stat().st_size == 0:
                row.error("consent_form_file", f"{form.name} is empty.")
    flags = {name: flag(row, name) for name in access.CONSENT_PERMISSIONS}
    embargo = date_cell(row, "embargo_until", past_only=False)
    if row.failed:
        return None, None
    terms = ConsentTerms(
        access_level=level,
        embargo_until=embargo,
        form_version=text(row, "consent_form_version", limit=40),
        form_language=form_language,
        method=method,
        witness=text(row, "consent_witness", limit=200),
        **flags,
    )
    # The consent model's own rules (a signed form needs its version or the
    # file, verbal consent its witness, a face only in a video), asked here
    # so a dry run finds what the import would be refused for.
    version = ConsentVersion(**asdict(terms))
    if form is not None:
        version.signed_form.name = form.name
    try:
        version.clean()
    except ValidationError as e:
        for column, messages in e.message_dict.items():
            name = {"form_version": "consent_form_version", "witness": "consent_witness"}.get(
                column, column
            )
            row.error(name, f"missing consent: {' '.join(messages)}")
        return None, None
    return terms, form
