"""python manage.py load_demo: the fictional demo archive, ingested and transcribed on first run.

Idempotent: testimony already present (by slug) is skipped, so `make run`
can call it every time. Creates an `admin` login and prints it.
"""

from __future__ import annotations

import json
import secrets
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from archive.consent.services import ConsentTerms
from archive.errors import ArchiveError, ReviewPending
from archive.models import TestimonyPage, TranscriptStatus
from archive.testimonies.ingest import TestimonyDetails, testimony_ingest
from archive.testimonies.progress import ProgressLine
from archive.testimonies.publishing import testimony_publish
from archive.transcripts.pipeline import transcript_process

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"


class Command(BaseCommand):
    help = "Load the demo archive (fictional composite testimonies) and create an admin login."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-admin", action="store_true", help="Do not create a login.")

    def handle(self, *args: Any, **options: Any) -> None:
        entries = json.loads((DEMO_DIR / "testimonies.json").read_text(encoding="utf-8"))
        existing = set(TestimonyPage.objects.values_list("slug", flat=True))
        todo = [entry for entry in entries if entry["slug"] not in existing]
        if not todo:
            self.stderr.write(f"Demo archive already loaded ({len(entries)} testimonies).")
        for number, entry in enumerate(todo, start=1):
            label = f"[{number}/{len(todo)}] {entry['title'][:40]}"
            try:
                self._load(entry, ProgressLine(label, stream=self.stderr))
            except ArchiveError as e:
                raise CommandError(f"Demo testimony {entry['slug']}: {e}") from e
        if not options["no_admin"]:
            self._admin_login()

    def _load(self, entry: dict[str, Any], progress: ProgressLine) -> None:
        consent = entry["consent"]
        transcript = testimony_ingest(
            source=DEMO_DIR / "media" / entry["media"],
            filename=entry["media"],
            details=TestimonyDetails(
                title=entry["title"],
                slug=entry["slug"],
                storyteller_name=entry["storyteller"]["public_name"],
                is_pseudonym=entry["storyteller"]["is_pseudonym"],
                summary=entry["summary"],
                recorded_on=date.fromisoformat(entry["recorded"]),
                place=entry["place"],
            ),
            consent=ConsentTerms(
                access_level=entry["access"],
                show_audio=True,
                show_transcript=True,
                allow_teaching=entry["access"] == "public",
                allow_press=entry["access"] == "public",
                form_version=consent["form_version"],
                form_language=consent["form_language"],
                method=consent["method"],
                witness=consent["witness"],
            ),
        )
        testimony = transcript.media.testimony
        transcript_process(transcript=transcript, progress=progress)
        # Spanish testimony is translated by default, so English questions find it.
        for translation in transcript.translations.filter(status=TranscriptStatus.QUEUED):
            transcript_process(transcript=translation, progress=progress)
        transcript.refresh_from_db()
        summary = f"{transcript.language}, {transcript.segments.count()} segments"
        if entry["access"] == "sealed":
            # Sealed testimony is never published: the demo keeps it as the draft it is.
            progress.finish(f"{summary}; sealed, kept as a draft")
            return
        try:
            testimony_publish(testimony=testimony)
        except ReviewPending as e:
            # The demo shows the review step too: flagged personal information
            # keeps a testimony in draft until an editor decides.
            progress.finish(f"{summary}; left as a draft: {e}")
            return
        progress.finish(summary)

    def _admin_login(self) -> None:
        password_file = settings.VAR_DIR / "admin-password.txt"
        User = get_user_model()
        user = User.objects.filter(username="admin").first()
        if user is None or not password_file.exists():
            password = secrets.token_urlsafe(12)
            password_file.parent.mkdir(parents=True, exist_ok=True)
            password_file.write_text(password + "\n", encoding="utf-8")
            password_file.chmod(0o600)
            if user is None:
                User.objects.create_superuser("admin", "admin@localhost", password)
            else:
                user.set_password(password)
                user.save()
        password = password_file.read_text(encoding="utf-8").strip()
        base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
        self.stdout.write(f"\nAdmin login: {base}/admin/  user: admin  password: {password}")
