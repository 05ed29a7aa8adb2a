"""Admin: upload a manifest, read its validation report, confirm to import.

Registered from archive/wagtail_hooks.py. The recordings, transcripts and
signed forms a manifest names are read from the staff folder
TESTIMONIO_IMPORT_DIR on the server (as bags are written to one): originals
run to gigabytes, and the folder is where an archive's transfer lands.
Who may import is archive.access.may_import_collection's answer, asked
before anything is read.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST
from wagtail.admin.auth import require_admin_access
from wagtail.admin.menu import MenuItem

from archive import access
from archive.imports.batches import BatchError, batch_may_run_again, batch_queue, batch_upload
from archive.imports.columns import COLUMNS
from archive.imports.manifest import ManifestError, manifest_read, max_bytes
from archive.imports.validation import media_dir_default
from archive.models import ImportBatch, ImportStatus

_SUFFIXES = (".csv", ".xlsx")


def _require_importer(request: HttpRequest) -> None:
    if not access.may_import_collection(request.user):
        raise PermissionDenied


@require_admin_access
def import_upload(request: HttpRequest) -> HttpResponse:
    """The upload form; on POST, the batch whose page shows the validation report."""
    _require_importer(request)
    context = {"columns": COLUMNS, "folder": media_dir_default(), "error": ""}
    if request.method != "POST":
        return TemplateResponse(request, "archive/admin/import_upload.html", context)
    upload = request.FILES.get("manifest")
    if upload is None:
        context["error"] = "Choose a manifest file (.csv or .xlsx)."
    elif not upload.name.lower().endswith(_SUFFIXES):
        context["error"] = f"{upload.name}: a manifest is a .csv or .xlsx file."
    elif upload.size > max_bytes():
        context["error"] = f"{upload.name} is larger than {max_bytes() // 1024**2} MB: split it."
    if context["error"]:
        return TemplateResponse(request, "archive/admin/import_upload.html", context, status=400)
    with tempfile.TemporaryDirectory(prefix="testimonio-import-") as tmp:
        local = Path(tmp) / ("manifest" + Path(upload.name).suffix.lower())
        with local.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        try:
            # The manifest as a whole (encoding, header, row limit) is judged at once;
            # its rows, which mean reading every recording, on the task queue.
            manifest = manifest_read(local, name=upload.name)
        except ManifestError as e:
            context["error"] = str(e)
            return TemplateResponse(
                request, "archive/admin/import_upload.html", context, status=400
            )
        with local.open("rb") as handle:
            batch = batch_upload(
                manifest=manifest,
                manifest_file=File(handle, name=upload.name),
                media_dir=media_dir_default(),
                by=request.user,
            )
    return redirect("archive_import_detail", batch.pk)


@require_admin_access
@require_POST
def import_confirm(request: HttpRequest, batch_id: int) -> HttpResponse:
    _require_importer(request)
    batch = get_object_or_404(ImportBatch, pk=batch_id)
    try:
        batch_queue(batch=batch)
    except BatchError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, f"Import {batch.pk} of {batch.manifest_name} started.")
    return redirect("archive_import_detail", batch.pk)


@require_admin_access
def import_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    """One batch: the validation report (and Confirm), then progress and every row's outcome."""
    _require_importer(request)
    batch = get_object_or_404(ImportBatch, pk=batch_id)
    return TemplateResponse(
        request,
        "archive/admin/import_detail.html",
        {
            "batch": batch,
            "may_confirm": batch.status == ImportStatus.VALIDATED and batch_may_run_again(batch),
            "folder": media_dir_default(),
        },
    )


def register_import_urls() -> list[URLPattern]:
    """URLs for the register_admin_urls hook."""
    return [
        path("imports/", import_upload, name="archive_import"),
        path("imports/<int:batch_id>/", import_detail, name="archive_import_detail"),
        path("imports/<int:batch_id>/confirm/", import_confirm, name="archive_import_confirm"),
    ]


class ImportMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return access.may_import_collection(request.user)


def import_menu_item() -> MenuItem:
    return ImportMenuItem(
        "Import collection", reverse("archive_import"), icon_name="upload", order=905
    )
