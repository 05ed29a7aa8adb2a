"""python manage.py jobs [--state S] [--json] | jobs cancel ID [--by USERNAME] | jobs retry ID"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from archive.models import TranscriptStatus
from archive.transcripts.jobs import Job, JobError, job_cancel, job_retry, jobs_list

STATES = tuple(TranscriptStatus.values)


class Command(BaseCommand):
    help = "List transcription jobs with their progress; cancel or retry one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "action", nargs="?", choices=("list", "cancel", "retry"), default="list"
        )
        parser.add_argument("id", nargs="?", type=int, help="Job (transcript) id.")
        parser.add_argument("--state", choices=STATES, help="Only jobs in this state.")
        parser.add_argument(
            "--by", help="Username of who cancels, kept on the job (default: nobody named)."
        )
        parser.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "list":
            self._list(jobs_list(state=options["state"]), as_json=options["json"])
            return
        if options["id"] is None:
            raise CommandError(f"jobs {action} needs a job id: python manage.py jobs {action} ID")
        try:
            if action == "cancel":
                job = job_cancel(job_id=options["id"], by=_user(options["by"]))
            else:
                job = job_retry(job_id=options["id"])
        except JobError as e:
            raise CommandError(str(e)) from e
        if options["json"]:
            self.stdout.write(json.dumps(job.as_dict(), ensure_ascii=False))
        else:
            by = f" by {job.cancelled_by}" if job.cancelled_by else ""
            self.stdout.write(f"Job {job.id} ({job.title}): {job.state}{by}")

    def _list(self, jobs: list[Job], *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps([j.as_dict() for j in jobs], ensure_ascii=False))
            return
        if not jobs:
            self.stdout.write("No jobs.")
            return
        width = min(40, max(len(j.title) for j in jobs))
        self.stdout.write(f"{'id':>5}  {'testimony':{width}}  {'state':9}  {'progress':>22}  error")
        for job in jobs:
            done = f"{job.progress_seconds:.0f}/{job.duration:.0f} s {job.percent:5.1f}%"
            title = job.title if len(job.title) <= width else job.title[: width - 1] + "…"
            error = job.error.splitlines()[0][:80] if job.error else ""
            if job.stalled:
                error = f"stalled: {job.claimed_by or 'its process'} stopped; jobs retry {job.id}"
            elif job.open_flags:
                error = f"{job.open_flags} coverage flag(s) for an editor {error}".strip()
            state = "stalled" if job.stalled else job.state
            self.stdout.write(f"{job.id:>5}  {title:{width}}  {state:9}  {done:>22}  {error}")


def _user(username: str | None) -> Any:
    if not username:
        return None
    User = get_user_model()  # noqa: N806
    try:
        return User.objects.get(**{User.USERNAME_FIELD: username})
    except User.DoesNotExist:
        raise CommandError(f"No user {username!r}: give the username of an editor.") from None
