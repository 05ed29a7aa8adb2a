"""Coverage flags: what the machine could not transcribe with confidence, for an editor.

The transcription package finds the problems (transcription.coverage); this
module keeps them on the transcript, lets an editor mark each as checked,
and tells publishing how many are still open.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from archive.errors import ArchiveError
from archive.models import CoverageFlag, FlagStatus, TestimonyPage, Transcript
from transcription.coverage import CoverageReport

#: A language heard for at least this long (seconds), or this share of the
#: speech, is one of the testimony's languages (search analyses its text so).
LANGUAGE_MIN_SECONDS = 30.0
LANGUAGE_MIN_SHARE = 0.2


def coverage_flags_store(*, transcript: Transcript, report: CoverageReport) -> list[CoverageFlag]:
    """Record ``report`` on ``transcript``: its figures, and one open flag per issue.

    Call inside the transaction that stores the segments. A re-run replaces
    the open flags (they were about the old text); flags an editor checked
    stay as the record of that check.
    """
    transcript.coverage = report.as_dict()
    transcript.flags.filter(status=FlagStatus.OPEN).delete()
    return CoverageFlag.objects.bulk_create(
        CoverageFlag(
            transcript=transcript,
            kind=str(issue.kind),
            start=issue.start,
            end=issue.end,
            speech_seconds=issue.speech_seconds,
            message=issue.message[:300],
        )
        for issue in report.issues
    )


def languages_heard(report: CoverageReport) -> list[str]:
    """The languages spoken long enough to count, most heard first."""
    seconds = report.language_seconds()
    total = sum(seconds.values()) or 1.0
    return [
        language
        for language, heard in sorted(seconds.items(), key=lambda item: -item[1])
        if heard >= LANGUAGE_MIN_SECONDS or heard / total >= LANGUAGE_MIN_SHARE
    ]


def open_coverage_flags(testimony: TestimonyPage) -> int:
    """Flags no editor has checked yet, in any transcript of the testimony."""
    return CoverageFlag.objects.filter(
        transcript__media__testimony=testimony, status=FlagStatus.OPEN
    ).count()


@transaction.atomic
def coverage_flag_check(*, flag_id: int, transcript_id: int, by: Any) -> CoverageFlag:
    """An editor has listened and corrected (or confirmed) the passage: the flag is checked.

    Raises ArchiveError for a flag of another transcript or one already checked.
    """
    flag = (
        CoverageFlag.objects.select_for_update()
        .filter(pk=flag_id, transcript_id=transcript_id)
        .first()
    )
    if flag is None:
        raise ArchiveError("That flag is not on this transcript.")
    if flag.status != FlagStatus.OPEN:
        raise ArchiveError("That flag was checked already.")
    flag.status = FlagStatus.CHECKED
    flag.checked_by = by
    flag.checked_at = timezone.now()
    flag.save(update_fields=["status", "checked_by", "checked_at"])
    return flag
