"""python manage.py ingest FILE --title T --storyteller NAME --access LEVEL [...]

Options: [--language xx] [--model M] [--translate] [--publish] [--background] [--json].
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from archive.consent.services import OPEN_TERMS
from archive.errors import ArchiveError
from archive.management.stopping import stopped_by_signals
from archive.models import AccessLevel, Transcript, TranscriptStatus
from archive.testimonies.ingest import TestimonyDetails, testimony_ingest
from archive.testimonies.progress import ProgressLine
from archive.testimonies.publishing import testimony_publish
from archive.transcripts.jobs import job_enqueue, job_interrupted
from archive.transcripts.pipeline import transcript_process, translation_create


class Command(BaseCommand):
    help = "Store a recording with its consent, transcribe it, tag it and index it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--title", required=True)
        parser.add_argument("--storyteller", required=True, help="Public name or pseudonym.")
        parser.add_argument("--access", required=True, choices=AccessLevel.values)
        parser.add_argument("--language", help="ISO 639-1 code; detected when not given.")
        parser.add_argument(
            "--show-face",
            action="store_true",
            help="The storyteller allows their face to be shown (video is hidden otherwise).",
        )
        parser.add_argument("--model", help="Whisper model (default: TRANSCRIPTION_MODEL).")
        parser.add_argument(
            "--translate",
            action="store_true",
            help="Also make an English translation (Whisper's translate task), "
            "stored as a second transcript after the first.",
        )
        parser.add_argument("--publish", action="store_true")
        parser.add_argument(
            "--background",
            action="store_true",
            help="Queue transcription on the worker instead of waiting for it.",
        )
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        source: Path = options["file"]
        if options["publish"] and options["access"] == "sealed":
            # Refused before anything is stored: nothing half-made is left behind.
            raise CommandError(
                "Sealed testimony is never published: ingest it without --publish "
                "(it stays a draft that only the archive's staff can work on)."
            )
        self._made: list[Transcript] = []
        try:
            with stopped_by_signals():
                transcript, translation, testimony = self._ingest(source, options)
        except KeyboardInterrupt as e:
            # Ctrl-C, SIGTERM or SIGHUP: the jobs this process would have run
            # say so and can be retried, rather than stay "running" (SIGKILL
            # cannot be caught: a worker's sweep finds those, archive.transcripts.jobs).
            reason = f"ingest was stopped ({e or 'interrupted'})"
            stopped = [
                t.pk
                for t in self._made
                if not options["background"] and job_interrupted(transcript=t, reason=reason)
            ]
            hint = f"; retry with: manage.py jobs retry {stopped[0]}" if stopped else ""
            raise CommandError(f"{reason[0].upper()}{reason[1:]}{hint}") from e

        transcript.refresh_from_db()
        self._report(transcript, translation, testimony, as_json=options["json"])

    def _ingest(
        self, source: Path, options: dict[str, Any]
    ) -> tuple[Transcript, Transcript | None, Any]:
        translation = None
        try:
            transcript = testimony_ingest(
                source=source,
                filename=source.name,
                details=TestimonyDetails(
                    title=options["title"],
                    storyteller_name=options["storyteller"],
                    language=options["language"],
                ),
                consent=replace(
                    OPEN_TERMS,
                    access_level=options["access"],
                    show_face=options["show_face"],
                    show_real_name=False,
                ),
                model=options["model"],
            )
            self._made.append(transcript)
            testimony = transcript.media.testimony
            if options["translate"]:
                translation = translation_create(transcript=transcript)
                self._made.append(translation)
            if options["background"]:
                # The worker queues the translation once the transcript is done.
                job_enqueue(transcript=transcript)
            else:
                transcript_process(transcript=transcript, progress=ProgressLine("Transcribing"))
                # Non-English testimony is translated by default (TESTIMONIO_TRANSLATE).
                for queued in transcript.translations.filter(status=TranscriptStatus.QUEUED):
                    transcript_process(transcript=queued, progress=ProgressLine("Translating"))
                    translation = queued
            if options["publish"]:
                testimony = testimony_publish(testimony=testimony)
        except ArchiveError as e:
            raise CommandError(str(e)) from e
        return transcript, translation, testimony

    def _report(
        self,
        transcript: Transcript,
        translation: Transcript | None,
        testimony: Any,
        *,
        as_json: bool,
    ) -> None:
        url = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + testimony.site_path
        result = {
            "id": testimony.pk,
            "title": testimony.title,
            "url": url,
            "live": testimony.live,
            "transcript": transcript.status,
            "language": transcript.language,
            "segments": transcript.segments.count(),
            "translation": _translation_summary(translation),
            "themes": sorted(link.theme.slug for link in testimony.theme_links.all()),
            "coverage": transcript.coverage or None,
            "flags": [flag.message for flag in transcript.flags.filter(status="open")],
        }
        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        else:
            state = "published" if testimony.live else "draft"
            self.stdout.write(f"Testimony {result['id']} ({state}): {url}")
            if transcript.status != "done":
                self.stdout.write(f"Transcription {transcript.status} on the worker.")
                return
            self.stdout.write(
                f"{result['segments']} segments in {result['language']}; "
                f"themes: {', '.join(result['themes']) or 'none'}"
            )
            for message in result["flags"]:
                self.stdout.write(f"Check: {message}")


def _translation_summary(translation: Transcript | None) -> dict[str, object] | None:
    if translation is None:
        return None
    translation.refresh_from_db()
    return {
        "id": translation.pk,
        "status": translation.status,
        "language": translation.language,
        "segments": translation.segments.count(),
    }
