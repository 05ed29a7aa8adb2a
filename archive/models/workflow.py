"""The publishing workflow's "Consent verified" step, which records who verified what."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from wagtail.models import AbstractGroupApprovalTask, TaskState


class ConsentVerificationTask(AbstractGroupApprovalTask):
    """A group approval whose approval is an archivist's verification of consent.

    Approving it records a ConsentVerification for the testimony's latest
    consent version; a widening of access is not in force until then. The
    archivist who widened may not verify their own change while another
    archivist could (archive.access.may_verify_consent decides).
    """

    def _testimony(self, obj: Any) -> Any:
        from archive.models.testimony import TestimonyPage

        page = getattr(obj, "specific", obj)
        return page if isinstance(page, TestimonyPage) else None

    def get_actions(self, obj: Any, user: Any) -> list[tuple[str, str, bool]]:
        from archive import access

        testimony = self._testimony(obj)
        if testimony is not None and not access.may_verify_consent(user, testimony):
            return []
        return super().get_actions(obj, user)

    @transaction.atomic
    def on_action(self, task_state: TaskState, user: Any, action_name: str, **kwargs: Any) -> None:
        from archive import access
        from archive.consent.services import consent_verify

        testimony = self._testimony(task_state.workflow_state.content_object)
        if action_name == "approve" and testimony is not None:
            # Asked again here: the buttons are hidden, but a posted form is not a button.
            if not access.may_verify_consent(user, testimony):
                raise PermissionDenied(
                    "Another archivist must verify this change of consent: "
                    "its author may not verify it."
                )
            consent_verify(testimony=testimony, by=user, note=kwargs.get("comment") or "")
        super().on_action(task_state, user, action_name, **kwargs)

    @classmethod
    def get_description(cls) -> str:
        return (
            "Archivists check the storyteller's documented consent; approving records "
            "the verification, and a widening of access takes effect only then."
        )

    class Meta:
        verbose_name = "Consent verification task"
        verbose_name_plural = "Consent verification tasks"
