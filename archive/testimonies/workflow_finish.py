"""The publishing workflow's finish: publish what the approvals allowed.

Named by WAGTAIL_FINISH_WORKFLOW_ACTION, which Wagtail imports while its own
models load, so this module imports nothing at its top.
"""

from __future__ import annotations

from typing import Any


def publish_approved(workflow_state: Any, user: Any = None) -> None:
    """The publishing workflow's finish (WAGTAIL_FINISH_WORKFLOW_ACTION).

    The approvals are the permission, so the approver needs no publish
    permission of their own; the page model still refuses consent that is not
    in force (TestimonyPage.save asks archive.access.publish_blocker).
    """
    from django.core.exceptions import PermissionDenied

    from archive import access
    from archive.errors import ReviewPending
    from archive.models import TestimonyPage
    from archive.testimonies.publishing import pending_pii_check

    page = workflow_state.content_object
    if isinstance(getattr(page, "specific", page), TestimonyPage):
        blocker = access.publish_blocker(page.specific)
        try:
            if blocker:
                raise ReviewPending(f"“{page.title}” cannot be published: {blocker}.")
            pending_pii_check(page.specific)
        except ReviewPending as e:
            # Raised inside the approval's transaction: the approval is undone too.
            raise PermissionDenied(str(e)) from e
    revision = page.get_latest_revision()
    revision.publish(user=user, skip_permission_checks=True)
