"""Withdrawal and purge: the storyteller's right to take their testimony back.

Withdrawal hides the testimony from every surface at once and unpublishes it;
the consent history stays. Purge then deletes originals, derivatives,
transcripts and index entries, and scrubs the page down to a tombstone that
only says a testimony existed and was withdrawn, with its consent history.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import COMMENTS_RELATION_NAME, PageLogEntry, WorkflowState

from archive.backups import purge_journal_add
from archive.compaction import compact_after_purge
from archive.consent import consent_withdraw
from archive.errors import ConsentError
from archive.models import ConsentVersion, TestimonyPage
from archive.signals import testimony_purged

logger = logging.getLogger(__name__)


def testimony_withdraw(
    *, testimony: TestimonyPage, reason: str = "", by: Any = None, purge: bool = False
) -> ConsentVersion:
    """Withdraw the testimony's consent, unpublish it, and purge it when asked."""
    version = consent_withdraw(record=testimony.consent, reason=reason, by=by)
    for page in TestimonyPage.objects.filter(consent_id=testimony.consent_id):
        if page.live:
            page.unpublish(user=by if getattr(by, "is_authenticated", False) else None)
        if purge:
            testimony_purge(testimony=page, by=by)
    return version


def testimony_purge(*, testimony: TestimonyPage, by: Any = None) -> TestimonyPage:
    """Delete everything of a withdrawn testimony but a tombstone with its consent history."""
    testimony = TestimonyPage.objects.get(pk=testimony.pk)
    if not testimony.consent.withdrawn:
        raise ConsentError("Only a withdrawn testimony can be purged: withdraw its consent first.")
    if testimony.purged_at is not None:
        raise ConsentError(f"This testimony was already purged on {testimony.purged_at:%Y-%m-%d}.")

    files = []
    with transaction.atomic():
        for media in testimony.media_assets.all():
            files += [field for field in (media.original, media.web) if field.name]
            media.delete()  # transcripts, segments and redactions go with it
        testimony.theme_links.all().delete()
        getattr(testimony, COMMENTS_RELATION_NAME).all().delete()  # editors' notes quote it
        testimony.revisions.all().delete()
        WorkflowState.objects.filter(
            base_content_type_id=testimony.content_type_id, object_id=str(testimony.pk)
        ).delete()
        PageLogEntry.objects.filter(page_id=testimony.pk).delete()

        storyteller = testimony.storyteller
        storyteller.real_name = ""
        storyteller.public_name = f"Storyteller {storyteller.pk} (withdrawn)"
        storyteller.save(update_fields=["real_name", "public_name"])

        tombstone = f"Withdrawn testimony {testimony.pk}"
        testimony.title = testimony.draft_title = tombstone
        testimony.slug = f"withdrawn-{testimony.pk}"
        testimony.seo_title = testimony.search_description = ""
        testimony.summary = testimony.place = testimony.languages = ""
        testimony.recorded_on = None
        testimony.live = testimony.has_unpublished_changes = False
        testimony.latest_revision = testimony.live_revision = None
        testimony.purged_at = timezone.now()
        # save() rewrites url_path and the admin's own search index from the scrubbed fields.
        testimony.save()
        # A redirect an editor made to this page would keep its old address.
        Redirect.objects.filter(redirect_page_id=testimony.pk).delete()
        transaction.on_commit(lambda: _delete_files(files))
    _compact_admin_search_index()
    purged = (testimony.pk, testimony.consent_id, testimony.purged_at)
    transaction.on_commit(
        lambda: purge_journal_add(testimony_id=purged[0], consent_id=purged[1], purged_at=purged[2])
    )
    testimony_purged.send(sender=TestimonyPage, testimony=testimony)
    # Last, once everything is committed: the deleted pages leave the WAL and the file.
    transaction.on_commit(compact_after_purge)
    return testimony


def _compact_admin_search_index() -> None:
    """Merge Wagtail's SQLite full-text index so deleted terms are really gone.

    FTS5 keeps deleted entries in its segments until they are merged; with
    secure_delete on, the merge also zeroes the freed pages.
    """
    if connection.vendor != "sqlite":
        return
    table = "wagtailsearch_indexentry_fts"
    if table in connection.introspection.table_names():
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")  # noqa: S608


def _delete_files(files: list[Any]) -> None:
    for field in files:
        try:
            field.storage.delete(field.name)
        except OSError:
            # Logged loudly: a purge that leaves a file behind must be finished by hand.
            logger.exception("Purge could not delete %s", field.name)
