"""Keeps the index in step with the archive, listening to its signals.

Indexing errors are logged and never fail the editor's save or the worker's
job: the archive row is the truth, the index can be rebuilt from it
(`manage.py rebuild_index`). Removal, though, is attempted before anything
else, so a withdrawn testimony leaves search at once.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db.models.signals import pre_delete
from wagtail.signals import page_published, page_unpublished

from archive.models import TestimonyPage
from archive.signals import consent_changed, transcript_ready
from search.backends import get_backend
from search.backends.base import SearchUnavailable
from search.documents import segment_documents

logger = logging.getLogger(__name__)


def index_testimony(testimony: TestimonyPage, *, alias: str = "default") -> int:
    """Replace the testimony's documents in the index; returns how many it now has."""
    backend = get_backend(alias)
    backend.remove_testimony(testimony.pk)
    documents = segment_documents(testimony)
    if documents:
        backend.index_segments(documents)
    return len(documents)


def _reindex(testimony: Any) -> None:
    if not isinstance(testimony, TestimonyPage):
        return
    try:
        fresh = TestimonyPage.objects.select_related("consent", "storyteller").get(pk=testimony.pk)
        index_testimony(fresh)
    except (SearchUnavailable, TestimonyPage.DoesNotExist):
        logger.exception("Could not update the search index for testimony %s", testimony.pk)


def _on_page_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    _reindex(instance.specific if hasattr(instance, "specific") else instance)


def _on_archive_change(sender: Any, testimony: Any, **kwargs: Any) -> None:
    _reindex(testimony)


def connect_signals() -> None:
    page_published.connect(_on_page_change, dispatch_uid="search-page-published")
    page_unpublished.connect(_on_page_change, dispatch_uid="search-page-unpublished")
    transcript_ready.connect(_on_archive_change, dispatch_uid="search-transcript-ready")
    consent_changed.connect(_on_archive_change, dispatch_uid="search-consent-changed")
    pre_delete.connect(
        _on_testimony_deleted, sender=TestimonyPage, dispatch_uid="search-testimony-deleted"
    )


def _on_testimony_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    try:
        get_backend().remove_testimony(instance.pk)
    except SearchUnavailable:
        logger.exception("Could not remove deleted testimony %s from the index", instance.pk)
