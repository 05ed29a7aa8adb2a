"""The processing of one recording: derivative -> normalise -> transcribe -> segments -> themes.

Called by the task queue (archive.tasks) and, synchronously, by commands.
A failure marks the transcript failed with a readable reason; the original
and the consent stay, so nothing is lost and the job can be re-run.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from tempfile import TemporaryDirectory

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from archive.errors import ArchiveError
from archive.models import (
    MediaAsset,
    Segment,
    TestimonyPage,
    TestimonyTheme,
    Theme,
    Transcript,
    TranscriptKind,
    TranscriptStatus,
)
from archive.models.transcript import IMPORTED_ENGINE
from archive.privacy.redaction import applied_spans, bleeped_derivative, suggest_redactions
from archive.signals import transcript_ready
from archive.themes.tagging import matcher_from_thesaurus
from archive.transcripts.coverage import coverage_flags_store, languages_heard
from archive.transcripts.jobs import job_heartbeat, worker_name
from transcription import media as media_tools
from transcription.coverage import CheckedTranscription, transcribe_checked
from transcription.engines import DEFAULT_ENGINE, get_engine
from transcription.engines.base import Segment as TimedText
from transcription.errors import TranscriptionError

logger = logging.getLogger(__name__)

Progress = Callable[[float, float], None]

# Progress is written to the database at most this often (seconds), so a long
# file does not turn into thousands of UPDATEs.
_PROGRESS_EVERY = 2.0


class PipelineError(ArchiveError):
    """Processing failed; the transcript row says why."""


class JobStopped(PipelineError):
    """The job was cancelled (or finished elsewhere) while this run was transcribing."""


def transcript_process(
    *, transcript: Transcript, progress: Progress | None = None, task_id: str = ""
) -> Transcript:
    """Run the whole pipeline for `transcript` and return it, done.

    The run claims the job (attempts, claimed_by, started_at, heartbeat_at):
    a run that finds the job claimed by someone else since stops at its next
    progress write, so two workers never both store a transcript.
    Raises JobStopped when the job was cancelled or taken over meanwhile, and
    PipelineError with the reason (also stored on the transcript) on failure.
    """
    media = transcript.media
    now = timezone.now()
    transcript.status = TranscriptStatus.RUNNING
    transcript.error = ""
    transcript.progress_seconds = 0
    transcript.attempts += 1
    transcript.task_id = task_id or transcript.task_id
    transcript.claimed_by = worker_name()
    transcript.started_at = now
    transcript.heartbeat_at = now
    transcript.finished_at = None
    transcript.save(
        update_fields=[
            "status",
            "error",
            "progress_seconds",
            "attempts",
            "task_id",
            "claimed_by",
            "started_at",
            "heartbeat_at",
            "finished_at",
            "updated_at",
        ]
    )
    try:
        with job_heartbeat(transcript=transcript):
            checked = _transcribe(transcript, progress)
    except JobStopped:
        logger.info("Transcript %s stopped while running; its row is left as it is", transcript.pk)
        raise
    except (TranscriptionError, OSError) as e:
        failed = _mine(transcript).update(
            status=TranscriptStatus.FAILED,
            error=str(e) or e.__class__.__name__,
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
        transcript.refresh_from_db()
        if not failed:
            raise JobStopped(f"transcript {transcript.pk} stopped while it failed: {e}") from e
        raise PipelineError(f"Transcribing {media.original_filename} failed: {e}") from e

    if not _store(transcript, checked):
        raise JobStopped(
            f"transcript {transcript.pk} was cancelled before its segments were stored"
        )
    _translate_by_default(transcript)
    transcript_ready.send(sender=Transcript, testimony=media.testimony)
    return transcript


def _translate_by_default(transcript: Transcript) -> None:
    """Queue an English translation of non-English testimony (TESTIMONIO_TRANSLATE turns it off).

    English questions reach Spanish testimony through it; the worker and the
    commands process it after the transcript, as for ``--translate``.
    """
    if (
        getattr(settings, "TESTIMONIO_TRANSLATE", True)
        and transcript.kind == TranscriptKind.TRANSCRIPT
        and transcript.language not in ("", "en")
    ):
        translation_create(transcript=transcript)


def _mine(transcript: Transcript) -> QuerySet[Transcript]:
    """The row, only while it is still running under this run's claim."""
    return Transcript.objects.filter(
        pk=transcript.pk, status=TranscriptStatus.RUNNING, claimed_by=transcript.claimed_by
    )


def _transcribe(transcript: Transcript, progress: Progress | None) -> CheckedTranscription:
    media = transcript.media
    source = Path(media.original.path)
    last_write = 0.0

    def report(done: float, total: float) -> None:
        nonlocal last_write
        if progress:
            progress(done, total)
        now = time.monotonic()
        if now - last_write >= _PROGRESS_EVERY:
            last_write = now
            # One UPDATE is the progress write, the heartbeat and the cancel
            # check: a job an editor cancelled, or another worker took over
            # after this one looked dead, no longer matches.
            moment = timezone.now()
            still_running = _mine(transcript).update(
                progress_seconds=done, heartbeat_at=moment, updated_at=moment
            )
            if not still_running:
                raise JobStopped(f"transcript {transcript.pk} is no longer running")

    with TemporaryDirectory(prefix="testimonio-") as tmp:
        workdir = Path(tmp)
        if not media.web and applied_spans(media):
            # A redacted recording's public copy is always the bleeped one.
            bleeped_derivative(media)
        elif not media.web:
            info = media_tools.probe(source)
            derivative = media_tools.make_web_derivative(source, workdir, info)
            with derivative.open("rb") as handle:
                media.web.save(derivative.name, File(handle), save=True)
        wav = media_tools.normalise_audio(source, workdir / "engine.wav")
        engine = get_engine(
            transcript.model or settings.TRANSCRIPTION_MODEL,
            engine=_engine_name(transcript),
            device=settings.TRANSCRIPTION_DEVICE,
            compute_type=settings.TRANSCRIPTION_COMPUTE_TYPE,
        )
        # Checked: speech the first pass missed or looped on is decoded again,
        # and what still fails comes back as issues to flag for an editor.
        return transcribe_checked(
            engine,
            wav,
            language=transcript.parameters.get("language"),
            task=transcript.parameters.get("task", "transcribe"),
            progress=report,
        )


def web_derivative_ensure(media: MediaAsset) -> None:
    """Make the recording's public web copy if it has none (ffmpeg, in a temporary folder)."""
    if media.web:
        return
    if applied_spans(media):
        bleeped_derivative(media)
        return
    source = Path(media.original.path)
    # The asset holds what ingest's probe found: no second probe of the same file.
    info = media_tools.MediaInfo(
        duration=media.duration,
        format_name=media.format_name,
        audio_codec=media.audio_codec or None,
        video_codec=media.video_codec or None,
        size_bytes=media.size_bytes,
    )
    with TemporaryDirectory(prefix="testimonio-") as tmp:
        derivative = media_tools.make_web_derivative(source, Path(tmp), info)
        with derivative.open("rb") as handle:
            media.web.save(derivative.name, File(handle), save=True)


def transcript_import(
    *,
    transcript: Transcript,
    segments: tuple[TimedText, ...],
    imported_from: str,
    file_format: str,
    language: str = "",
) -> Transcript:
    """Store a transcript a person made (read from a file) as ``transcript``'s text, done.

    Whisper does not run: the text is the archive's human transcript. What
    follows a machine transcription follows this too, so an imported
    testimony is found and reviewed like any other: the web copy, theme
    suggestions per segment, personal-information flags, the testimony's
    languages and draft revision, and the index once it commits. No coverage
    check (it measures a machine's decode) and no automatic translation
    (Whisper's); `also_transcribe` asks for a machine transcript beside it.
    """
    media = transcript.media
    web_derivative_ensure(media)
    with transaction.atomic():
        transcript.segments.all().delete()
        Segment.objects.bulk_create(
            Segment(
                transcript=transcript,
                index=number,
                start=segment.start,
                end=segment.end,
                text=segment.text,
                edited_by_human=False,
            )
            for number, segment in enumerate(segments)
        )
        _suggest_themes(transcript)
        now = timezone.now()
        transcript.engine = IMPORTED_ENGINE
        transcript.model = ""
        transcript.parameters = {
            **({"language": language} if language else {}),
            "imported_from": imported_from,
            "format": file_format,
        }
        transcript.language = language
        transcript.status = TranscriptStatus.DONE
        transcript.progress_seconds = media.duration
        transcript.error = ""
        transcript.started_at = transcript.started_at or now
        transcript.heartbeat_at = now
        transcript.finished_at = now
        transcript.save()
        suggest_redactions(transcript=transcript)
        testimony = media.testimony
        if language and language not in testimony.language_codes:
            testimony.languages = ",".join([*testimony.language_codes, language])
            testimony.save(update_fields=["languages"])
        _carry_into_draft(testimony)
    testimony_id = media.testimony_id
    transaction.on_commit(
        lambda: transcript_ready.send(
            sender=Transcript, testimony=TestimonyPage.objects.get(pk=testimony_id)
        )
    )
    return transcript


def _engine_name(transcript: Transcript) -> str:
    """The engine asked for at ingest, else the one that made it before, else the default."""
    return (
        transcript.parameters.get("engine")
        or transcript.engine
        or getattr(settings, "TRANSCRIPTION_ENGINE", DEFAULT_ENGINE)
    )


@transaction.atomic
def _store(transcript: Transcript, checked: CheckedTranscription) -> bool:
    """Replace the machine's segments with ``result``'s; False if the job was cancelled.

    Segments an editor touched stay as they are, at their times; a machine
    segment that overlaps one of them in time is dropped, so the corrected
    text is never said twice and the order by time is kept.
    """
    if not _mine(transcript).select_for_update().exists():
        return False
    result = checked.result
    # A re-run replaces what the machine wrote, never what an editor corrected.
    transcript.segments.filter(edited_by_human=False).delete()
    kept = list(transcript.segments.all())
    # Out of the way of the kept indexes; segments_renumber orders all by time.
    first_free = max((k.index for k in kept), default=-1) + 1
    fresh = [
        segment
        for segment in result.segments
        if not any(k.start < segment.end and segment.start < k.end for k in kept)
    ]
    new_segments = [
        Segment(
            transcript=transcript,
            index=first_free + number,
            start=segment.start,
            end=segment.end,
            text=segment.text,
            words=[
                {"start": w.start, "end": w.end, "word": w.text, "p": round(w.probability, 3)}
                for w in segment.words
            ],
        )
        for number, segment in enumerate(fresh)
    ]
    Segment.objects.bulk_create(new_segments)
    segments_renumber(transcript=transcript)
    _suggest_themes(transcript)

    transcript.engine = result.engine
    transcript.model = result.model
    transcript.parameters = {**transcript.parameters, **result.parameters}
    transcript.language_probability = result.language_probability
    if transcript.kind == TranscriptKind.TRANSLATION:
        # Whisper translates into English only; the spoken language is kept
        # as where the text came from.
        transcript.language = "en"
        transcript.parameters["source_language"] = result.language
    else:
        transcript.language = result.language
    transcript.progress_seconds = result.duration
    # Coverage figures and flags for what the check could not repair.
    coverage_flags_store(transcript=transcript, report=checked.report)
    transcript.status = TranscriptStatus.DONE
    now = timezone.now()
    transcript.heartbeat_at = now
    transcript.finished_at = now
    transcript.save()

    testimony = transcript.media.testimony
    if transcript.kind == TranscriptKind.TRANSLATION:
        return True
    # Personal information is flagged for an editor before anyone can publish.
    suggest_redactions(transcript=transcript)
    heard = [result.language, *languages_heard(checked.report)]
    new = [code for code in dict.fromkeys(heard) if code and code not in testimony.language_codes]
    if new:
        testimony.languages = ",".join([*testimony.language_codes, *new])
        testimony.save(update_fields=["languages"])
    _carry_into_draft(testimony)
    return True


def _carry_into_draft(testimony: TestimonyPage) -> None:
    """Put what the machine just wrote on the testimony into its draft revision too.

    The page editor and the workflow's publishing work on the latest revision,
    not on the database rows: a draft revision saved before tagging would hide
    the suggestions from the editor and delete them when published. Editors'
    decisions in the draft stay; only rows the draft lacks are added, and
    evidence counts follow the rows.
    """
    testimony = TestimonyPage.objects.get(pk=testimony.pk)
    if not testimony.has_unpublished_changes or testimony.latest_revision_id is None:
        return  # the editor opens the database rows themselves
    draft = testimony.get_latest_revision_as_object()
    rows = {link.theme_id: link for link in testimony.theme_links.all()}
    links = list(draft.theme_links.all())
    drafted = {link.theme_id for link in links}
    changed = draft.languages != testimony.languages
    for link in links:
        row = rows.get(link.theme_id)
        if row is not None and link.segment_count != row.segment_count:
            link.segment_count = row.segment_count
            changed = True
    for theme_id, row in rows.items():
        if theme_id not in drafted:
            links.append(
                TestimonyTheme(
                    pk=row.pk,
                    theme_id=theme_id,
                    status=row.status,
                    segment_count=row.segment_count,
                    sort_order=row.sort_order,
                )
            )
            changed = True
    if not changed:
        return
    draft.theme_links = links
    draft.languages = testimony.languages
    draft.save_revision(clean=False)


def segments_renumber(*, transcript: Transcript) -> None:
    """Give the segments indexes 0..n-1 in order of time (call inside a transaction)."""
    segments = list(transcript.segments.order_by("start", "end", "index"))
    if [s.index for s in segments] == list(range(len(segments))):
        return
    # Two passes so the unique (transcript, index) constraint never sees a clash.
    offset = len(segments) + max((s.index for s in segments), default=0) + 1
    for number, segment in enumerate(segments):
        segment.index = offset + number
    Segment.objects.bulk_update(segments, ["index"])
    for number, segment in enumerate(segments):
        segment.index = number
    Segment.objects.bulk_update(segments, ["index"])


def _suggest_themes(transcript: Transcript) -> None:
    """Tag each segment; the testimony's suggestions are the union, for an editor to decide."""
    matcher = matcher_from_thesaurus()
    themes = {theme.slug: theme for theme in Theme.objects.all()}
    counts: Counter[str] = Counter()
    for segment in transcript.segments.all():
        slugs = matcher.match(segment.text)
        segment.themes.set([themes[slug] for slug in slugs])
        counts.update(slugs)
    if transcript.kind == TranscriptKind.TRANSLATION:
        # The testimony's theme evidence is counted on what was said; the
        # translation's segments are tagged for search only.
        return

    testimony = transcript.media.testimony
    existing = {link.theme.slug: link for link in testimony.theme_links.select_related("theme")}
    for slug, count in counts.items():
        link = existing.get(slug)
        if link is None:
            TestimonyTheme.objects.create(
                testimony=testimony, theme=themes[slug], segment_count=count
            )
        elif link.segment_count != count:
            # The editor's accept/reject stays; only the evidence count moves.
            link.segment_count = count
            link.save(update_fields=["segment_count"])


def _one_language(transcript: Transcript) -> bool:
    """Whether the transcript heard one language only: the one it was transcribed in."""
    if not transcript.language or transcript.status != TranscriptStatus.DONE:
        return False
    heard = transcript.media.testimony.language_codes
    return heard == [transcript.language]


def translation_create(*, transcript: Transcript) -> Transcript:
    """Queue an English translation of ``transcript``'s recording as a second transcript.

    It is made from the audio with Whisper's translate task, by the same
    engine and model, and processed after the transcript. Returns the
    existing one if the transcript already has a translation.
    """
    if transcript.kind != TranscriptKind.TRANSCRIPT:
        raise PipelineError("Only a transcript can be translated, not a translation.")
    existing = transcript.translations.first()
    if existing is not None:
        return existing
    parameters = {
        key: value for key, value in transcript.parameters.items() if key in ("language", "engine")
    }
    if not parameters.get("language") and _one_language(transcript):
        # Told the language it translates from, Whisper decodes every window in
        # it; left to detect it window by window, it takes some of a Spanish
        # recording for Portuguese or Galician and translates nonsense.
        parameters["language"] = transcript.language
    return Transcript.objects.create(
        media=transcript.media,
        kind=TranscriptKind.TRANSLATION,
        source=transcript,
        model=transcript.model,
        engine=transcript.engine,
        parameters={**parameters, "task": "translate"},
    )
