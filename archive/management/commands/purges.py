"""List every purged testimony: `manage.py purges [--json]`.

A purge cannot reach backups, WAL archives or replicas made before it. This
list is what an operator replays against them: the testimony ids and when
each was purged (the tombstones keep only the consent history).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from archive.models import TestimonyPage


class Command(BaseCommand):
    help = "List purged testimonies (ids and dates) to replay against backups and replicas."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--json", action="store_true", help="Print the list as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        rows = [
            {"id": page.pk, "purged_at": page.purged_at.isoformat(), "consent": page.consent_id}
            for page in TestimonyPage.objects.filter(purged_at__isnull=False).order_by("purged_at")
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows))
            return
        if not rows:
            self.stdout.write("No testimony has been purged.")
        for row in rows:
            self.stdout.write(f"{row['id']}\t{row['purged_at']}\tconsent {row['consent']}")
