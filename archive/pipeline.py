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
from django.utils import timezone

from archive.errors import ArchiveError
from archive.models import (
    Segment,
    TestimonyTheme,
    Theme,
    Transcript,
    TranscriptStatus,
)
from archive.signals import transcript_ready
from archive.tagging import matcher_from_thesaurus
from transcription import media as media_tools
from transcription.engines import DEFAULT_ENGINE, get_engine
from transcription.engines.base import TranscriptionResult
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


def transcript_process(*, transcript: Transcript, progress: Progress | None = None) -> Transcript:
    """Run the whole pipeline for `transcript` and return it, done.

    Raises PipelineError with the reason (also stored on the transcript).
    """
    media = transcript.media
    transcript.status = TranscriptStatus.RUNNING
    transcript.error = ""
    transcript.progress_seconds = 0
    transcript.save(update_fields=["status", "error", "progress_seconds", "updated_at"])
    try:
        result = _transcribe(transcript, progress)
    except JobStopped:
        logger.info("Transcript %s stopped while running; its row is left as it is", transcript.pk)
        raise
    except (TranscriptionError, OSError) as e:
        transcript.status = TranscriptStatus.FAILED
        transcript.error = str(e) or e.__class__.__name__
        transcript.save(update_fields=["status", "error", "updated_at"])
        raise PipelineError(f"Transcribing {media.original_filename} failed: {e}") from e

    if not _store(transcript, result):
        raise JobStopped(
            f"transcript {transcript.pk} was cancelled before its segments were stored"
        )
    transcript_ready.send(sender=Transcript, testimony=media.testimony)
    return transcript


def _transcribe(transcript: Transcript, progress: Progress | None) -> TranscriptionResult:
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
            # One UPDATE is both the progress write and the cancel check: a job
            # an editor cancelled (or another run finished) is no longer running.
            still_running = Transcript.objects.filter(
                pk=transcript.pk, status=TranscriptStatus.RUNNING
            ).update(progress_seconds=done, updated_at=timezone.now())
            if not still_running:
                raise JobStopped(f"transcript {transcript.pk} is no longer running")

    with TemporaryDirectory(prefix="testimonio-") as tmp:
        workdir = Path(tmp)
        if not media.web:
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
        return engine.transcribe(
            wav,
            language=transcript.parameters.get("language"),
            task=transcript.parameters.get("task", "transcribe"),
            progress=report,
        )


def _engine_name(transcript: Transcript) -> str:
    """The engine asked for at ingest, else the one that made it before, else the default."""
    return (
        transcript.parameters.get("engine")
        or transcript.engine
        or getattr(settings, "TRANSCRIPTION_ENGINE", DEFAULT_ENGINE)
    )


@transaction.atomic
def _store(transcript: Transcript, result: TranscriptionResult) -> bool:
    """Replace the machine's segments with ``result``'s; False if the job was cancelled."""
    status = Transcript.objects.filter(pk=transcript.pk).values_list("status", flat=True).first()
    if status != TranscriptStatus.RUNNING:
        return False
    # A re-run replaces what the machine wrote, never what an editor corrected.
    transcript.segments.filter(edited_by_human=False).delete()
    kept = list(transcript.segments.all())
    taken = {s.index for s in kept}
    next_index = max(taken, default=-1) + 1
    new_segments = []
    for segment in result.segments:
        if any(k.start < segment.end and segment.start < k.end for k in kept):
            continue
        new_segments.append(
            Segment(
                transcript=transcript,
                index=next_index,
                start=segment.start,
                end=segment.end,
                text=segment.text,
                words=[
                    {"start": w.start, "end": w.end, "word": w.text, "p": round(w.probability, 3)}
                    for w in segment.words
                ],
            )
        )
        next_index += 1
    Segment.objects.bulk_create(new_segments)
    _suggest_themes(transcript)

    transcript.engine = result.engine
    transcript.model = result.model
    transcript.parameters = {**transcript.parameters, **result.parameters}
    transcript.language = result.language
    transcript.language_probability = result.language_probability
    transcript.progress_seconds = result.duration
    transcript.status = TranscriptStatus.DONE
    transcript.save()

    testimony = transcript.media.testimony
    if result.language and result.language not in testimony.language_codes:
        testimony.languages = ",".join([*testimony.language_codes, result.language])
        testimony.save(update_fields=["languages"])
    return True


def _suggest_themes(transcript: Transcript) -> None:
    """Tag each segment; the testimony's suggestions are the union, for an editor to decide."""
    matcher = matcher_from_thesaurus()
    themes = {theme.slug: theme for theme in Theme.objects.all()}
    counts: Counter[str] = Counter()
    for segment in transcript.segments.all():
        slugs = matcher.match(segment.text)
        segment.themes.set([themes[slug] for slug in slugs])
        counts.update(slugs)

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
