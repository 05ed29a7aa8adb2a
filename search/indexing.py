"""Keeps the index in step with the archive, listening to its signals.

Indexing errors are logged and never fail the editor's save or the worker's
job: the archive row is the truth, the index can be rebuilt from it
(`manage.py rebuild_index`). Removal, though, is attempted before anything
else, so a withdrawn testimony leaves search at once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db.models.signals import post_delete, post_save, pre_delete
from wagtail.signals import page_published, page_unpublished

from archive.models import TestimonyPage, Theme
from archive.signals import consent_changed, testimony_purged, transcript_ready
from search.backends import get_backend
from search.backends.base import SearchUnavailable
from search.documents import testimony_documents
from search.expansion import forget_archive_thesaurus

logger = logging.getLogger(__name__)

# Waits between attempts: a restarting search service or a locked SQLite
# file usually recovers within seconds; longer outages are for rebuild_index.
RETRY_DELAYS: Sequence[float] = (0.2, 1.0, 3.0)
_T = TypeVar("_T")


def with_retries(
    action: Callable[[], _T], *, what: str, delays: Sequence[float] | None = None
) -> _T:
    """Run ``action``, retrying on SearchUnavailable after each of ``delays``.

    Re-raises the last SearchUnavailable when every attempt failed.
    """
    waits = list(RETRY_DELAYS if delays is None else delays)
    attempt = 1
    while True:
        try:
            return action()
        except SearchUnavailable as e:
            if not waits:
                raise
            wait = waits.pop(0)
            logger.warning(
                "Search index: %s failed (attempt %d): %s; retrying in %.1f s",
                what,
                attempt,
                e,
                wait,
            )
            time.sleep(wait)
            attempt += 1


def index_testimony(testimony: TestimonyPage, *, alias: str = "default") -> int:
    """Replace the testimony's documents in the index; returns how many segments it now has."""
    backend = get_backend(alias)
    backend.remove_testimony(testimony.pk)
    documents, about = testimony_documents(testimony)
    if documents:
        backend.index_segments(documents)
    if about is not None:
        backend.index_testimonies([about])
    return len(documents)


def _reindex(testimony: Any) -> None:
    if not isinstance(testimony, TestimonyPage):
        return
    try:
        fresh = TestimonyPage.objects.select_related("consent", "storyteller").get(pk=testimony.pk)
        with_retries(lambda: index_testimony(fresh), what=f"indexing testimony {fresh.pk}")
    except (SearchUnavailable, TestimonyPage.DoesNotExist):
        logger.exception(
            "Could not update the search index for testimony %s; "
            "run `manage.py rebuild_index` once the index is back",
            testimony.pk,
        )


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
    testimony_purged.connect(_on_testimony_purged, dispatch_uid="search-testimony-purged")
    post_save.connect(_on_thesaurus_change, sender=Theme, dispatch_uid="search-theme-saved")
    post_delete.connect(_on_thesaurus_change, sender=Theme, dispatch_uid="search-theme-deleted")


def _on_thesaurus_change(sender: Any, **kwargs: Any) -> None:
    """A theme's terms changed: the next question is expanded by the new ones.

    SQLite and PostgreSQL expand at query time, so forgetting the cached
    thesaurus is enough; Elasticsearch rewrites its synonyms set, or says
    (in the log and to the editor, search/wagtail_hooks.py) to rebuild.
    """
    forget_archive_thesaurus()
    try:
        backend = get_backend()
        backend.thesaurus_changed()
    except SearchUnavailable:
        logger.exception("Could not update the search synonyms; run `manage.py rebuild_index`")
        return
    notice = backend.thesaurus_notice()
    if notice:
        logger.warning("%s", notice)


def _on_testimony_purged(sender: Any, testimony: Any, **kwargs: Any) -> None:
    try:
        with_retries(
            lambda: get_backend().forget_testimony(testimony.pk),
            what=f"forgetting purged testimony {testimony.pk}",
        )
    except SearchUnavailable:
        logger.exception("Could not purge testimony %s from the index", testimony.pk)


def _on_testimony_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    try:
        with_retries(
            lambda: get_backend().remove_testimony(instance.pk),
            what=f"removing testimony {instance.pk}",
        )
    except SearchUnavailable:
        logger.exception("Could not remove deleted testimony %s from the index", instance.pk)
