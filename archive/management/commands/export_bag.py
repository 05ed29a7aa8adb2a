"""`manage.py export_bag (--testimony ID | --collection ID) DEST --by USERNAME`: a BagIt bag.

The access policy needs someone to ask about and the audit log someone to
name, so the command acts as the staff member given with --by; a shell on
the server is no role of its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from archive.interchange.bags import BagError, collection_bag_create, testimony_bag_create
from archive.models import CollectionPage, TestimonyPage


class Command(BaseCommand):
    help = (
        "Write a preservation bag (BagIt) of one testimony or one collection into DEST, "
        "a folder that must not exist yet, as the staff member --by."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--testimony", type=int, metavar="ID", help="Testimony page id.")
        which.add_argument("--collection", type=int, metavar="ID", help="Collection page id.")
        parser.add_argument("dest", type=Path, help="Folder to create for the bag.")
        parser.add_argument(
            "--by", required=True, metavar="USERNAME", help="The staff member making the bag."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = _user(options["by"])
        dest: Path = options["dest"]
        try:
            if options["testimony"] is not None:
                testimony = TestimonyPage.objects.filter(pk=options["testimony"]).first()
                if testimony is None:
                    raise CommandError(f"No testimony {options['testimony']}.")
                made = testimony_bag_create(testimony=testimony, dest=dest, user=user)
            else:
                collection = CollectionPage.objects.filter(pk=options["collection"]).first()
                if collection is None:
                    raise CommandError(f"No collection {options['collection']}.")
                made = collection_bag_create(collection=collection, dest=dest, user=user)
        except BagError as e:
            raise CommandError(str(e)) from e
        if made.left_out:
            left = ", ".join(str(pk) for pk in made.left_out)
            self.stderr.write(
                f"Left out (withdrawn or restricted), marked in collection.json: {left}"
            )
        self.stderr.write(f"Payload-Oxum {made.payload_oxum} (bytes.files); validated.")
        self.stdout.write(str(made.path))


def _user(username: str) -> Any:
    User = get_user_model()  # noqa: N806
    try:
        return User.objects.get(**{User.USERNAME_FIELD: username})
    except User.DoesNotExist:
        raise CommandError(f"No user {username!r}: give the username of a staff member.") from None
